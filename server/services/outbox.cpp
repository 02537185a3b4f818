#include "services/outbox.h"

#include "services/audit.h"
#include "services/representation.h"

namespace billwright::services {

using core::Error;
using core::JsonValue;

Outbox::Outbox(storage::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

core::Result<Page<storage::OutboxMessage>> Outbox::list(const storage::OutboxFilter& filter) {
    return store_.read([&](storage::UnitOfWork& uow) {
        return core::Result<Page<storage::OutboxMessage>>(
            toPage(uow.outbox().list(filter), filter.page.limit));
    });
}

core::Result<storage::OutboxMessage> Outbox::get(const std::string& tenant_id,
                                                 const std::string& id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<storage::OutboxMessage> {
        auto message = uow.outbox().find(tenant_id, id);
        if (!message) return Error::notFound("outbox message");
        return std::move(*message);
    });
}

core::Result<storage::OutboxMessage> Outbox::retry(const Actor& actor, const std::string& tenant_id,
                                                   const std::string& id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<storage::OutboxMessage> {
        const auto before = uow.outbox().find(tenant_id, id);
        if (!before) return Error::notFound("outbox message");
        if (!uow.outbox().retry(tenant_id, id, clock_.nowSeconds())) {
            Error e{core::ErrorCode::kInvalidTransition,
                    "only a failed message can be retried; this one is " + before->status,
                    {}};
            e.fields.emplace_back("status", before->status, "the message's current status");
            return e;
        }
        auto after = uow.outbox().find(tenant_id, id);
        recordAudit(uow, actor, clock_, tenant_id, "outbox_message.retried", "outbox_message", id,
                    toJson(*before), toJson(*after));
        return std::move(*after);
    });
}

JsonValue toJson(const storage::OutboxMessage& m) {
    JsonValue sender = JsonValue::null();
    if (m.sender_name || m.sender_email) {
        sender = JsonValue::object();
        sender.set("name", optionalString(m.sender_name))
            .set("email", optionalString(m.sender_email));
    }
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("outbox_message"))
        .set("id", JsonValue::string(m.id))
        .set("kind", JsonValue::string(m.kind))
        .set("channel", JsonValue::string(m.channel))
        .set("object_id", optionalString(m.object_id))
        .set("recipient", JsonValue::string(m.recipient))
        .set("subject", JsonValue::string(m.subject))
        .set("sender", std::move(sender))
        .set("reply_to", optionalString(m.reply_to))
        .set("attachment_name", optionalString(m.attachment_name))
        .set("status", JsonValue::string(m.status))
        .set("attempts", JsonValue::number(m.attempts))
        .set("next_attempt_at", timestampJson(m.next_attempt_at))
        .set("last_error", optionalString(m.last_error))
        .set("sent_at", optionalTimestamp(m.sent_at))
        .set("created_at", timestampJson(m.created_at));
    return out;
}

}  // namespace billwright::services
