#pragma once

#include <billwright/plugin.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/error.h"
#include "plugins/billing_runner.h"
#include "plugins/host.h"
#include "plugins/registry.h"

namespace billwright::plugins {

// The payment-processor entry points of ABI 1.1 (bw_payment_processor_api) as plain C++: the
// payment services build these structs, PaymentProcessor turns them into the C structs, runs the
// plugin, checks what it answered and copies it out before the call's memory is freed.

enum class MethodType { kCard = BW_METHOD_CARD, kBankAccount, kCrypto, kManual };
enum class MethodStatus {
    kActive = BW_METHOD_ACTIVE,
    kPendingVerification = BW_METHOD_PENDING_VERIFICATION,
    kFailed = BW_METHOD_FAILED,  // webhooks only
};
enum class PaymentStatus {
    kSucceeded = BW_PAYMENT_SUCCEEDED,
    kPending = BW_PAYMENT_PENDING,
    kRequiresAction = BW_PAYMENT_REQUIRES_ACTION,
    kFailed = BW_PAYMENT_FAILED,
    kCanceled = BW_PAYMENT_CANCELED,
    kPartial = BW_PAYMENT_PARTIAL,
};
enum class RefundStatus {
    kSucceeded = BW_REFUND_SUCCEEDED,
    kPending = BW_REFUND_PENDING,
    kFailed = BW_REFUND_FAILED,
};
enum class WebhookEvent {
    kIgnored = BW_EVENT_IGNORED,
    kPayment = BW_EVENT_PAYMENT,
    kRefund = BW_EVENT_REFUND,
    kMethod = BW_EVENT_METHOD,
};

// Lower-case names for the API and logs: "card", "pending_verification", "requires_action", ...
std::string_view methodTypeName(MethodType t);
std::string_view methodStatusName(MethodStatus s);
std::string_view paymentStatusName(PaymentStatus s);
std::string_view refundStatusName(RefundStatus s);
std::string_view webhookEventName(WebhookEvent e);

struct Payer {
    std::string kind = "customer";  // "customer" or "tenant"
    std::string id;
    std::string name;
    std::string email;              // "" when unknown
    std::string provider_customer;  // from an earlier setupMethod, or ""
};

struct Money {
    std::int64_t amount_minor = 0;
    std::string currency;  // ISO 4217, upper case
    int exponent = 2;
};

struct MethodRequest {
    Payer payer;
    std::string token;  // what the payer's browser got from the provider, or ""
};

struct MethodResult {
    std::string provider_customer;
    std::string reference;  // setupMethod: never empty
    // setupMethod: always set (a type the processor declared; active or pending verification).
    // beginMethod: set when the plugin said.
    std::optional<MethodType> method_type;
    std::optional<MethodStatus> status;
    std::string label;
    std::string client_token;  // beginMethod: never empty
    std::int64_t client_token_expires_at = 0;
};

struct ChargeRequest {
    Payer payer;
    std::string payment_id;  // "pay_..."; required
    std::string invoice_id;
    std::string idempotency_key;  // required; the same on every retry of this attempt
    Money amount;                 // amount_minor > 0
    std::int64_t surcharge_minor = 0;
    std::string method_reference;
    bool off_session = false;
    std::string description;
    std::string return_url;
};

// A payment's state as the processor reported it. Checked: see PaymentProcessor::charge.
struct PaymentResult {
    PaymentStatus status = PaymentStatus::kPending;
    std::string reference;  // never empty unless failed or canceled
    std::int64_t amount_received_minor = 0;
    std::optional<std::int64_t> fee_minor;  // nullopt: unknown
    std::string failure_code;               // [a-z][a-z0-9_]*; never empty when failed
    std::string failure_message;
    std::string action_url;  // never empty when requires_action
    std::int64_t expires_at = 0;
};

struct LookupRequest {
    Payer payer;
    std::string payment_id;
    std::string reference;  // "" when the host has none
    Money amount;           // what was asked
};

struct RefundRequest {
    Payer payer;
    std::string refund_id;        // "rfd_..."; required
    std::string idempotency_key;  // required
    std::string payment_reference;
    Money amount;        // amount_minor > 0
    std::string reason;  // "requested_by_customer", "duplicate", "fraudulent"
};

struct RefundResult {
    RefundStatus status = RefundStatus::kPending;
    std::string reference;     // never empty unless failed
    std::string failure_code;  // never empty when failed
};

struct WebhookRequest {
    std::string headers;  // "Name: value\r\n" lines as received
    std::string body;     // the raw body, byte for byte
    std::int64_t received_at = 0;
};

struct WebhookResult {
    WebhookEvent event = WebhookEvent::kIgnored;
    std::string event_id;  // "" when the provider has none
    std::int64_t occurred_at = 0;
    std::string payment_id;
    std::optional<PaymentResult> payment;  // kPayment only
    std::string refund_reference;          // kRefund only
    std::optional<RefundStatus> refund_status;
    std::string method_reference;  // kMethod only
    std::optional<MethodStatus> method_status;
    std::string method_failure_code;
};

// What one processor call sees besides its request: the calling tenant, its resolved
// configuration of the plugin (see PluginSettings), the call's parameters (param_get) and the
// deadline (Unix ms; 0 = none). The same scope a billing-method call gets.
struct PaymentCallContext {
    std::string tenant_id;
    PluginSettings settings;
    std::map<std::string, std::string> params;
    std::int64_t deadline_ms = 0;
};

// Why a processor call gave no result.
struct ProcessorError {
    // The status the plugin returned (BW_ERR_UNSUPPORTED for an entry point it does not have),
    // or BW_ERR_INTERNAL when it answered BW_OK with a result that breaks the contract.
    bw_status status = BW_ERR_INTERNAL;
    std::string message;         // the plugin's set_error text, or what the host found wrong
    bool broken_result = false;  // BW_OK with an unusable result: a plugin bug

