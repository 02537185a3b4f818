#include <boost/test/unit_test.hpp>
#include <limits>
#include <stdexcept>

#include "services/service_fixture.h"

using namespace billwright;
using namespace billwright::testing;

namespace {

domain::Tenant makeTenant(const std::string& id) {
    domain::Tenant t;
    t.id = id;
    t.name = "T " + id;
    return t;
}

domain::PlatformInvoice makeInvoice(const std::string& tenant, const std::string& id,
                                    const std::string& number, core::Date start,
                                    std::int64_t amount) {
    domain::BillingConfig config;
    config.tenant_id = tenant;
    config.flat_rate_minor = amount;
    auto inv = domain::draftPlatformInvoice(config, {start, core::addMonthsClamped(start, 1)},
                                            start, amount);
    inv.id = id;
    inv.invoice_number = number;
    return inv;
}

void write(storage::Store& store, const std::function<void(storage::UnitOfWork&)>& body) {
    store.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        body(uow);
        return true;
    });
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(sql_store, StoreFixture)

BOOST_AUTO_TEST_CASE(migrations_bring_an_empty_database_to_the_latest_version_once) {
    BOOST_CHECK_EQUAL(storage::currentSchemaVersion(*db), storage::latestSchemaVersion());
    const auto again = storage::applyMigrations(*db, 0);
    BOOST_CHECK(again.applied_now.empty());
    BOOST_CHECK_EQUAL(again.current_version, storage::latestSchemaVersion());
}

BOOST_AUTO_TEST_CASE(money_beyond_32_bits_round_trips_exactly) {
    write(*store, [](auto& uow) { uow.tenants().insert(makeTenant("ten_a")); });
    const std::vector<std::int64_t> amounts = {5000000000LL,
                                               std::numeric_limits<std::int64_t>::max(), 0, 1};
    for (std::size_t i = 0; i < amounts.size(); ++i) {
        write(*store, [&](auto& uow) {
            uow.platformInvoices().insert(
                makeInvoice("ten_a", "inv_" + std::to_string(i), "N-" + std::to_string(i),
                            ymd(2020 + static_cast<int>(i), 1, 1), amounts[i]));
        });
        const auto back = store->read([&](auto& uow) {
            return uow.platformInvoices().find("ten_a", "inv_" + std::to_string(i));
        });
        BOOST_REQUIRE(back.has_value());
        BOOST_CHECK_EQUAL(back->amount_minor, amounts[i]);
    }
    const auto totals = store->read([](auto& uow) {
        return uow.platformInvoices().countByStatus(domain::PlatformInvoiceStatus::kPendingPayment);
    });
    BOOST_CHECK_EQUAL(totals, 4);
}

BOOST_AUTO_TEST_CASE(the_database_refuses_a_second_invoice_for_one_tenant_and_period) {
    write(*store, [](auto& uow) { uow.tenants().insert(makeTenant("ten_a")); });
    write(*store, [](auto& uow) {
        uow.platformInvoices().insert(makeInvoice("ten_a", "inv_1", "N-1", ymd(2026, 1, 1), 100));
    });
    try {
        write(*store, [](auto& uow) {
            uow.platformInvoices().insert(
                makeInvoice("ten_a", "inv_2", "N-2", ymd(2026, 1, 1), 100));
        });
        BOOST_FAIL("a duplicate period was stored");
    } catch (const storage::DbError& e) {
        BOOST_CHECK(e.kind() == storage::DbErrorKind::kUniqueViolation);
    }
    try {
        write(*store, [](auto& uow) {
            uow.platformInvoices().insert(
                makeInvoice("ten_a", "inv_3", "N-1", ymd(2026, 2, 1), 100));
        });
        BOOST_FAIL("a duplicate invoice number was stored");
    } catch (const storage::DbError& e) {
        BOOST_CHECK(e.kind() == storage::DbErrorKind::kUniqueViolation);
    }
}

BOOST_AUTO_TEST_CASE(foreign_keys_keep_an_invoice_from_pointing_at_a_missing_tenant) {
    try {
        write(*store, [](auto& uow) {
            uow.platformInvoices().insert(
                makeInvoice("ten_ghost", "inv_1", "N-1", ymd(2026, 1, 1), 1));
        });
        BOOST_FAIL("an orphan invoice was stored");
    } catch (const storage::DbError& e) {
        BOOST_CHECK(e.kind() == storage::DbErrorKind::kForeignKeyViolation);
    }
}

