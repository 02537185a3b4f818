/* A payment processor for the host's PaymentProcessor tests, in plain C so that it can answer
 * anything, including what the C++ wrapper would never produce. The call parameter named after
 * the entry point ("charge", "refund", ...) picks the answer; "ok" (or no parameter) is a valid
 * one. lookup is NULL: the host must answer BW_ERR_UNSUPPORTED without calling anything. */
#include <billwright/plugin.h>

#include <stddef.h>
#include <string.h>

static int is(bw_call* call, const bw_host_api* host, const char* entry, const char* answer) {
    bw_str value;
    if (host->param_get(call, entry, &value) != BW_OK) return strcmp(answer, "ok") == 0;
    return value.len == strlen(answer) && memcmp(value.data, answer, value.len) == 0;
}

static bw_status fail(bw_call* call, const bw_host_api* host, bw_status status,
                      const char* message) {
    host->set_error(call, message, strlen(message));
    return status;
}

/* host->alloc memory of `len` bytes of 'x' with no NUL inside it. */
static const char* unterminated(bw_call* call, const bw_host_api* host, size_t len) {
    char* p = (char*)host->alloc(call, len);
    if (p != NULL) memset(p, 'x', len);
    return p;
}

static bw_status begin_method(bw_call* call, const bw_host_api* host,
                              const bw_method_request* request, bw_method_result* result) {
    (void)request;
    if (!is(call, host, "begin_method", "no_token")) result->client_token = "link-sandbox-1";
    result->client_token_expires_at = 1800000000;
    return BW_OK;
}

static bw_status setup_method(bw_call* call, const bw_host_api* host,
                              const bw_method_request* request, bw_method_result* result) {
    result->provider_customer = "cus_provider_1";
    result->reference = is(call, host, "setup_method", "no_reference") ? "" : request->token;
    result->method_type = is(call, host, "setup_method", "undeclared_type") ? BW_METHOD_MANUAL
                                                                           : BW_METHOD_CARD;
    result->status = is(call, host, "setup_method", "failed_status") ? BW_METHOD_FAILED
                                                                    : BW_METHOD_ACTIVE;
    result->label = "visa 4242";
    return BW_OK;
}

static bw_status charge(bw_call* call, const bw_host_api* host, const bw_charge_request* request,
                        bw_payment_result* result) {
    const int64_t amount = request->amount.amount_minor;
    result->status = BW_PAYMENT_SUCCEEDED;
    result->reference = "ch_1";
    result->amount_received_minor = amount;
    result->fee_minor = 30;
    if (is(call, host, "charge", "declined")) {
        result->status = BW_PAYMENT_FAILED;
        result->reference = "";
        result->amount_received_minor = 0;
        result->failure_code = "card_declined";
        result->failure_message = "Your card was declined.";
    } else if (is(call, host, "charge", "echo")) {
        /* What the plugin received, in fields the test can read back. */
        result->reference = request->idempotency_key;
        result->failure_message = request->description;
        result->action_url = request->off_session != 0 ? "https://off.example" : "";
        result->fee_minor = request->surcharge_minor;
    } else if (is(call, host, "charge", "action")) {
        result->status = BW_PAYMENT_REQUIRES_ACTION;
        result->amount_received_minor = 0;
        result->action_url = "https://hooks.example/3ds";
    } else if (is(call, host, "charge", "unknown_status")) {
        result->status = 99;
    } else if (is(call, host, "charge", "no_reference")) {
        result->reference = NULL;
    } else if (is(call, host, "charge", "over")) {
        result->amount_received_minor = amount + 1;
    } else if (is(call, host, "charge", "short_success")) {
        result->amount_received_minor = amount - 1;
    } else if (is(call, host, "charge", "partial_in_full")) {
        result->status = BW_PAYMENT_PARTIAL;
    } else if (is(call, host, "charge", "failed_without_code")) {
        result->status = BW_PAYMENT_FAILED;
        result->amount_received_minor = 0;
    } else if (is(call, host, "charge", "bad_code")) {
        result->status = BW_PAYMENT_FAILED;
        result->amount_received_minor = 0;
        result->failure_code = "Card Declined!";
    } else if (is(call, host, "charge", "action_without_url")) {
        result->status = BW_PAYMENT_REQUIRES_ACTION;
        result->amount_received_minor = 0;
    } else if (is(call, host, "charge", "negative_fee")) {
        result->fee_minor = -5;
    } else if (is(call, host, "charge", "too_long")) {
        result->reference = unterminated(call, host, 600);
    } else if (is(call, host, "charge", "bad_utf8")) {
        result->reference = "ch_\xff\xfe";
    } else if (is(call, host, "charge", "control")) {
        result->reference = "ch_\n1";
    } else if (is(call, host, "charge", "error")) {
        return fail(call, host, BW_ERR_UNAVAILABLE, "the provider answered 503");
    } else if (is(call, host, "charge", "unknown_error")) {
        return 42;
    }
    return BW_OK;
}

