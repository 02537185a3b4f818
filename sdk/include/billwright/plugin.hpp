// Billwright plugin SDK: header-only C++ wrapper over <billwright/plugin.h>.
//
// An author writes a class deriving from billwright::sdk::BillingMethod and describes the
// plugin with constexpr helpers; every entry point the wrapper exports is noexcept and turns
// an escaping exception into an error status with the exception's message:
//
//   class Flat final : public billwright::sdk::BillingMethod {
//       void bill(billwright::sdk::Call& call, const billwright::sdk::BillingRequest& r) override;
//   };
//   namespace sdk = billwright::sdk;
//   constexpr bw_config_key kLabel = sdk::configKey("label", BW_CONFIG_STRING, 0, "Flat fee",
//                                                   "Description of the line");
//   constexpr const bw_config_key* kKeys[] = {&kLabel};
//   constexpr bw_billing_method_api kMethod =
//       sdk::billingMethod<Flat>("flat", BW_BILLING_OUTPUT_AMOUNT);
//   BILLWRIGHT_PLUGIN(sdk::describe("billing_flat", "1.0.0", "A fixed amount per period",
//                                   BW_KIND_BILLING_METHOD, kKeys, &kMethod))
//
// A payment processor (ABI 1.1) derives from billwright::sdk::PaymentProcessor instead and is
// described with sdk::paymentProcessor<Class>(method_types, flags):
//
//   class Manual final : public billwright::sdk::PaymentProcessor {
//       sdk::PaymentResult charge(sdk::Call& call, const sdk::ChargeRequest& r) override;
//   };
//   constexpr bw_payment_processor_api kProcessor = sdk::paymentProcessor<Manual>(
//       BW_METHOD_TYPE_BIT(BW_METHOD_MANUAL), BW_PROCESSOR_RECORDS);
//   BILLWRIGHT_PLUGIN(sdk::describe("payment_manual", "1.0.0", "Out-of-band payments",
//                                   BW_KIND_PAYMENT_PROCESSOR, &kProcessor))
//
// Inside the plugin STL types are fine; they never cross the boundary. Views returned by Call
// (config values, secrets, HTTP bodies) and the string views of a request point into host-owned
// memory that lives until the entry-point call returns; copy them to keep them longer.
#ifndef BILLWRIGHT_PLUGIN_HPP
#define BILLWRIGHT_PLUGIN_HPP

#include <billwright/plugin.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace billwright::sdk {

// An error with the status it crosses the boundary as. Throw it from plugin code; the wrapper
// returns `status()` and hands `what()` to the host as the message.
class Error : public std::runtime_error {
public:
    Error(bw_status status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    bw_status status() const noexcept { return status_; }

private:
    bw_status status_;
};

struct Sample {
    std::int64_t ts = 0;
    std::int64_t value = 0;
};

struct HttpResponse {
    int status = 0;
    std::string_view headers;  // host-owned, valid until the entry point returns
    std::string_view body;     // host-owned, valid until the entry point returns
};

// The host's services for one entry-point call. Failures other than "not found" throw Error.
class Call {
public:
    Call(bw_call* call, const bw_host_api* host) noexcept : call_(call), host_(host) {}

    bw_call* raw() const noexcept { return call_; }
    const bw_host_api* host() const noexcept { return host_; }

    void log(std::int32_t level, std::string_view message) const noexcept {
        host_->log(call_, level, message.data(), message.size());
    }
    void info(std::string_view message) const noexcept { log(BW_LOG_INFO, message); }
    void warning(std::string_view message) const noexcept { log(BW_LOG_WARNING, message); }

    // A configuration value (stored or default), or nullopt when neither exists.
    std::optional<std::string_view> config(const char* key) const {
        return lookup(host_->config_get, key, "config");
    }
    // A secret's plaintext, or nullopt when not set. Never log it.
    std::optional<std::string_view> secret(const char* key) const {
        return lookup(host_->secret_get, key, "secret");
    }
    // A parameter of this call, or nullopt when absent.
    std::optional<std::string_view> param(const char* key) const {
        return lookup(host_->param_get, key, "parameter");
    }
    // A parameter that must be present.
    std::string_view requiredParam(const char* key) const {
        const auto text = param(key);
        if (!text) throw Error(BW_ERR_INVALID_ARGUMENT, std::string("missing parameter ") + key);
        return *text;
    }
    // A parameter that must be present and an integer (decimal digits, optional minus).
    std::int64_t integerParam(const char* key) const {
        const auto text = param(key);
        if (!text) throw Error(BW_ERR_INVALID_ARGUMENT, std::string("missing parameter ") + key);
        const auto value = parseInteger(*text);
        if (!value)
            throw Error(BW_ERR_INVALID_ARGUMENT,
                        std::string("parameter ") + key + " is not an integer");
        return *value;
    }