BOOST_AUTO_TEST_CASE(a_transaction_that_fails_half_way_leaves_nothing_behind) {
    BOOST_CHECK_THROW(write(*store,
                            [](auto& uow) {
                                uow.tenants().insert(makeTenant("ten_a"));
                                throw std::runtime_error("crash after the first write");
                            }),
                      std::runtime_error);
    store->transact(storage::TxMode::kWrite, [](auto& uow) {
        uow.tenants().insert(makeTenant("ten_b"));
        return false;  // rolled back on purpose
    });
    BOOST_CHECK_EQUAL(store->read([](auto& uow) { return uow.tenants().count(); }), 0);
}

BOOST_AUTO_TEST_CASE(invoice_sequences_are_gap_free_per_year_and_roll_back_with_their_transaction) {
    auto next = [&](int year) {
        std::int64_t n = 0;
        write(*store,
              [&](auto& uow) { n = uow.platformInvoices().nextSequence("platform", year); });
        return n;
    };
    BOOST_CHECK_EQUAL(next(2026), 1);
    BOOST_CHECK_EQUAL(next(2026), 2);
    BOOST_CHECK_EQUAL(next(2027), 1);
    store->transact(storage::TxMode::kWrite, [](auto& uow) {
        static_cast<void>(uow.platformInvoices().nextSequence("platform", 2026));
        return false;
    });
    BOOST_CHECK_EQUAL(next(2026), 3);
}

BOOST_AUTO_TEST_CASE(lists_page_newest_first_by_id) {
    for (const auto* id : {"ten_01", "ten_02", "ten_03", "ten_04", "ten_05"}) {
        write(*store, [&](auto& uow) { uow.tenants().insert(makeTenant(id)); });
    }
    const auto first = store->read([](auto& uow) {
        return uow.tenants().list(std::nullopt, {2, std::nullopt});
    });
    BOOST_REQUIRE_EQUAL(first.size(), 3U);  // limit + 1 tells the caller there is more
    BOOST_CHECK_EQUAL(first[0].id, "ten_05");
    BOOST_CHECK_EQUAL(first[1].id, "ten_04");
    const auto second = store->read([](auto& uow) {
        return uow.tenants().list(std::nullopt, {2, std::string("ten_04")});
    });
    BOOST_REQUIRE_EQUAL(second.size(), 3U);
    BOOST_CHECK_EQUAL(second[0].id, "ten_03");
    const auto last = store->read([](auto& uow) {
        return uow.tenants().list(std::nullopt, {2, std::string("ten_02")});
    });
    BOOST_REQUIRE_EQUAL(last.size(), 1U);
    BOOST_CHECK_EQUAL(last[0].id, "ten_01");
}

BOOST_AUTO_TEST_CASE(outbox_messages_are_deduplicated_by_their_event_key) {
    write(*store, [](auto& uow) { uow.tenants().insert(makeTenant("ten_a")); });
    storage::OutboxMessage m;
    m.id = "msg_1";
    m.tenant_id = "ten_a";
    m.kind = "platform_invoice.issued";
    m.dedupe_key = "platform_invoice.issued:inv_1";
    m.recipient = "a@b.co";
    m.subject = "s";
    m.body = "b";
    bool first = false;
    bool second = true;
    write(*store, [&](auto& uow) { first = uow.outbox().enqueue(m); });
    m.id = "msg_2";
    write(*store, [&](auto& uow) { second = uow.outbox().enqueue(m); });
    BOOST_CHECK(first);
    BOOST_CHECK(!second);
    BOOST_CHECK_EQUAL(
        store->read([](auto& uow) { return uow.outbox().listForTenant("ten_a"); }).size(), 1U);
}