static bw_status refund(bw_call* call, const bw_host_api* host, const bw_refund_request* request,
                        bw_refund_result* result) {
    (void)request;
    result->status = BW_REFUND_PENDING;
    result->reference = "re_1";
    if (is(call, host, "refund", "failed_without_code")) {
        result->status = BW_REFUND_FAILED;
    } else if (is(call, host, "refund", "unknown_status")) {
        result->status = 0;
    }
    return BW_OK;
}

static bw_payment_result elsewhere;

static bw_status webhook(bw_call* call, const bw_host_api* host, const bw_webhook_request* request,
                         bw_webhook_result* result) {
    (void)request;
    if (is(call, host, "webhook", "denied")) return fail(call, host, BW_ERR_DENIED, "bad signature");
    result->event_id = "evt_1";
    result->occurred_at = 1700000000;
    if (is(call, host, "webhook", "ok") || is(call, host, "webhook", "reassigned")) {
        result->event = BW_EVENT_PAYMENT;
        result->payment_id = "pay_1";
        if (is(call, host, "webhook", "reassigned")) result->payment = &elsewhere;
        result->payment->status = BW_PAYMENT_SUCCEEDED;
        result->payment->reference = "pi_1";
        result->payment->amount_received_minor = 2500;
        result->payment->fee_minor = -1;
    } else if (is(call, host, "webhook", "refund")) {
        result->event = BW_EVENT_REFUND;
        result->refund_reference = "re_1";
        result->refund_status = BW_REFUND_SUCCEEDED;
    } else if (is(call, host, "webhook", "method_failed")) {
        result->event = BW_EVENT_METHOD;
        result->method_reference = "pm_1";
        result->method_status = BW_METHOD_FAILED;
        result->method_failure_code = "account_closed";
    } else if (is(call, host, "webhook", "method_failed_without_code")) {
        result->event = BW_EVENT_METHOD;
        result->method_reference = "pm_1";
        result->method_status = BW_METHOD_FAILED;
    } else if (is(call, host, "webhook", "unknown_event")) {
        result->event = 7;
    }
    return BW_OK;
}

static const bw_payment_processor_api processor = {
    sizeof(bw_payment_processor_api),
    BW_METHOD_TYPE_BIT(BW_METHOD_CARD) | BW_METHOD_TYPE_BIT(BW_METHOD_BANK_ACCOUNT),
    BW_PROCESSOR_NEEDS_METHOD | BW_PROCESSOR_OFF_SESSION | BW_PROCESSOR_REFUNDS |
        BW_PROCESSOR_WEBHOOKS,
    begin_method,
    setup_method,
    charge,
    NULL,
    refund,
    webhook,
};

static const bw_plugin_descriptor descriptor = {
    sizeof(bw_plugin_descriptor),
    BW_PLUGIN_MAGIC,
    BW_ABI_MAJOR,
    BW_ABI_MINOR,
    BW_KIND_PAYMENT_PROCESSOR,
    "payment_scripted",
    "1.0.0",
    "Answers what the test asks for",
    0,
    NULL,
    NULL,
    NULL,
    &processor,
};

BW_PLUGIN_EXPORT const bw_plugin_descriptor* billwright_plugin_descriptor(void) {
    return &descriptor;
}
