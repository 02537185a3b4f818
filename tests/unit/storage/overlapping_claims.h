#pragma once

// Two claims racing on one database: the first runs in a write transaction that is held open
// until the second, another write transaction on the calling thread, has finished.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/repositories.h"

namespace billwright::testing {

// Runs `first` and then `second` as described; true when the second committed while the first
// was still open, that is without waiting for its locks (FOR UPDATE SKIP LOCKED on MariaDB). The
// first waits at most 10 s for it, so a second claim that blocks fails the test rather than
// hanging it. Either body may run again (a transaction is rerun after a deadlock).
inline bool secondClaimFinishesWhileFirstIsOpen(
    storage::Store& store, const std::function<void(storage::UnitOfWork&)>& first,
    const std::function<void(storage::UnitOfWork&)>& second) {
    std::mutex m;
    std::condition_variable cv;
    bool first_claimed = false, second_done = false, done_while_open = false;
    std::thread holder([&] {
        store.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            first(uow);
            std::unique_lock lock(m);
            first_claimed = true;
            cv.notify_all();
            done_while_open =
                cv.wait_for(lock, std::chrono::seconds{10}, [&] { return second_done; });
            return true;
        });
    });
    {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return first_claimed; });
    }
    store.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        second(uow);
        return true;
    });
    {
        std::lock_guard lock(m);
        second_done = true;
    }
    cv.notify_all();
    holder.join();
    return done_while_open;
}

}  // namespace billwright::testing