BOOST_AUTO_TEST_CASE(an_outbox_message_round_trips_every_field_and_lists_leave_out_the_attachment) {
    write(*store, [](auto& uow) {
        uow.tenants().insert(makeTenant("ten_a"));
        uow.tenants().insert(makeTenant("ten_b"));
    });
    storage::OutboxMessage m;
    m.id = "msg_1";
    m.tenant_id = "ten_a";
    m.kind = "invoice.issued";
    m.dedupe_key = "invoice.issued:inv_1";
    m.recipient = "customer@example.com";
    m.subject = "Invoice INV-1";
    m.body = "text";
    m.html_body = "<p>html</p>";
    m.sender_name = "Acme Hosting";
    m.sender_email = "billing@acme.example";
    m.reply_to = "support@acme.example";
    m.attachment_name = "INV-1.html";
    m.attachment_type = "text/html";
    m.attachment_body = "<html>invoice</html>";
    m.object_id = "inv_1";
    m.next_attempt_at = core::SysSeconds{std::chrono::seconds{100}};
    m.created_at = core::SysSeconds{std::chrono::seconds{90}};
    write(*store, [&](auto& uow) { BOOST_CHECK(uow.outbox().enqueue(m)); });
    const auto back = store->read([](auto& uow) { return uow.outbox().find("ten_a", "msg_1"); });
    BOOST_REQUIRE(back);
    BOOST_CHECK(back->html_body == m.html_body);
    BOOST_CHECK(back->sender_name == m.sender_name);
    BOOST_CHECK(back->sender_email == m.sender_email);
    BOOST_CHECK(back->reply_to == m.reply_to);
    BOOST_CHECK(back->attachment_name == m.attachment_name);
    BOOST_CHECK(back->attachment_type == m.attachment_type);
    BOOST_CHECK(back->attachment_body == m.attachment_body);
    BOOST_CHECK(back->object_id == m.object_id);
    BOOST_CHECK_EQUAL(back->status, "pending");
    BOOST_CHECK(back->next_attempt_at == m.next_attempt_at);
    BOOST_CHECK(!back->sent_at && !back->lease_until && !back->last_error);
    // Another tenant sees nothing.
    BOOST_CHECK(!store->read([](auto& uow) { return uow.outbox().find("ten_b", "msg_1"); }));

    storage::OutboxFilter filter;
    filter.tenant_id = "ten_a";
    filter.object_id = "inv_1";
    auto listed = store->read([&](auto& uow) { return uow.outbox().list(filter); });
    BOOST_REQUIRE_EQUAL(listed.size(), 1U);
    BOOST_CHECK(!listed[0].attachment_body);
    BOOST_CHECK(listed[0].attachment_name == m.attachment_name);
    filter.status = "sent";
    BOOST_CHECK(store->read([&](auto& uow) { return uow.outbox().list(filter); }).empty());
    filter.tenant_id = "ten_b";
    filter.status.reset();
    BOOST_CHECK(store->read([&](auto& uow) { return uow.outbox().list(filter); }).empty());
}

// The driver keeps each connection's statements prepared between calls: the same SQL must
// still behave as a fresh statement every time, also while another use of it is open.
BOOST_AUTO_TEST_CASE(reused_statements_behave_as_fresh_ones) {
    db->transact(storage::TxMode::kWrite, [](storage::Connection& c) {
        c.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
        for (std::int64_t k = 1; k <= 3; ++k)
            c.execute("INSERT INTO t (k, v) VALUES (?, ?)", {k, "v" + std::to_string(k)});
        // A failed run (duplicate key) leaves the statement usable, with no old bindings.
        BOOST_CHECK_THROW(c.execute("INSERT INTO t (k, v) VALUES (?, ?)", {std::int64_t{1}, "x"}),
                          storage::DbError);
        c.execute("INSERT INTO t (k, v) VALUES (?, ?)", {std::int64_t{4}, storage::sqlNull()});
        // The same SQL while a stepped statement of that SQL is still open: each has its own
        // bindings and cursor.
        const std::string sql = "SELECT k, v FROM t WHERE k >= ? ORDER BY k";
        auto outer = c.prepare(sql);
        outer->bind(1, std::int64_t{2});
        BOOST_REQUIRE(outer->step());
        BOOST_CHECK_EQUAL(outer->columnInt(0), 2);
        const auto rows = c.query(sql, {std::int64_t{4}});
        BOOST_REQUIRE_EQUAL(rows.size(), 1u);
        BOOST_CHECK(rows[0].isNull(1));
        BOOST_REQUIRE(outer->step());
        BOOST_CHECK_EQUAL(outer->columnInt(0), 3);
        BOOST_CHECK_EQUAL(outer->columnText(1), "v3");
        BOOST_CHECK_EQUAL(c.query(sql, {std::int64_t{1}}).size(), 4u);
        // Types come back as stored: integers, text, NULL; a real as SQLite prints it.
        const auto mixed = c.query("SELECT 5000000000, 'a', NULL, 1.5");
        BOOST_CHECK_EQUAL(mixed.at(0).getInt(0), 5000000000);
        BOOST_CHECK_EQUAL(mixed.at(0).getString(1), "a");
        BOOST_CHECK(mixed.at(0).isNull(2));
        BOOST_CHECK_EQUAL(mixed.at(0).getString(3), "1.5");
        // One statement per call: a second one is refused, not silently dropped.
        BOOST_CHECK_THROW(c.execute("DELETE FROM t; DELETE FROM t"), storage::DbError);
        BOOST_CHECK_EQUAL(c.query("SELECT COUNT(*) FROM t").at(0).getInt(0), 4);
        return true;
    });
    // A schema change after a statement was prepared: the kept statement still runs.
    db->transact(storage::TxMode::kWrite, [](storage::Connection& c) {
        c.execute("ALTER TABLE t ADD COLUMN w INTEGER DEFAULT 7");
        const auto rows = c.query("SELECT k, v FROM t WHERE k >= ? ORDER BY k", {std::int64_t{4}});
        BOOST_CHECK_EQUAL(rows.size(), 1u);
        BOOST_CHECK_EQUAL(c.query("SELECT w FROM t WHERE k = 1").at(0).getInt(0), 7);
        return true;
    });
}