    HttpResponse http(const char* method, const std::string& url, const std::string& headers = {},
                      std::string_view body = {}, std::uint32_t timeout_ms = 0) const {
        bw_http_request request{};
        request.size = sizeof request;
        request.method = method;
        request.url = url.c_str();
        request.headers = headers.empty() ? nullptr : headers.c_str();
        request.body = body.data();
        request.body_len = body.size();
        request.timeout_ms = timeout_ms;
        bw_http_response response{};
        response.size = sizeof response;
        check(host_->http_request(call_, &request, &response), "http request");
        return {response.status, view(response.headers), view(response.body)};
    }

    std::int64_t nowMs() const noexcept { return host_->now_ms(call_); }
    std::int64_t deadlineMs() const noexcept { return host_->deadline_ms(call_); }

    // Raw digest bytes.
    std::string hmac(std::int32_t algorithm, std::string_view key, std::string_view data) const {
        std::uint8_t out[64];
        std::size_t len = 0;
        check(host_->hmac(call_, algorithm, key.data(), key.size(), data.data(), data.size(), out,
                          sizeof out, &len),
              "hmac");
        return std::string(reinterpret_cast<const char*>(out), len);
    }
    std::string hash(std::int32_t algorithm, std::string_view data) const {
        std::uint8_t out[64];
        std::size_t len = 0;
        check(host_->hash(call_, algorithm, data.data(), data.size(), out, sizeof out, &len),
              "hash");
        return std::string(reinterpret_cast<const char*>(out), len);
    }

    // Whether `signature` over `data` verifies with `public_key` (ABI 1.1 hosts). For
    // BW_VERIFY_ES256 the key is the 65-byte uncompressed P-256 point and the signature the
    // 64-byte r || s. A malformed key or signature throws Error(BW_ERR_INVALID_ARGUMENT).
    bool verify(std::int32_t algorithm, std::string_view public_key, std::string_view data,
                std::string_view signature) const {
        if (!BW_HAS_FIELD(host_, bw_host_api, verify) || host_->verify == nullptr)
            throw Error(BW_ERR_UNSUPPORTED, "the host cannot verify signatures");
        const bw_status st =
            host_->verify(call_, algorithm, public_key.data(), public_key.size(), data.data(),
                          data.size(), signature.data(), signature.size());
        if (st == BW_ERR_DENIED) return false;
        check(st, "verify");
        return true;
    }
    // `len` bytes from the host's CSPRNG (ABI 1.1 hosts).
    std::string randomBytes(std::size_t len) const {
        if (!BW_HAS_FIELD(host_, bw_host_api, random_bytes) || host_->random_bytes == nullptr)
            throw Error(BW_ERR_UNSUPPORTED, "the host has no random_bytes");
        std::string out(len, '\0');
        check(host_->random_bytes(call_, reinterpret_cast<std::uint8_t*>(out.data()), len),
              "random bytes");
        return out;
    }

    // A copy of `text` in host-owned memory (NUL-terminated), for results that point at text.
    const char* hostString(std::string_view text) const {
        auto* p = static_cast<char*>(host_->alloc(call_, text.size() + 1));
        if (p == nullptr) throw Error(BW_ERR_INTERNAL, "host refused memory");
        for (std::size_t i = 0; i < text.size(); ++i) p[i] = text[i];
        return p;
    }