    // "invalid_argument: parameter reference is required"
    std::string describe() const;
    // plugin_failed naming the plugin, for callers that need no more than that.
    core::Error toError(std::string_view plugin_id) const;
};

// A must-check result of a processor call: the value, or a ProcessorError.
template <typename T>
class [[nodiscard]] ProcessorResult {
public:
    ProcessorResult(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
    ProcessorResult(ProcessorError error)                                           // NOLINT
        : state_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    const T* operator->() const { return &value(); }
    const T& operator*() const& { return value(); }
    const ProcessorError& error() const& { return std::get<1>(state_); }
    ProcessorError&& error() && { return std::get<1>(std::move(state_)); }

private:
    std::variant<T, ProcessorError> state_;
};

// The greppable way to drop a processor result on purpose.
template <typename T>
void ignoreResult(const ProcessorResult<T>&) {}

// One loaded payment-processor plugin, called with C++ structs. Cheap to copy; holds the
// environment and the plugin by reference (both outlive every call). Safe to use from several
// threads at once: each call has its own PluginCall.
//
// Every call: a NULL entry point is BW_ERR_UNSUPPORTED without calling the plugin; an error
// status comes back as a ProcessorError with the plugin's set_error message; a BW_OK result is
// checked and copied out, and one that breaks the contract (an unknown status, a missing
// reference, an amount out of range, strings that are not bounded UTF-8 text, ...) is a
// ProcessorError with broken_result set, never a crash and never a half-read result. A request
// the host built wrongly (no idempotency key, an amount <= 0) is a programmer error:
// std::invalid_argument, and the plugin is not called.
class PaymentProcessor {
public:
    // An error (not_found) when `plugin` is not a payment processor.
    static core::Result<PaymentProcessor> of(const HostEnvironment& env,
                                             const LoadedPlugin& plugin);

    const LoadedPlugin& plugin() const { return *plugin_; }
    std::uint32_t methodTypes() const { return plugin_->info.payment_method_types; }
    std::uint32_t flags() const { return plugin_->info.payment_flags; }
    bool handles(MethodType type) const;
    bool has(std::uint32_t flag) const { return (flags() & flag) != 0; }

    // A client token for the provider's widget (client_token never empty).
    ProcessorResult<MethodResult> beginMethod(const PaymentCallContext& context,
                                              const MethodRequest& request) const;
    // A method on file (reference never empty; method_type one the processor declared; status
    // active or pending verification).
    ProcessorResult<MethodResult> setupMethod(const PaymentCallContext& context,
                                              const MethodRequest& request) const;
    // The payment after the charge, checked against the amount asked: 0 <= received <= amount;
    // succeeded receives all of it, partial some but not all, failed and canceled nothing;
    // reference set unless failed or canceled; failure_code set when failed; action_url when
    // requires_action; fee unknown or in [0, amount].
    ProcessorResult<PaymentResult> charge(const PaymentCallContext& context,
                                          const ChargeRequest& request) const;
    // As charge; BW_ERR_NOT_FOUND when the provider has no such payment.
    ProcessorResult<PaymentResult> lookup(const PaymentCallContext& context,
                                          const LookupRequest& request) const;
    ProcessorResult<RefundResult> refund(const PaymentCallContext& context,
                                         const RefundRequest& request) const;
    // BW_ERR_DENIED: the delivery did not verify; the host must change nothing. A payment in
    // the result is checked as in charge, except against an amount (the host has it).
    ProcessorResult<WebhookResult> webhook(const PaymentCallContext& context,
                                           const WebhookRequest& request) const;

private:
    PaymentProcessor(const HostEnvironment& env, const LoadedPlugin& plugin);

    const HostEnvironment* env_;
    const LoadedPlugin* plugin_;
    const bw_payment_processor_api* api_;
};

}  // namespace billwright::plugins