// The SQL is written once: these are the places where SQLite and MySQL differ by default, and
// where the MySQL driver's session (binary collation, found rows, simultaneous assignment)
// makes them agree.
BOOST_AUTO_TEST_CASE(both_drivers_compare_text_byte_for_byte_and_count_matched_rows) {
    db->transact(storage::TxMode::kWrite, [&](storage::Connection& c) {
        c.execute(
            "CREATE TABLE words (w VARCHAR(20) NOT NULL PRIMARY KEY, n BIGINT NOT NULL, "
            "m BIGINT NOT NULL)" +
            std::string(db->dialect().tableOptions()));
        // Case, a trailing space and a four-byte character are all distinct keys.
        for (const std::string w : {"a", "A", "a ", "\xc3\xa9", "\xf0\x9f\x98\x80"})
            c.execute("INSERT INTO words (w, n, m) VALUES (?, 1, 0)", {w});
        return true;
    });
    db->transact(storage::TxMode::kWrite, [&](storage::Connection& c) {
        BOOST_CHECK_EQUAL(c.query("SELECT COUNT(*) FROM words WHERE w = ?", {"a"}).at(0).getInt(0),
                          1);
        std::vector<std::string> sorted;
        for (const auto& r : c.query("SELECT w FROM words ORDER BY w"))
            sorted.push_back(r.getString(0));
        const std::vector<std::string> expected = {"A", "a", "a ", "\xc3\xa9", "\xf0\x9f\x98\x80"};
        BOOST_CHECK_EQUAL_COLLECTIONS(sorted.begin(), sorted.end(), expected.begin(),
                                      expected.end());
        // An UPDATE that leaves the values as they were still reports the row it matched.
        BOOST_CHECK_EQUAL(c.execute("UPDATE words SET n = 1 WHERE w = ?", {"A"}), 1);
        // Every expression of a SET list sees the row as it was.
        c.execute("UPDATE words SET n = n + 1, m = n WHERE w = ?", {"a"});
        const auto row = c.query("SELECT n, m FROM words WHERE w = ?", {"a"}).at(0);
        BOOST_CHECK_EQUAL(row.getInt(0), 2);
        BOOST_CHECK_EQUAL(row.getInt(1), 1);
        // || concatenates, and a backslash is an ordinary character (LIKE ... ESCAPE).
        BOOST_CHECK_EQUAL(c.query("SELECT 'x' || 'y'").at(0).getString(0), "xy");
        const std::string like = "SELECT COUNT(*) FROM words WHERE w LIKE ? ESCAPE '\\'";
        BOOST_CHECK_EQUAL(c.query(like, {"a_"}).at(0).getInt(0), 1);  // "a "
        BOOST_CHECK_EQUAL(c.query(like, {"a\\_"}).at(0).getInt(0), 0);
        return true;
    });
}