    // Billing results; see bw_host_api.
    void emitHours(std::uint32_t equipment_index, std::uint32_t first_hour,
                   std::span<const std::int64_t> energy_mwh,
                   std::span<const std::int64_t> covered_seconds) const {
        if (energy_mwh.size() != covered_seconds.size())
            throw Error(BW_ERR_INTERNAL, "emitHours: arrays differ in length");
        check(host_->emit_hours(call_, equipment_index, first_hour,
                                static_cast<std::uint32_t>(energy_mwh.size()), energy_mwh.data(),
                                covered_seconds.data()),
              "emit hours");
    }
    void emitDetail(std::uint32_t equipment_index, const std::string& key,
                    const std::string& value) const {
        check(host_->emit_detail(call_, equipment_index, key.c_str(), value.c_str()),
              "emit detail");
    }
    void emitAmount(std::int64_t amount_minor, const std::string& description) const {
        check(host_->emit_amount(call_, amount_minor, description.c_str()), "emit amount");
    }

    // One telemetry sample next to `at` (BW_EDGE_BEFORE / BW_EDGE_AT_OR_AFTER).
    std::optional<Sample> edge(std::uint32_t equipment_index, std::int32_t kind, std::int64_t at,
                               std::int32_t direction) const {
        Sample s;
        const bw_status st =
            host_->telemetry_edge(call_, equipment_index, kind, at, direction, &s.ts, &s.value);
        if (st == BW_ERR_NOT_FOUND) return std::nullopt;
        check(st, "telemetry edge");
        return s;
    }

    // Throws Error for any status but BW_OK.
    static void check(bw_status status, const char* what) {
        if (status != BW_OK) throw Error(status, std::string(what) + " failed");
    }

    static std::optional<std::int64_t> parseInteger(std::string_view text) {
        if (text.empty()) return std::nullopt;
        bool negative = false;
        std::size_t i = 0;
        if (text[0] == '-') {
            negative = true;
            i = 1;
            if (text.size() == 1) return std::nullopt;
        }
        std::int64_t value = 0;
        for (; i < text.size(); ++i) {
            const char c = text[i];
            if (c < '0' || c > '9') return std::nullopt;
            const int digit = c - '0';
            if (value > (INT64_MAX - digit) / 10) return std::nullopt;
            value = value * 10 + digit;
        }
        return negative ? -value : value;
    }

private:
    static std::string_view view(const bw_str& s) noexcept {
        return s.data == nullptr ? std::string_view{} : std::string_view(s.data, s.len);
    }
    std::optional<std::string_view> lookup(bw_status (*fn)(bw_call*, const char*, bw_str*),
                                           const char* key, const char* what) const {
        bw_str out{};
        const bw_status st = fn(call_, key, &out);
        if (st == BW_ERR_NOT_FOUND) return std::nullopt;
        if (st != BW_OK) throw Error(st, std::string(what) + " " + key + " could not be read");
        return view(out);
    }

    bw_call* call_;
    const bw_host_api* host_;
};

// Streams one equipment's samples of one kind over [from, to) in batches, so a month of
// telemetry never sits in one allocation.
class SampleReader {
public:
    SampleReader(const Call& call, std::uint32_t equipment_index, std::int32_t kind,
                 std::int64_t from, std::int64_t to, std::uint32_t batch = 512)
        : call_(call),
          equipment_(equipment_index),
          kind_(kind),
          next_from_(from),
          to_(to),
          ts_(batch == 0 ? 1 : batch),
          values_(batch == 0 ? 1 : batch) {}

    // The next sample without consuming it, or nullopt at the end.
    std::optional<Sample> peek() {
        if (pos_ == count_ && !refill()) return std::nullopt;
        return Sample{ts_[pos_], values_[pos_]};
    }
    bool next(Sample& out) {
        const auto s = peek();
        if (!s) return false;
        out = *s;
        ++pos_;
        return true;
    }

private:
    bool refill() {
        if (exhausted_ || next_from_ >= to_) return false;
        std::uint32_t count = 0;
        Call::check(call_.host()->telemetry_read(call_.raw(), equipment_, kind_, next_from_, to_,
                                                 ts_.data(), values_.data(),
                                                 static_cast<std::uint32_t>(ts_.size()), &count),
                    "telemetry read");
        if (count > ts_.size()) throw Error(BW_ERR_INTERNAL, "telemetry read overran its buffer");
        pos_ = 0;
        count_ = count;
        if (count < ts_.size()) exhausted_ = true;
        if (count == 0) return false;
        next_from_ = ts_[count - 1] + 1;
        return true;
    }

