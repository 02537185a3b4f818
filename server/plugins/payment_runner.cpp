#include "plugins/payment_runner.h"

#include <cstring>
#include <stdexcept>

namespace billwright::plugins {
namespace {

// Bounds on text a plugin returns: ids, references, codes and labels; URLs, tokens, messages.
constexpr std::size_t kMaxShortText = 512;
constexpr std::size_t kMaxLongText = 8192;

bool knownStatus(bw_status s) { return s >= BW_OK && s <= BW_ERR_NETWORK; }

// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF) without C0
// control characters or DEL.
bool isText(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            if (b < 0x20 || b == 0x7f) return false;
            ++i;
            continue;
        }
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (b >= 0xc2 && b <= 0xdf) {
            extra = 1;
            cp = b & 0x1fu;
        } else if (b >= 0xe0 && b <= 0xef) {
            extra = 2;
            cp = b & 0x0fu;
        } else if (b >= 0xf0 && b <= 0xf4) {
            extra = 3;
            cp = b & 0x07u;
        } else {
            return false;
        }
        if (s.size() - i <= extra) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3fu);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += extra + 1;
    }
    return true;
}

// The stable failure-code shape: [a-z][a-z0-9_]{0,63}.
bool isCode(std::string_view s) {
    if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
    for (const char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

bool isHttpUrl(std::string_view s) {
    return (s.rfind("https://", 0) == 0 && s.size() > 8) ||
           (s.rfind("http://", 0) == 0 && s.size() > 7);
}

// Reads what a plugin put into a result; the first problem found makes the result unusable.
class ResultReader {
public:
    std::string text(const char* s, const char* field, std::size_t cap, bool required) {
        if (s == nullptr) {
            if (required) fail(std::string(field) + " is missing");
            return {};
        }
        const std::size_t len = ::strnlen(s, cap + 1);
        if (len > cap) {
            fail(std::string(field) + " is longer than " + std::to_string(cap) + " bytes");
            return {};
        }
        const std::string_view view(s, len);
        if (!isText(view)) {
            fail(std::string(field) + " is not UTF-8 text");
            return {};
        }
        if (required && view.empty()) fail(std::string(field) + " is empty");
        return std::string(view);
    }

    std::string code(const char* s, const char* field, bool required) {
        std::string out = text(s, field, kMaxShortText, required);
        if (!out.empty() && !isCode(out)) fail(std::string(field) + " is not [a-z][a-z0-9_]*");
        return out;
    }

    void check(bool condition, const std::string& why) {
        if (!condition) fail(why);
    }
    void fail(std::string why) {
        if (problem_.empty()) problem_ = std::move(why);
    }
    bool ok() const { return problem_.empty(); }
    const std::string& problem() const { return problem_; }

private:
    std::string problem_;
};

std::optional<MethodType> methodTypeOf(std::int32_t v) {
    if (v < BW_METHOD_CARD || v > BW_METHOD_MANUAL) return std::nullopt;
    return static_cast<MethodType>(v);
}
std::optional<MethodStatus> methodStatusOf(std::int32_t v) {
    if (v < BW_METHOD_ACTIVE || v > BW_METHOD_FAILED) return std::nullopt;
    return static_cast<MethodStatus>(v);
}
std::optional<PaymentStatus> paymentStatusOf(std::int32_t v) {
    if (v < BW_PAYMENT_SUCCEEDED || v > BW_PAYMENT_PARTIAL) return std::nullopt;
    return static_cast<PaymentStatus>(v);
}
std::optional<RefundStatus> refundStatusOf(std::int32_t v) {
    if (v < BW_REFUND_SUCCEEDED || v > BW_REFUND_FAILED) return std::nullopt;
    return static_cast<RefundStatus>(v);
}

// A payment result; `asked` is the amount the host asked for, when it is known to this call.
PaymentResult readPayment(ResultReader& r, const bw_payment_result& p,
                          std::optional<std::int64_t> asked) {
    PaymentResult out;
    const auto status = paymentStatusOf(p.status);
    if (!status) {
        r.fail("payment status " + std::to_string(p.status) + " is unknown");
        return out;
    }
    out.status = *status;
    const bool failed = out.status == PaymentStatus::kFailed;
    const bool canceled = out.status == PaymentStatus::kCanceled;
    out.reference = r.text(p.reference, "reference", kMaxShortText, !failed && !canceled);
    out.failure_code = r.code(p.failure_code, "failure_code", failed);
    out.failure_message = r.text(p.failure_message, "failure_message", kMaxLongText, false);
    out.action_url = r.text(p.action_url, "action_url", kMaxLongText,
                            out.status == PaymentStatus::kRequiresAction);
    r.check(out.action_url.empty() || isHttpUrl(out.action_url),
            "action_url is not an http(s) URL");
    r.check(p.expires_at >= 0, "expires_at is negative");
    out.expires_at = p.expires_at;

    const std::int64_t got = p.amount_received_minor;
    out.amount_received_minor = got;
    const std::string received = "amount_received_minor " + std::to_string(got);
    r.check(got >= 0, received + " is negative");
    if (asked) {
        const std::int64_t want = *asked;
        const std::string of = " of " + std::to_string(want) + " asked";
        r.check(got <= want, received + " is more than the " + std::to_string(want) + " asked");
        switch (out.status) {
            case PaymentStatus::kSucceeded:
                r.check(got == want, received + of + " for a succeeded payment (partial?)");
                break;
            case PaymentStatus::kPartial:
                r.check(got > 0 && got < want, received + of + " for a partial payment");
                break;
            case PaymentStatus::kPending:
            case PaymentStatus::kRequiresAction:
                r.check(got < want, received + of + " for a payment still open");
                break;
            case PaymentStatus::kFailed:
            case PaymentStatus::kCanceled:
                r.check(got == 0, received + " for a payment that collected nothing");
                break;
        }
    } else {
        if (out.status == PaymentStatus::kSucceeded || out.status == PaymentStatus::kPartial)
            r.check(got > 0, received + " for a payment that collected money");
        if (failed || canceled)
            r.check(got == 0, received + " for a payment that collected nothing");
    }
    if (p.fee_minor != -1) {
        r.check(p.fee_minor >= 0, "fee_minor " + std::to_string(p.fee_minor) + " is negative");
        if (asked)
            r.check(p.fee_minor <= *asked,
                    "fee_minor " + std::to_string(p.fee_minor) + " is more than the amount");
        out.fee_minor = p.fee_minor;
    }
    return out;
}

MethodResult readMethod(ResultReader& r, const bw_method_result& m, std::uint32_t declared,
                        bool setup) {
    MethodResult out;
    out.provider_customer = r.text(m.provider_customer, "provider_customer", kMaxShortText, false);
    out.reference = r.text(m.reference, "reference", kMaxShortText, setup);
    out.label = r.text(m.label, "label", kMaxShortText, false);
    out.client_token = r.text(m.client_token, "client_token", kMaxLongText, !setup);
    r.check(m.client_token_expires_at >= 0, "client_token_expires_at is negative");
    out.client_token_expires_at = m.client_token_expires_at;
    if (setup || m.method_type != 0) {
        out.method_type = methodTypeOf(m.method_type);
        r.check(
            out.method_type.has_value() &&
                (declared & BW_METHOD_TYPE_BIT(static_cast<std::uint32_t>(m.method_type))) != 0,
            "method_type " + std::to_string(m.method_type) + " is not one the processor declared");
    }
    if (setup || m.status != 0) {
        out.status = methodStatusOf(m.status);
        r.check(
            out.status == MethodStatus::kActive || out.status == MethodStatus::kPendingVerification,
            "method status " + std::to_string(m.status) +
                " is neither active nor pending verification");
    }
    return out;
}

RefundResult readRefund(ResultReader& r, const bw_refund_result& f) {
    RefundResult out;
    const auto status = refundStatusOf(f.status);
    if (!status) {
        r.fail("refund status " + std::to_string(f.status) + " is unknown");
        return out;
    }
    out.status = *status;
    const bool failed = out.status == RefundStatus::kFailed;
    out.reference = r.text(f.reference, "reference", kMaxShortText, !failed);
    out.failure_code = r.code(f.failure_code, "failure_code", failed);
    return out;
}

WebhookResult readWebhook(ResultReader& r, const bw_webhook_result& w,
                          const bw_payment_result& payment) {
    WebhookResult out;
    if (w.event < BW_EVENT_IGNORED || w.event > BW_EVENT_METHOD) {
        r.fail("webhook event " + std::to_string(w.event) + " is unknown");
        return out;
    }
    out.event = static_cast<WebhookEvent>(w.event);
    out.event_id = r.text(w.event_id, "event_id", kMaxShortText, false);
    r.check(w.occurred_at >= 0, "occurred_at is negative");
    out.occurred_at = w.occurred_at;
    out.payment_id = r.text(w.payment_id, "payment_id", kMaxShortText, false);
    switch (out.event) {
        case WebhookEvent::kIgnored:
            break;
        case WebhookEvent::kPayment:
            r.check(w.payment == &payment, "the payment pointer was reassigned");
            out.payment = readPayment(r, payment, std::nullopt);
            break;
        case WebhookEvent::kRefund:
            out.refund_reference =
                r.text(w.refund_reference, "refund_reference", kMaxShortText, true);
            out.refund_status = refundStatusOf(w.refund_status);
            r.check(out.refund_status.has_value(),
                    "refund_status " + std::to_string(w.refund_status) + " is unknown");
            break;
        case WebhookEvent::kMethod:
            out.method_reference =
                r.text(w.method_reference, "method_reference", kMaxShortText, true);
            out.method_status = methodStatusOf(w.method_status);
            r.check(out.method_status.has_value(),
                    "method_status " + std::to_string(w.method_status) + " is unknown");
            out.method_failure_code = r.code(w.method_failure_code, "method_failure_code",
                                             out.method_status == MethodStatus::kFailed);
            break;
    }
    return out;
}

bw_payer cPayer(const Payer& p) {
    return bw_payer{sizeof(bw_payer), p.kind.c_str(),  p.id.c_str(),
                    p.name.c_str(),   p.email.c_str(), p.provider_customer.c_str()};
}

bw_money cMoney(const Money& m) {
    return bw_money{m.amount_minor, m.currency.c_str(), static_cast<std::int32_t>(m.exponent)};
}

// Programmer errors of the host: the plugin must never see such a request.
void requireHost(bool condition, const char* what) {
    if (!condition) throw std::invalid_argument(std::string("payment request: ") + what);
}

void requireMoney(const Money& m) {
    requireHost(m.amount_minor > 0, "amount_minor must be > 0");
    requireHost(!m.currency.empty(), "currency is required");
}

// Runs one entry point in its own PluginCall. `call_entry(handle, api)` calls the plugin;
// `read(reader)` copies its result out while the call's memory is still alive.
template <class T, class CallEntry, class Read>
ProcessorResult<T> invoke(const HostEnvironment& env, const LoadedPlugin& plugin,
                          std::string_view entry, const PaymentCallContext& context,
                          CallEntry&& call_entry, Read&& read) {
    CallScope scope;
    scope.plugin = &plugin;
    scope.tenant_id = context.tenant_id;
    scope.config = context.settings.config;
    scope.secrets = context.settings.secrets;
    scope.params = context.params;
    scope.deadline_ms = context.deadline_ms;
    PluginCall call(env, std::move(scope));
    const bw_status status = call_entry(call.handle(), call.api());
    env.metrics.increment(
        "billwright_plugin_calls_total",
        {{"plugin", plugin.info.id}, {"status", std::string(statusName(status))}});

    const auto broken = [&](const std::string& problem) {
        env.log.error("plugin broke the payment contract", {{"plugin", plugin.info.id},
                                                            {"tenant", context.tenant_id},
                                                            {"entry", std::string(entry)},
                                                            {"problem", problem}});
        return ProcessorError{BW_ERR_INTERNAL, std::string(entry) + ": " + problem, true};
    };
    if (!knownStatus(status))
        return broken("returned the unknown status " + std::to_string(status));
    if (status != BW_OK) {
        env.log.warning("plugin call failed", {{"plugin", plugin.info.id},
                                               {"tenant", context.tenant_id},
                                               {"entry", std::string(entry)},
                                               {"error", call.describe(status)}});
        return ProcessorError{status, call.errorMessage(), false};
    }
    ResultReader reader;
    T value = read(reader);
    if (!reader.ok()) return broken(reader.problem());
    return value;
}

ProcessorError unsupported(std::string_view entry) {
    return ProcessorError{BW_ERR_UNSUPPORTED,
                          std::string(entry) + " is not implemented by this processor", false};
}

}  // namespace

std::string_view methodTypeName(MethodType t) {
    switch (t) {
        case MethodType::kCard:
            return "card";
        case MethodType::kBankAccount:
            return "bank_account";
        case MethodType::kCrypto:
            return "crypto";
        case MethodType::kManual:
            return "manual";
    }
    return "unknown";
}

std::string_view methodStatusName(MethodStatus s) {
    switch (s) {
        case MethodStatus::kActive:
            return "active";
        case MethodStatus::kPendingVerification:
            return "pending_verification";
        case MethodStatus::kFailed:
            return "failed";
    }
    return "unknown";
}

std::string_view paymentStatusName(PaymentStatus s) {
    switch (s) {
        case PaymentStatus::kSucceeded:
            return "succeeded";
        case PaymentStatus::kPending:
            return "pending";
        case PaymentStatus::kRequiresAction:
            return "requires_action";
        case PaymentStatus::kFailed:
            return "failed";
        case PaymentStatus::kCanceled:
            return "canceled";
        case PaymentStatus::kPartial:
            return "partial";
    }
    return "unknown";
}

std::string_view refundStatusName(RefundStatus s) {
    switch (s) {
        case RefundStatus::kSucceeded:
            return "succeeded";
        case RefundStatus::kPending:
            return "pending";
        case RefundStatus::kFailed:
            return "failed";
    }
    return "unknown";
}

std::string_view webhookEventName(WebhookEvent e) {
    switch (e) {
        case WebhookEvent::kIgnored:
            return "ignored";
        case WebhookEvent::kPayment:
            return "payment";
        case WebhookEvent::kRefund:
            return "refund";
        case WebhookEvent::kMethod:
            return "method";
    }
    return "unknown";
}

std::string ProcessorError::describe() const {
    std::string out(statusName(status));
    if (!message.empty()) out += ": " + message;
    return out;
}

core::Error ProcessorError::toError(std::string_view plugin_id) const {
    return core::Error{core::ErrorCode::kPluginFailed,
                       "plugin " + std::string(plugin_id) + " failed: " + describe(),
                       {}};
}

core::Result<PaymentProcessor> PaymentProcessor::of(const HostEnvironment& env,
                                                    const LoadedPlugin& plugin) {
    if (!plugin.info.payment_processor || plugin.descriptor == nullptr ||
        plugin.descriptor->payment_processor == nullptr)
        return core::Error::notFound("payment processor " + plugin.info.id);
    return PaymentProcessor(env, plugin);
}

PaymentProcessor::PaymentProcessor(const HostEnvironment& env, const LoadedPlugin& plugin)
    : env_(&env), plugin_(&plugin), api_(plugin.descriptor->payment_processor) {}

bool PaymentProcessor::handles(MethodType type) const {
    return (methodTypes() & BW_METHOD_TYPE_BIT(static_cast<std::uint32_t>(type))) != 0;
}

ProcessorResult<MethodResult> PaymentProcessor::beginMethod(const PaymentCallContext& context,
                                                            const MethodRequest& request) const {
    constexpr std::string_view kEntry = "begin_method";
    if (api_->begin_method == nullptr) return unsupported(kEntry);
    const bw_payer payer = cPayer(request.payer);
    const bw_method_request req{sizeof req, &payer, request.token.c_str()};
    bw_method_result res{};
    res.size = sizeof res;
    return invoke<MethodResult>(
        *env_, *plugin_, kEntry, context,
        [&](bw_call* call, const bw_host_api* host) {
            return api_->begin_method(call, host, &req, &res);
        },
        [&](ResultReader& r) { return readMethod(r, res, methodTypes(), false); });
}

ProcessorResult<MethodResult> PaymentProcessor::setupMethod(const PaymentCallContext& context,
                                                            const MethodRequest& request) const {
    constexpr std::string_view kEntry = "setup_method";
    if (api_->setup_method == nullptr) return unsupported(kEntry);
    const bw_payer payer = cPayer(request.payer);
    const bw_method_request req{sizeof req, &payer, request.token.c_str()};
    bw_method_result res{};
    res.size = sizeof res;
    return invoke<MethodResult>(
        *env_, *plugin_, kEntry, context,
        [&](bw_call* call, const bw_host_api* host) {
            return api_->setup_method(call, host, &req, &res);
        },
        [&](ResultReader& r) { return readMethod(r, res, methodTypes(), true); });
}

ProcessorResult<PaymentResult> PaymentProcessor::charge(const PaymentCallContext& context,
                                                        const ChargeRequest& request) const {
    constexpr std::string_view kEntry = "charge";
    requireHost(!request.payment_id.empty(), "payment_id is required");
    requireHost(!request.idempotency_key.empty(), "idempotency_key is required");
    requireMoney(request.amount);
    requireHost(
        request.surcharge_minor >= 0 && request.surcharge_minor < request.amount.amount_minor,
        "surcharge_minor must be in [0, amount)");
    if (api_->charge == nullptr) return unsupported(kEntry);
    const bw_payer payer = cPayer(request.payer);
    bw_charge_request req{};
    req.size = sizeof req;
    req.payer = &payer;
    req.payment_id = request.payment_id.c_str();
    req.invoice_id = request.invoice_id.c_str();
    req.idempotency_key = request.idempotency_key.c_str();
    req.amount = cMoney(request.amount);
    req.surcharge_minor = request.surcharge_minor;
    req.method_reference = request.method_reference.c_str();
    req.off_session = request.off_session ? 1u : 0u;
    req.description = request.description.c_str();
    req.return_url = request.return_url.c_str();
    bw_payment_result res{};
    res.size = sizeof res;
    return invoke<PaymentResult>(
        *env_, *plugin_, kEntry, context,
        [&](bw_call* call, const bw_host_api* host) {
            return api_->charge(call, host, &req, &res);
        },
        [&](ResultReader& r) { return readPayment(r, res, request.amount.amount_minor); });
}

ProcessorResult<PaymentResult> PaymentProcessor::lookup(const PaymentCallContext& context,
                                                        const LookupRequest& request) const {
    constexpr std::string_view kEntry = "lookup";
    requireHost(!request.payment_id.empty(), "payment_id is required");
    requireMoney(request.amount);
    if (api_->lookup == nullptr) return unsupported(kEntry);
    const bw_payer payer = cPayer(request.payer);
    bw_lookup_request req{};
    req.size = sizeof req;
    req.payer = &payer;
    req.payment_id = request.payment_id.c_str();
    req.reference = request.reference.c_str();
    req.amount = cMoney(request.amount);
    bw_payment_result res{};
    res.size = sizeof res;
    return invoke<PaymentResult>(
        *env_, *plugin_, kEntry, context,
        [&](bw_call* call, const bw_host_api* host) {
            return api_->lookup(call, host, &req, &res);
        },
        [&](ResultReader& r) { return readPayment(r, res, request.amount.amount_minor); });
}

ProcessorResult<RefundResult> PaymentProcessor::refund(const PaymentCallContext& context,
                                                       const RefundRequest& request) const {
    constexpr std::string_view kEntry = "refund";
    requireHost(!request.refund_id.empty(), "refund_id is required");
    requireHost(!request.idempotency_key.empty(), "idempotency_key is required");
    requireHost(!request.payment_reference.empty(), "payment_reference is required");
    requireMoney(request.amount);
    if (api_->refund == nullptr) return unsupported(kEntry);
    const bw_payer payer = cPayer(request.payer);
    bw_refund_request req{};
    req.size = sizeof req;
    req.payer = &payer;
    req.refund_id = request.refund_id.c_str();
    req.idempotency_key = request.idempotency_key.c_str();
    req.payment_reference = request.payment_reference.c_str();
    req.amount = cMoney(request.amount);
    req.reason = request.reason.c_str();
    bw_refund_result res{};
    res.size = sizeof res;
    return invoke<RefundResult>(
        *env_, *plugin_, kEntry, context,
        [&](bw_call* call, const bw_host_api* host) {
            return api_->refund(call, host, &req, &res);
        },
        [&](ResultReader& r) { return readRefund(r, res); });
}

ProcessorResult<WebhookResult> PaymentProcessor::webhook(const PaymentCallContext& context,
                                                         const WebhookRequest& request) const {
    constexpr std::string_view kEntry = "webhook";
    if (api_->webhook == nullptr) return unsupported(kEntry);
    bw_webhook_request req{};
    req.size = sizeof req;
    req.headers = request.headers.c_str();
    req.body = bw_str{request.body.data(), request.body.size()};
    req.received_at = request.received_at;
    bw_payment_result payment{};
    payment.size = sizeof payment;
    bw_webhook_result res{};
    res.size = sizeof res;
    res.payment = &payment;
    return invoke<WebhookResult>(
        *env_, *plugin_, kEntry, context,
        [&](bw_call* call, const bw_host_api* host) {
            return api_->webhook(call, host, &req, &res);
        },
        [&](ResultReader& r) { return readWebhook(r, res, payment); });
}

}  // namespace billwright::plugins