BOOST_AUTO_TEST_CASE(an_unusable_database_url_is_refused) {
    BOOST_CHECK_THROW(storage::openDatabase("sqlite::memory:", {}), std::invalid_argument);
    BOOST_CHECK_THROW(storage::openDatabase("postgres://x", {}), std::invalid_argument);
    BOOST_CHECK_THROW(storage::openDatabase("mysql://user@127.0.0.1:3306/db", {}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(storage::openDatabase("sqlite:/proc/no/such/dir/x.db", {}), std::exception);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sqlite_driver)

// database.cache_mb and database.mmap_mb reach every connection, and what one connection
// commits the others read at once (through the map and the WAL when there is a map).
BOOST_AUTO_TEST_CASE(connections_read_through_the_memory_map_they_are_given) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("bwunit-mmap-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (const int mmap_mb : {0, 64}) {
        storage::DatabaseOptions options;
        options.mmap_mb = mmap_mb;
        options.cache_mb = 3 + mmap_mb;
        options.checkpoint_pages = 100;  // pages reach the database file (and the map) early
        const auto path = (dir / ("m" + std::to_string(mmap_mb) + ".db")).string();
        auto db = storage::openDatabase("sqlite:" + path, options);
        db->transact(storage::TxMode::kWrite, [](storage::Connection& c) {
            c.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
            auto insert = c.prepare("INSERT INTO t (k, v) VALUES (?, ?)");
            for (int k = 0; k < 5000; ++k) {
                insert->bind(1, std::int64_t{k});
                insert->bind(2, std::string(100, static_cast<char>('a' + k % 26)));
                insert->run();
            }
            return true;
        });
        // Two connections at once: one holds a read transaction while the other checks.
        db->transact(storage::TxMode::kRead, [&](storage::Connection& outer) {
            BOOST_CHECK_EQUAL(outer.query("PRAGMA mmap_size").at(0).getInt(0),
                              std::int64_t{mmap_mb} * 1024 * 1024);
            BOOST_CHECK_EQUAL(outer.query("PRAGMA cache_size").at(0).getInt(0),
                              -std::int64_t{3 + mmap_mb} * 1024);  // negative: KiB
            db->transact(storage::TxMode::kRead, [&](storage::Connection& inner) {
                BOOST_CHECK_EQUAL(inner.query("PRAGMA mmap_size").at(0).getInt(0),
                                  std::int64_t{mmap_mb} * 1024 * 1024);
                BOOST_CHECK_EQUAL(inner.query("SELECT v FROM t WHERE k = 4321").at(0).getString(0),
                                  std::string(100, static_cast<char>('a' + 4321 % 26)));
                return true;
            });
            BOOST_CHECK_EQUAL(outer.query("SELECT COUNT(*) FROM t").at(0).getInt(0), 5000);
            return true;
        });
        db->transact(storage::TxMode::kWrite, [](storage::Connection& c) {
            c.execute("UPDATE t SET v = 'changed' WHERE k = 17");
            return true;
        });
        db->transact(storage::TxMode::kRead, [](storage::Connection& c) {
            BOOST_CHECK_EQUAL(c.query("SELECT v FROM t WHERE k = 17").at(0).getString(0),
                              "changed");
            return true;
        });
    }
    std::filesystem::remove_all(dir);
}

// The statement cache hashes a long SQL text by its length and sampled words (string_hash.h):
// two texts of one length that differ only between the samples share a bucket, and each must
// still run as itself. Rows read in place give NULL as nullopt and values as they are.
BOOST_AUTO_TEST_CASE(long_statements_alike_but_for_unsampled_bytes_each_run_as_themselves) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("bwunit-stmt-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto db = storage::openDatabase("sqlite:" + (dir / "s.db").string(), {});
    const std::string filler(300, 'f');
    // Byte 9 of each text is its letter; its 326 bytes are sampled at 0-7, 21-28, 42-49, ...
    const auto sql = [&](char letter) {
        return std::string("SELECT 'a") + letter + filler + "', NULL, 42, 'x'";
    };
    BOOST_TEST_REQUIRE(sql('b').size() == sql('c').size());
    BOOST_TEST_REQUIRE(sql('b')[9] == 'b');
    db->transact(storage::TxMode::kRead, [&](storage::Connection& c) {
        for (int round = 0; round < 3; ++round) {  // the second and third come from the cache
            for (const char letter : {'b', 'c', 'd'}) {
                int rows = 0;
                c.forEachRow(sql(letter), {}, [&](const storage::RowView& r) {
                    ++rows;
                    BOOST_TEST(r.getString(0) == std::string("a") + letter + filler);
                    BOOST_TEST(!r.getOptionalString(1).has_value());
                    BOOST_TEST(!r.getOptionalInt(1).has_value());
                    BOOST_TEST(r.getOptionalInt(2).value_or(0) == 42);
                    BOOST_TEST(r.getOptionalString(3).value_or("") == "x");
                    BOOST_CHECK_THROW(r.getOptionalInt(3), storage::DbError);
                });
                BOOST_TEST(rows == 1);
            }
        }
        return true;
    });
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