    const Call& call_;
    std::uint32_t equipment_;
    std::int32_t kind_;
    std::int64_t next_from_;
    std::int64_t to_;
    std::vector<std::int64_t> ts_;
    std::vector<std::int64_t> values_;
    std::size_t pos_ = 0;
    std::size_t count_ = 0;
    bool exhausted_ = false;
};

struct Equipment {
    std::string_view id;
    std::string_view model;
    std::int64_t power_mw = 0;
    std::int64_t hashrate_mth = 0;
    std::int64_t efficiency_mjth = 0;
};

struct BillingRequest {
    std::string_view tenant_id;
    std::string_view contract_id;
    std::string_view customer_id;
    std::string_view currency;
    std::int32_t currency_exponent = 2;
    std::int64_t period_start = 0;
    std::int64_t period_end = 0;
    std::uint32_t hour_count = 0;
    std::int64_t max_hold_seconds = 0;
    std::vector<Equipment> equipment;

    std::int64_t hourStart(std::uint32_t hour) const {
        return period_start + static_cast<std::int64_t>(hour) * 3600;
    }
    std::int64_t hourSeconds(std::uint32_t hour) const {
        const std::int64_t start = hourStart(hour);
        const std::int64_t end = start + 3600 < period_end ? start + 3600 : period_end;
        return end - start;
    }
};

// Base class of a billing method. One instance serves one call.
class BillingMethod {
public:
    virtual ~BillingMethod() = default;
    virtual void bill(Call& call, const BillingRequest& request) = 0;
};

// ---- Payment processors (ABI 1.1) -------------------------------------------------------
// Requests hold views into the host's request (valid for the call); results hold strings the
// wrapper copies into host memory when the entry point returns. Status fields take the C
// constants (BW_PAYMENT_*, BW_METHOD_*, BW_REFUND_*, BW_EVENT_*).

struct Payer {
    std::string_view kind;  // "customer" or "tenant"
    std::string_view id;
    std::string_view name;
    std::string_view email;
    std::string_view provider_customer;  // "" when the payer has none yet
};

struct Money {
    std::int64_t amount_minor = 0;
    std::string_view currency;
    std::int32_t exponent = 2;
};

struct MethodRequest {
    Payer payer;
    std::string_view token;
};

struct MethodResult {
    std::string provider_customer;
    std::string reference;
    std::int32_t method_type = 0;  // BW_METHOD_CARD ...
    std::int32_t status = 0;       // BW_METHOD_ACTIVE / BW_METHOD_PENDING_VERIFICATION
    std::string label;
    std::string client_token;
    std::int64_t client_token_expires_at = 0;
};

struct ChargeRequest {
    Payer payer;
    std::string_view payment_id;
    std::string_view invoice_id;
    std::string_view idempotency_key;
    Money amount;
    std::int64_t surcharge_minor = 0;
    std::string_view method_reference;
    bool off_session = false;
    std::string_view description;
    std::string_view return_url;
};

struct PaymentResult {
    std::int32_t status = 0;  // BW_PAYMENT_*
    std::string reference;
    std::int64_t amount_received_minor = 0;
    std::int64_t fee_minor = -1;  // -1: unknown
    std::string failure_code;
    std::string failure_message;
    std::string action_url;
    std::int64_t expires_at = 0;

