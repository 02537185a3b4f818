#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "services/actor.h"
#include "services/platform_billing.h"
#include "storage/repositories.h"

namespace billwright::services {

// The outbox (emails and signed webhooks) as a tenant sees it: its messages, their delivery state,
// and a retry of a dead letter. Delivery itself is jobs::OutboxDelivery.
class Outbox {
public:
    Outbox(storage::Store& store, const core::Clock& clock);

    core::Result<Page<storage::OutboxMessage>> list(const storage::OutboxFilter& filter);
    core::Result<storage::OutboxMessage> get(const std::string& tenant_id, const std::string& id);
    // A failed message back to pending, due now (409 invalid_transition for any other status).
    core::Result<storage::OutboxMessage> retry(const Actor& actor, const std::string& tenant_id,
                                               const std::string& id);

private:
    storage::Store& store_;
    const core::Clock& clock_;
};

inline constexpr std::string_view kOutboxStatuses[] = {"pending", "sent", "failed"};
inline constexpr std::string_view kOutboxChannels[] = {"email", "webhook"};

// Everything but the bodies and the attachment's content. For a webhook, `subject` is the
// event id and `recipient` names the setting its URL is read from.
core::JsonValue toJson(const storage::OutboxMessage& message);

}  // namespace billwright::services