    static PaymentResult succeeded(std::string reference, std::int64_t amount_minor,
                                   std::int64_t fee_minor = -1) {
        PaymentResult r;
        r.status = BW_PAYMENT_SUCCEEDED;
        r.reference = std::move(reference);
        r.amount_received_minor = amount_minor;
        r.fee_minor = fee_minor;
        return r;
    }
    // A decline: the call succeeded, the payment did not.
    static PaymentResult failed(std::string failure_code, std::string failure_message,
                                std::string reference = {}) {
        PaymentResult r;
        r.status = BW_PAYMENT_FAILED;
        r.reference = std::move(reference);
        r.failure_code = std::move(failure_code);
        r.failure_message = std::move(failure_message);
        return r;
    }
};

struct LookupRequest {
    Payer payer;
    std::string_view payment_id;
    std::string_view reference;
    Money amount;
};

struct RefundRequest {
    Payer payer;
    std::string_view refund_id;
    std::string_view idempotency_key;
    std::string_view payment_reference;
    Money amount;
    std::string_view reason;
};

struct RefundResult {
    std::int32_t status = 0;  // BW_REFUND_*
    std::string reference;
    std::string failure_code;
};

struct WebhookRequest {
    std::string_view headers;  // "Name: value\r\n" lines (codec.hpp: headerValue)
    std::string_view body;     // the raw bytes: verify signatures over these
    std::int64_t received_at = 0;
};

struct WebhookResult {
    std::int32_t event = BW_EVENT_IGNORED;
    std::string event_id;
    std::int64_t occurred_at = 0;
    std::string payment_id;
    PaymentResult payment;  // BW_EVENT_PAYMENT
    std::string refund_reference;
    std::int32_t refund_status = 0;  // BW_EVENT_REFUND
    std::string method_reference;
    std::int32_t method_status = 0;  // BW_EVENT_METHOD
    std::string method_failure_code;
};

// Base class of a payment processor. One instance serves one call; keep no state between calls
// (the host owns every record). charge is required. The others are exported only when the flags
// given to paymentProcessor<>() promise them (NEEDS_METHOD: beginMethod and setupMethod,
// REFUNDS: refund, WEBHOOKS: webhook); lookup is always exported. Whatever is not overridden
// answers BW_ERR_UNSUPPORTED.
class PaymentProcessor {
public:
    virtual ~PaymentProcessor() = default;
    virtual PaymentResult charge(Call& call, const ChargeRequest& request) = 0;
    virtual MethodResult beginMethod(Call&, const MethodRequest&) { unsupported("begin_method"); }
    virtual MethodResult setupMethod(Call&, const MethodRequest&) { unsupported("setup_method"); }
    virtual PaymentResult lookup(Call&, const LookupRequest&) { unsupported("lookup"); }
    virtual RefundResult refund(Call&, const RefundRequest&) { unsupported("refund"); }
    // Verify the delivery first: throw Error(BW_ERR_DENIED, ...) for a missing or bad
    // signature or a stale timestamp, before anything else is read.
    virtual WebhookResult webhook(Call&, const WebhookRequest&) { unsupported("webhook"); }

protected:
    [[noreturn]] static void unsupported(const char* entry) {
        throw Error(BW_ERR_UNSUPPORTED, std::string(entry) + " is not implemented");
    }
};

namespace detail {

inline std::string_view text(const char* s) noexcept {
    return s == nullptr ? std::string_view{} : std::string_view(s);
}

// Runs `f`, turning any exception into a status and a message for the host.
template <class F>
bw_status guarded(bw_call* call, const bw_host_api* host, F&& f) noexcept {
    const auto fail = [&](bw_status status, const char* message) noexcept {
        std::size_t len = 0;
        while (message[len] != '\0') ++len;
        host->set_error(call, message, len);
        return status;
    };
    try {
        f();
        return BW_OK;
    } catch (const Error& e) {
        return fail(e.status() == BW_OK ? BW_ERR_INTERNAL : e.status(), e.what());
    } catch (const std::exception& e) {
        return fail(BW_ERR_INTERNAL, e.what());
    } catch (...) {
        return fail(BW_ERR_INTERNAL, "unknown exception in plugin");
    }
}

inline BillingRequest toRequest(const bw_billing_request& r) {
    BillingRequest out;
    out.tenant_id = text(r.tenant_id);
    out.contract_id = text(r.contract_id);
    out.customer_id = text(r.customer_id);
    out.currency = text(r.currency);
    out.currency_exponent = r.currency_exponent;
    out.period_start = r.period_start;
    out.period_end = r.period_end;
    out.hour_count = r.hour_count;
    out.max_hold_seconds = r.max_hold_seconds;
    out.equipment.reserve(r.equipment_count);
    for (std::uint32_t i = 0; i < r.equipment_count; ++i) {
        const bw_equipment* e = r.equipment[i];
        Equipment eq;
        eq.id = text(e->id);
        eq.model = text(e->model);
        eq.power_mw = e->power_mw;
        eq.hashrate_mth = e->hashrate_mth;
        if (BW_HAS_FIELD(e, bw_equipment, efficiency_mjth)) eq.efficiency_mjth = e->efficiency_mjth;
        out.equipment.push_back(eq);
    }
    return out;
}

template <class Method>
requires std::is_base_of_v<BillingMethod, Method> && std::is_default_constructible_v<Method>
    bw_status billEntry(bw_call* call, const bw_host_api* host, const bw_billing_request* request)
noexcept {
    return guarded(call, host, [&] {
        Call c(call, host);
        Method method;
        BillingMethod& base = method;  // the override may be private in the author's class
        base.bill(c, toRequest(*request));
    });
}

// ---- Payment-processor entry points ----

inline Payer toPayer(const bw_payer* p) {
    if (p == nullptr) return {};
    return Payer{text(p->kind), text(p->id), text(p->name), text(p->email),
                 text(p->provider_customer)};
}

inline Money toMoney(const bw_money& m) {
    return Money{m.amount_minor, text(m.currency), m.exponent};
}

// The host hands ABI 1.1 structs at least; anything smaller is not a request or result of this
// ABI, and nothing of it is read or written.
inline void requireSize(std::uint32_t size, std::size_t needed, const char* what) {
    if (size < needed) throw Error(BW_ERR_INTERNAL, std::string(what) + " is too small");
}

#define BILLWRIGHT_SDK_END_OF(type, field) (offsetof(type, field) + sizeof(type::field))

inline const char* hostText(const Call& call, const std::string& s) {
    return s.empty() ? "" : call.hostString(s);
}

inline void fillPayment(const Call& call, const PaymentResult& in, bw_payment_result& out) {
    requireSize(out.size, BILLWRIGHT_SDK_END_OF(bw_payment_result, expires_at), "payment result");
    out.status = in.status;
    out.reference = hostText(call, in.reference);
    out.amount_received_minor = in.amount_received_minor;
    out.fee_minor = in.fee_minor;
    out.failure_code = hostText(call, in.failure_code);
    out.failure_message = hostText(call, in.failure_message);
    out.action_url = hostText(call, in.action_url);
    out.expires_at = in.expires_at;
}

inline void fillMethod(const Call& call, const MethodResult& in, bw_method_result& out) {
    requireSize(out.size, BILLWRIGHT_SDK_END_OF(bw_method_result, client_token_expires_at),
                "method result");
    out.provider_customer = hostText(call, in.provider_customer);
    out.reference = hostText(call, in.reference);
    out.method_type = in.method_type;
    out.status = in.status;
    out.label = hostText(call, in.label);
    out.client_token = hostText(call, in.client_token);
    out.client_token_expires_at = in.client_token_expires_at;
}

inline MethodRequest toMethodRequest(const bw_method_request& r) {
    requireSize(r.size, BILLWRIGHT_SDK_END_OF(bw_method_request, token), "method request");
    return MethodRequest{toPayer(r.payer), text(r.token)};
}

template <class P>
bw_status methodEntry(bw_call* call, const bw_host_api* host, const bw_method_request* request,
                      bw_method_result* result, bool setup) noexcept {
    return guarded(call, host, [&] {
        Call c(call, host);
        P processor;
        PaymentProcessor& base = processor;  // the override may be private in the author's class
        const MethodRequest req = toMethodRequest(*request);
        const MethodResult out = setup ? base.setupMethod(c, req) : base.beginMethod(c, req);
        fillMethod(c, out, *result);
    });
}

template <class P>
bw_status beginMethodEntry(bw_call* call, const bw_host_api* host, const bw_method_request* request,
                           bw_method_result* result) noexcept {
    return methodEntry<P>(call, host, request, result, false);
}

template <class P>
bw_status setupMethodEntry(bw_call* call, const bw_host_api* host, const bw_method_request* request,
                           bw_method_result* result) noexcept {
    return methodEntry<P>(call, host, request, result, true);
}

template <class P>
bw_status chargeEntry(bw_call* call, const bw_host_api* host, const bw_charge_request* request,
                      bw_payment_result* result) noexcept {
    return guarded(call, host, [&] {
        Call c(call, host);
        requireSize(request->size, BILLWRIGHT_SDK_END_OF(bw_charge_request, return_url),
                    "charge request");
        ChargeRequest req;
        req.payer = toPayer(request->payer);
        req.payment_id = text(request->payment_id);
        req.invoice_id = text(request->invoice_id);
        req.idempotency_key = text(request->idempotency_key);
        req.amount = toMoney(request->amount);
        req.surcharge_minor = request->surcharge_minor;
        req.method_reference = text(request->method_reference);
        req.off_session = request->off_session != 0;
        req.description = text(request->description);
        req.return_url = text(request->return_url);
        P processor;
        PaymentProcessor& base = processor;
        fillPayment(c, base.charge(c, req), *result);
    });
}

template <class P>
bw_status lookupEntry(bw_call* call, const bw_host_api* host, const bw_lookup_request* request,
                      bw_payment_result* result) noexcept {
    return guarded(call, host, [&] {
        Call c(call, host);
        requireSize(request->size, BILLWRIGHT_SDK_END_OF(bw_lookup_request, amount),
                    "lookup request");
        LookupRequest req;
        req.payer = toPayer(request->payer);
        req.payment_id = text(request->payment_id);
        req.reference = text(request->reference);
        req.amount = toMoney(request->amount);
        P processor;
        PaymentProcessor& base = processor;
        fillPayment(c, base.lookup(c, req), *result);
    });
}

template <class P>
bw_status refundEntry(bw_call* call, const bw_host_api* host, const bw_refund_request* request,
                      bw_refund_result* result) noexcept {
    return guarded(call, host, [&] {
        Call c(call, host);
        requireSize(request->size, BILLWRIGHT_SDK_END_OF(bw_refund_request, reason),
                    "refund request");
        requireSize(result->size, BILLWRIGHT_SDK_END_OF(bw_refund_result, failure_code),
                    "refund result");
        RefundRequest req;
        req.payer = toPayer(request->payer);
        req.refund_id = text(request->refund_id);
        req.idempotency_key = text(request->idempotency_key);
        req.payment_reference = text(request->payment_reference);
        req.amount = toMoney(request->amount);
        req.reason = text(request->reason);
        P processor;
        PaymentProcessor& base = processor;
        const RefundResult out = base.refund(c, req);
        result->status = out.status;
        result->reference = hostText(c, out.reference);
        result->failure_code = hostText(c, out.failure_code);
    });
}

template <class P>
bw_status webhookEntry(bw_call* call, const bw_host_api* host, const bw_webhook_request* request,
                       bw_webhook_result* result) noexcept {
    return guarded(call, host, [&] {
        Call c(call, host);
        requireSize(request->size, BILLWRIGHT_SDK_END_OF(bw_webhook_request, received_at),
                    "webhook request");
        requireSize(result->size, BILLWRIGHT_SDK_END_OF(bw_webhook_result, method_failure_code),
                    "webhook result");
        WebhookRequest req;
        req.headers = text(request->headers);
        req.body = request->body.data == nullptr
                       ? std::string_view{}
                       : std::string_view(request->body.data, request->body.len);
        req.received_at = request->received_at;
        P processor;
        PaymentProcessor& base = processor;
        const WebhookResult out = base.webhook(c, req);
        result->event = out.event;
        result->event_id = hostText(c, out.event_id);
        result->occurred_at = out.occurred_at;
        result->payment_id = hostText(c, out.payment_id);
        if (out.event == BW_EVENT_PAYMENT) {
            if (result->payment == nullptr) throw Error(BW_ERR_INTERNAL, "no payment result");
            fillPayment(c, out.payment, *result->payment);
        }
        result->refund_reference = hostText(c, out.refund_reference);
        result->refund_status = out.refund_status;
        result->method_reference = hostText(c, out.method_reference);
        result->method_status = out.method_status;
        result->method_failure_code = hostText(c, out.method_failure_code);
    });
}

#undef BILLWRIGHT_SDK_END_OF

}  // namespace detail

// The processor table of class `Processor` (derived from PaymentProcessor, default
// constructible). `method_types`: BW_METHOD_TYPE_BIT(BW_METHOD_*) bits; `flags`: BW_PROCESSOR_*,
// which also select the entry points exported (see PaymentProcessor).
template <class Processor>
requires std::is_base_of_v<PaymentProcessor, Processor> &&
    std::is_default_constructible_v<Processor>
constexpr bw_payment_processor_api paymentProcessor(std::uint32_t method_types,
                                                    std::uint32_t flags) {
    const bool methods = (flags & BW_PROCESSOR_NEEDS_METHOD) != 0;
    return bw_payment_processor_api{
        sizeof(bw_payment_processor_api),
        method_types,
        flags,
        methods ? &detail::beginMethodEntry<Processor> : nullptr,
        methods ? &detail::setupMethodEntry<Processor> : nullptr,
        &detail::chargeEntry<Processor>,
        &detail::lookupEntry<Processor>,
        (flags & BW_PROCESSOR_REFUNDS) != 0 ? &detail::refundEntry<Processor> : nullptr,
        (flags & BW_PROCESSOR_WEBHOOKS) != 0 ? &detail::webhookEntry<Processor> : nullptr,
    };
}

constexpr bw_config_key configKey(const char* name, std::uint32_t type, std::uint32_t flags,
                                  const char* default_value, const char* description) {
    return bw_config_key{sizeof(bw_config_key), type, flags, name, default_value, description};
}

template <class Method>
constexpr bw_billing_method_api billingMethod(const char* method, std::uint32_t output) {
    return bw_billing_method_api{sizeof(bw_billing_method_api), method, output,
                                 &detail::billEntry<Method>};
}

namespace detail {
constexpr bw_plugin_descriptor descriptor(const char* id, const char* version,
                                          const char* description, std::uint32_t kinds,
                                          std::uint32_t key_count, const bw_config_key* const* keys,
                                          const bw_billing_method_api* billing,
                                          const bw_payment_processor_api* processor) {
    return bw_plugin_descriptor{sizeof(bw_plugin_descriptor),
                                BW_PLUGIN_MAGIC,
                                BW_ABI_MAJOR,
                                BW_ABI_MINOR,
                                kinds,
                                id,
                                version,
                                description,
                                key_count,
                                keys,
                                nullptr,
                                billing,
                                processor};
}
}  // namespace detail

template <std::size_t N>
constexpr bw_plugin_descriptor describe(const char* id, const char* version,
                                        const char* description, std::uint32_t kinds,
                                        const bw_config_key* const (&keys)[N],
                                        const bw_billing_method_api* billing) {
    return detail::descriptor(id, version, description, kinds, static_cast<std::uint32_t>(N), keys,
                              billing, nullptr);
}

// A plugin without configuration keys.
constexpr bw_plugin_descriptor describe(const char* id, const char* version,
                                        const char* description, std::uint32_t kinds,
                                        const bw_billing_method_api* billing) {
    return detail::descriptor(id, version, description, kinds, 0, nullptr, billing, nullptr);
}

// A payment processor (ABI 1.1).
template <std::size_t N>
constexpr bw_plugin_descriptor describe(const char* id, const char* version,
                                        const char* description, std::uint32_t kinds,
                                        const bw_config_key* const (&keys)[N],
                                        const bw_payment_processor_api* processor) {
    return detail::descriptor(id, version, description, kinds, static_cast<std::uint32_t>(N), keys,
                              nullptr, processor);
}

constexpr bw_plugin_descriptor describe(const char* id, const char* version,
                                        const char* description, std::uint32_t kinds,
                                        const bw_payment_processor_api* processor) {
    return detail::descriptor(id, version, description, kinds, 0, nullptr, nullptr, processor);
}

// A plugin of both kinds.
template <std::size_t N>
constexpr bw_plugin_descriptor describe(const char* id, const char* version,
                                        const char* description, std::uint32_t kinds,
                                        const bw_config_key* const (&keys)[N],
                                        const bw_billing_method_api* billing,
                                        const bw_payment_processor_api* processor) {
    return detail::descriptor(id, version, description, kinds, static_cast<std::uint32_t>(N), keys,
                              billing, processor);
}

}  // namespace billwright::sdk

// Defines the exported entry point returning the descriptor built by `descriptor_expr`.
#define BILLWRIGHT_PLUGIN(descriptor_expr)                                                       \
    extern "C" BW_PLUGIN_EXPORT const bw_plugin_descriptor* billwright_plugin_descriptor(void) { \
        static constexpr bw_plugin_descriptor kBillwrightDescriptor = descriptor_expr;           \
        return &kBillwrightDescriptor;                                                           \
    }

#endif  // BILLWRIGHT_PLUGIN_HPP
