/*
 * Billwright plugin ABI, version 1.1 (1.0 plus payment processors; a 1.0 plugin loads unchanged).
 *
 * This header is the whole binary contract between the Billwright server (the host) and a
 * plugin (a shared library). It is plain C so that any compiler can build a plugin; C++
 * authors normally use <billwright/plugin.hpp>, which wraps it.
 *
 * Rules that hold for every type below:
 * - Every struct starts with `size`, the sizeof the struct as the side that filled it was
 *   compiled. Structs only ever grow at the end. A reader never touches a field that lies
 *   beyond the `size` it was given (BW_HAS_FIELD below); the host fills a struct the plugin
 *   hands it only up to the plugin's `size`.
 * - Nothing but status codes and a message crosses the boundary on failure: no C++
 *   exception may leave a plugin function, no STL type appears here.
 * - Ownership:
 *   * Everything the host passes in (requests, strings, equipment, the call handle) is
 *     borrowed for the duration of the entry-point call that received it; copy what you keep.
 *   * Everything the host returns through a host function (configuration values, secrets,
 *     HTTP responses, bw_alloc memory) lives in host-owned memory that stays valid until the
 *     entry-point call returns, then is wiped and freed by the host. Never free it.
 *   * Everything the plugin passes to a host function is borrowed by the host for that host
 *     call only; the host copies what it keeps.
 *   * The descriptor and everything it points to must stay valid and unchanged for the life
 *     of the process: plugins are never unloaded. Use static storage.
 * - Strings are UTF-8. `const char*` strings are NUL-terminated; bw_str carries a length.
 * - Amounts of money are integers of minor units; energy is milli-watt-hours (mWh); power is
 *   milli-watts (mW); hashrate milli-TH/s; efficiency milli-J/TH; times Unix seconds (UTC)
 *   unless a name ends in _ms.
 * - Threads: the host may call a plugin's entry points from several threads at once, each
 *   with its own call handle. Keep no mutable global state, or guard it.
 */
#ifndef BILLWRIGHT_PLUGIN_H
#define BILLWRIGHT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BW_ABI_MAJOR 1
#define BW_ABI_MINOR 1
#define BW_PLUGIN_MAGIC 0x42575047u /* "BWPG" */

/* The one symbol a plugin exports. It returns a pointer to a static descriptor and must be
 * callable any number of times without side effects. */
#define BW_PLUGIN_ENTRY_NAME "billwright_plugin_descriptor"

#if defined(_WIN32)
#define BW_PLUGIN_EXPORT __declspec(dllexport)
#else
#define BW_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* True when a struct of the given `size` contains `field` entirely. */
#define BW_HAS_FIELD(ptr, type, field) \
    ((ptr)->size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ---- Status codes ------------------------------------------------------------------------ */
typedef int32_t bw_status;
#define BW_OK 0
#define BW_ERR_INVALID_ARGUMENT 1 /* bad input: a request field, a parameter, a config value */
#define BW_ERR_NOT_FOUND 2        /* no such key / sample / parameter */
#define BW_ERR_UNAVAILABLE 3      /* the data or service needed is not there */
#define BW_ERR_TIMEOUT 4          /* the call's deadline passed, or an HTTP timeout */
#define BW_ERR_DENIED 5           /* not allowed: HTTP host outside the allowlist, ... */
#define BW_ERR_INTERNAL 6         /* a bug or an unexpected failure */
#define BW_ERR_UNSUPPORTED 7      /* the entry point or option is not implemented */
#define BW_ERR_BUFFER_TOO_SMALL 8 /* an output buffer is too small; see the function */
#define BW_ERR_NETWORK 9          /* could not connect, TLS failure, connection reset */

/* ---- Kinds ------------------------------------------------------------------------------- */
#define BW_KIND_BILLING_METHOD 0x1u
#define BW_KIND_PAYMENT_PROCESSOR 0x2u /* since ABI 1.1: payment_processor below */

/* ---- Declared configuration keys --------------------------------------------------------- */
#define BW_CONFIG_STRING 1  /* any text */
#define BW_CONFIG_INTEGER 2 /* a JSON integer; stored as its decimal text */
#define BW_CONFIG_BOOLEAN 3 /* a JSON boolean; stored as "true" / "false" */
#define BW_CONFIG_DECIMAL 4 /* a decimal string such as "2.50"; never a binary float */
#define BW_CONFIG_URL 5     /* an http:// or https:// URL */

#define BW_CONFIG_REQUIRED 0x1u /* a tenant's configuration must set it (no default) */
#define BW_CONFIG_SECRET 0x2u   /* encrypted at rest; never shown by the API or logged */

typedef struct bw_config_key {
    uint32_t size;
    uint32_t type;             /* BW_CONFIG_* */
    uint32_t flags;            /* BW_CONFIG_REQUIRED | BW_CONFIG_SECRET */
    const char* name;          /* [a-z][a-z0-9_]{0,63} */
    const char* default_value; /* text form, or NULL for none; not allowed for secrets */
    const char* description;   /* one line for operators and the API */
} bw_config_key;

/* ---- Small value types ------------------------------------------------------------------- */
typedef struct bw_str {
    const char* data; /* not necessarily NUL-terminated */
    size_t len;
} bw_str;

/* The host's side of one entry-point call: the tenant, the plugin, the deadline, the memory
 * the host hands out. Opaque; valid only during the entry-point call it was passed to. */
typedef struct bw_call bw_call;

#define BW_LOG_DEBUG 0
#define BW_LOG_INFO 1
#define BW_LOG_WARNING 2
#define BW_LOG_ERROR 3

#define BW_HASH_SHA256 1
#define BW_HASH_SHA512 2
#define BW_HASH_SHA1 3 /* only for verifying legacy provider signatures */

/* Telemetry sample kinds and their value units. */
#define BW_SAMPLE_ENERGY 1   /* cumulative energy counter, Wh */
#define BW_SAMPLE_POWER 2    /* power draw, mW */
#define BW_SAMPLE_HASHRATE 3 /* hashrate, milli-TH/s */
#define BW_SAMPLE_STATUS 4   /* 1 = went online, 0 = went offline */

#define BW_EDGE_BEFORE 0      /* the last sample with ts < at */
#define BW_EDGE_AT_OR_AFTER 1 /* the first sample with ts >= at */

/* ---- Outbound HTTP ----------------------------------------------------------------------- */
typedef struct bw_http_request {
    uint32_t size;
    const char* method;  /* "GET", "POST", ... */
    const char* url;     /* absolute http(s) URL; its host must be on the plugin's allowlist */
    const char* headers; /* "Name: value\r\n" lines, or NULL */
    const void* body;    /* may be NULL when body_len is 0 */
    size_t body_len;
    uint32_t timeout_ms; /* 0 = the host's default; the host never waits past the deadline */
} bw_http_request;

typedef struct bw_http_response {
    uint32_t size;  /* set by the plugin; the host fills only what fits */
    int32_t status; /* HTTP status code */
    bw_str headers; /* "Name: value\r\n" lines; host-owned */
    bw_str body;    /* host-owned */
} bw_http_response;

/* ---- Host services ----------------------------------------------------------------------- */
typedef struct bw_host_api {
    uint32_t size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /* Logging. The host adds the plugin id, tenant and request id. Do not log secrets. */
    void (*log)(bw_call* call, int32_t level, const char* message, size_t len);

    /* Sets the message that goes with the error status the entry point is about to return
     * (shown to operators and API clients). The last call wins. */
    void (*set_error)(bw_call* call, const char* message, size_t len);

    /* The calling tenant's configuration value for a declared key: its stored value, or its
     * declared default. BW_ERR_NOT_FOUND when neither exists, BW_ERR_DENIED for a secret key
     * (use secret_get). `out` points into host-owned memory. */
    bw_status (*config_get)(bw_call* call, const char* key, bw_str* out);
    /* The decrypted value of a declared secret key; BW_ERR_NOT_FOUND when it is not set. */
    bw_status (*secret_get)(bw_call* call, const char* key, bw_str* out);
    /* A parameter of this call (see each kind's parameters); BW_ERR_NOT_FOUND when absent. */
    bw_status (*param_get)(bw_call* call, const char* key, bw_str* out);

    /* Outbound HTTP through the host: allowlist, timeouts, and a record of every call. */
    bw_status (*http_request)(bw_call* call, const bw_http_request* request,
                              bw_http_response* response);

    /* Wall-clock time and the deadline of this call, Unix milliseconds. Past the deadline
     * host functions that do work answer BW_ERR_TIMEOUT. */
    int64_t (*now_ms)(bw_call* call);
    int64_t (*deadline_ms)(bw_call* call);

    /* HMAC and plain digests. `out` receives the raw digest; `*out_len` its length.
     * BW_ERR_BUFFER_TOO_SMALL when out_cap is too small (64 bytes always suffices). */
    bw_status (*hmac)(bw_call* call, int32_t algorithm, const void* key, size_t key_len,
                      const void* data, size_t data_len, uint8_t* out, size_t out_cap,
                      size_t* out_len);
    bw_status (*hash)(bw_call* call, int32_t algorithm, const void* data, size_t data_len,
                      uint8_t* out, size_t out_cap, size_t* out_len);

    /* `len` bytes of host-owned, zeroed memory (NULL when refused), for strings and buffers a
     * plugin returns to the host inside a result. */
    void* (*alloc)(bw_call* call, size_t len);

    /* Telemetry of equipment `equipment_index` of the current billing request.
     * telemetry_read: samples of `kind` with from <= ts < to, in ts order, at most `capacity`
     * of them into ts[] and values[]; *count says how many. Read the next batch by calling
     * again with from = last ts + 1; fewer than `capacity` means the range is exhausted.
     * telemetry_edge: the one sample next to `at` (BW_EDGE_*); BW_ERR_NOT_FOUND when none. */
    bw_status (*telemetry_read)(bw_call* call, uint32_t equipment_index, int32_t kind, int64_t from,
                                int64_t to, int64_t* ts, int64_t* values, uint32_t capacity,
                                uint32_t* count);
    bw_status (*telemetry_edge)(bw_call* call, uint32_t equipment_index, int32_t kind, int64_t at,
                                int32_t direction, int64_t* ts, int64_t* value);

    /* Results of a billing-method call.
     * emit_hours: energy of equipment `equipment_index` for the hours first_hour ..
     * first_hour + count - 1 (hour 0 starts at period_start). covered_seconds says how much
     * of each hour the method has data for; an hour with less than its full length is
     * "unavailable" to this method and falls to the next one in the contract's priority.
     * Hours never emitted have no data. Emitting an hour twice replaces it.
     * emit_detail: a key/value detail of one equipment's result (shown on the line).
     * emit_amount: an amount line (for methods that bill money, not energy). */
    bw_status (*emit_hours)(bw_call* call, uint32_t equipment_index, uint32_t first_hour,
                            uint32_t count, const int64_t* energy_mwh,
                            const int64_t* covered_seconds);
    bw_status (*emit_detail)(bw_call* call, uint32_t equipment_index, const char* key,
                             const char* value);
    bw_status (*emit_amount)(bw_call* call, int64_t amount_minor, const char* description);

    /* ---- Since ABI 1.1 (check BW_HAS_FIELD(host, bw_host_api, verify) before use) ---- */

    /* Verifies a public-key signature over `data`. BW_OK when it verifies, BW_ERR_DENIED when
     * it does not, BW_ERR_INVALID_ARGUMENT for a malformed key or signature.
     * BW_VERIFY_ES256: `public_key` is the uncompressed P-256 point 0x04 || X || Y (65 bytes),
     * `signature` the JWS form r || s (64 bytes); the host hashes `data` with SHA-256. */
    bw_status (*verify)(bw_call* call, int32_t algorithm, const void* public_key, size_t key_len,
                        const void* data, size_t data_len, const void* signature,
                        size_t signature_len);
    /* `len` random bytes from the operating system's CSPRNG (nonces, idempotency keys). */
    bw_status (*random_bytes)(bw_call* call, uint8_t* out, size_t len);
} bw_host_api;

#define BW_VERIFY_ES256 1

/* ---- Billing methods --------------------------------------------------------------------- */
typedef struct bw_equipment {
    uint32_t size;
    const char* id;          /* "eqp_..." */
    const char* model;       /* may be "" */
    int64_t power_mw;        /* nameplate power */
    int64_t hashrate_mth;    /* nameplate hashrate */
    int64_t efficiency_mjth; /* 0 when unknown */
} bw_equipment;

typedef struct bw_billing_request {
    uint32_t size;
    const char* tenant_id;
    const char* contract_id; /* "" when the host bills something other than a contract */
    const char* customer_id; /* "" when not a customer */
    const char* currency;    /* ISO 4217 */
    int32_t currency_exponent;
    int64_t period_start; /* [period_start, period_end), Unix seconds */
    int64_t period_end;
    uint32_t hour_count; /* hours aligned to period_start; the last may be shorter */
    uint32_t equipment_count;
    const bw_equipment* const* equipment;
    int64_t max_hold_seconds; /* how long a power or hashrate sample may stand for */
} bw_billing_request;

#define BW_BILLING_OUTPUT_ENERGY 1 /* emits hours (emit_hours), priced at the contract rate */
#define BW_BILLING_OUTPUT_AMOUNT 2 /* emits money (emit_amount) */

typedef struct bw_billing_method_api {
    uint32_t size;
    const char* method; /* the name contracts use in their priority list: [a-z][a-z0-9_]* */
    uint32_t output;    /* BW_BILLING_OUTPUT_* */
    /* Bills the request. The host may split a contract's equipment over several calls. */
    bw_status (*bill)(bw_call* call, const bw_host_api* host, const bw_billing_request* request);
} bw_billing_method_api;

/* ---- Payment processors (ABI 1.1) -------------------------------------------------------- *
 *
 * A payment processor moves money from a payer (a tenant's customer, or a tenant paying the
 * platform) through a provider: it sets up payment methods, charges, refunds, looks a payment
 * up again, and verifies and reads the provider's webhooks. The host owns every record: the
 * plugin keeps no state between calls; it returns the provider's references and statuses and
 * the host stores them.
 *
 * Provider-specific inputs that the API client passes (a Plaid account id, a manual payment's
 * reference, a wire's received date, ...) are call parameters: host->param_get(call, "name").
 * Each entry point lists the parameters it may receive.
 *
 * Strings a plugin puts into a result must be static or come from host->alloc.
 */

/* Kinds of payment method. */
#define BW_METHOD_CARD 1         /* a payment card */
#define BW_METHOD_BANK_ACCOUNT 2 /* a bank account debited by ACH */
#define BW_METHOD_CRYPTO 3       /* a cryptocurrency invoice the payer pays */
#define BW_METHOD_MANUAL 4       /* wire, cheque, cash: recorded, not collected */
/* The bit of a method kind in bw_payment_processor_api.method_types. */
#define BW_METHOD_TYPE_BIT(type) (1u << (type))

/* Status of a payment as the provider reports it. */
#define BW_PAYMENT_SUCCEEDED 1       /* collected: amount_received_minor says how much */
#define BW_PAYMENT_PENDING 2         /* submitted; settles or fails later (ACH, confirmations) */
#define BW_PAYMENT_REQUIRES_ACTION 3 /* the payer must act (3-D Secure, pay the crypto invoice):
                                        action_url says where */
#define BW_PAYMENT_FAILED 4          /* declined or failed: failure_code says why */
#define BW_PAYMENT_CANCELED 5        /* expired or canceled before money moved */
#define BW_PAYMENT_PARTIAL 6         /* ended with less than asked (crypto underpayment):
                                        amount_received_minor was collected, the rest was not */

/* Stable failure codes a processor reports in failure_code (others may be added):
 * "card_declined", "insufficient_funds", "authentication_required", "expired_card",
 * "incorrect_cvc", "processing_error", "fraudulent", "account_closed", "no_account",
 * "expired", "invalid_method", "provider_error", "rate_limited", "duplicate_reference". */

/* Status of a method on file. */
#define BW_METHOD_ACTIVE 1               /* can be charged */
#define BW_METHOD_PENDING_VERIFICATION 2 /* linked, not yet chargeable */
#define BW_METHOD_FAILED 3               /* webhook only: verification failed, or the provider
                                            removed the method; method_failure_code says why */

/* Status of a refund. */
#define BW_REFUND_SUCCEEDED 1
#define BW_REFUND_PENDING 2
#define BW_REFUND_FAILED 3

/* What a webhook delivery was about. */
#define BW_EVENT_IGNORED 0 /* verified, but nothing for the host (an event type it does not use) */
#define BW_EVENT_PAYMENT 1 /* the payment `reference` now has the status in the result */
#define BW_EVENT_REFUND 2  /* the refund `refund_reference` now has refund_status */
#define BW_EVENT_METHOD 3  /* the method `method_reference` now has method_status */

/* Who pays. */
typedef struct bw_payer {
    uint32_t size;
    const char* kind;              /* "customer" or "tenant" */
    const char* id;                /* "cus_..." or the tenant id */
    const char* name;
    const char* email;             /* "" when unknown */
    const char* provider_customer; /* the provider's customer id from an earlier setup, or "" */
} bw_payer;

/* Money the host asks for. amount_minor is in minor units of currency (exponent digits).
 * Embedded by value in requests and without a size, so it never changes. */
typedef struct bw_money {
    int64_t amount_minor;
    const char* currency; /* ISO 4217, upper case */
    int32_t exponent;
} bw_money;

typedef struct bw_method_request {
    uint32_t size;
    const bw_payer* payer;
    /* What the payer's browser got from the provider: a Stripe PaymentMethod "pm_...", a Plaid
     * public_token, ... "" for processors that need none. Parameters: see the plugin's docs
     * (payment_plaid_ach reads "account_id"). */
    const char* token;
} bw_method_request;

typedef struct bw_method_result {
    uint32_t size;
    const char* provider_customer; /* the provider's customer id, created if the payer had none */
    const char* reference;         /* the provider's id of the method, used to charge it */
    int32_t method_type;           /* BW_METHOD_* */
    int32_t status;                /* BW_METHOD_ACTIVE / BW_METHOD_PENDING_VERIFICATION */
    const char* label;             /* shown to people: "visa 4242", "Checking 6789" */
    /* begin_method only: a token for the provider's front-end widget (Plaid link_token,
     * Stripe SetupIntent client_secret) and when it expires (Unix seconds, 0 = unknown). */
    const char* client_token;
    int64_t client_token_expires_at;
} bw_method_result;

typedef struct bw_charge_request {
    uint32_t size;
    const bw_payer* payer;
    const char* payment_id;       /* the host's id of this attempt: "pay_..." */
    const char* invoice_id;       /* the invoice being paid */
    const char* idempotency_key;  /* the same on every retry of this attempt; new per attempt */
    bw_money amount;              /* what to collect, any surcharge included */
    int64_t surcharge_minor;      /* the part of amount that is a passed-on processing fee */
    const char* method_reference; /* from setup_method; "" for processors that need none */
    uint32_t off_session;         /* 1 = nobody is present (auto-pay, a scheduled retry) */
    const char* description;      /* for the payer's statement / the provider's dashboard */
    const char* return_url;       /* where a hosted page sends the payer back, or "" */
    /* Parameters: payment_manual reads "reference", "received_on", "channel", "note". */
} bw_charge_request;

typedef struct bw_payment_result {
    uint32_t size;
    int32_t status;                /* BW_PAYMENT_* */
    const char* reference;         /* the provider's id of the payment (pi_..., charge id, ...) */
    int64_t amount_received_minor; /* collected so far, in the request's currency */
    int64_t fee_minor;             /* the processing fee the provider took, -1 when unknown */
    const char* failure_code;      /* see the stable codes above; "" when none */
    const char* failure_message;   /* safe to show the payer; "" when none */
    const char* action_url;        /* REQUIRES_ACTION / a crypto invoice: where to pay; "" */
    int64_t expires_at;            /* when an unpaid invoice or action expires, 0 = never */
} bw_payment_result;

typedef struct bw_lookup_request {
    uint32_t size;
    const bw_payer* payer;
    const char* payment_id; /* the host's id; processors without idempotency find by it */
    const char* reference;  /* the provider's id when the host has it, else "" */
    bw_money amount;        /* what was asked */
} bw_lookup_request;

typedef struct bw_refund_request {
    uint32_t size;
    const bw_payer* payer;
    const char* refund_id;         /* the host's id: "rfd_..." */
    const char* idempotency_key;
    const char* payment_reference; /* the provider's id of the payment */
    bw_money amount;               /* how much to give back (may be part of the payment) */
    const char* reason;            /* "requested_by_customer", "duplicate", "fraudulent" */
} bw_refund_request;

typedef struct bw_refund_result {
    uint32_t size;
    int32_t status;           /* BW_REFUND_* */
    const char* reference;    /* the provider's id of the refund */
    const char* failure_code; /* "" when none */
} bw_refund_result;

typedef struct bw_webhook_request {
    uint32_t size;
    const char* headers;  /* the delivery's headers as received: "Name: value\r\n" lines */
    bw_str body;          /* the raw body, byte for byte: verify signatures over this */
    int64_t received_at;  /* the host's clock, Unix seconds: check timestamps against this */
} bw_webhook_request;

typedef struct bw_webhook_result {
    uint32_t size;
    int32_t event;         /* BW_EVENT_* */
    const char* event_id;  /* the provider's id of this event, for at-most-once application;
                              "" when the provider has none (then reference + status is used) */
    int64_t occurred_at;   /* when the provider says it happened, Unix seconds, 0 = unknown */
    const char* payment_id; /* the host's id if the provider echoes it (metadata, order_id) */
    /* BW_EVENT_PAYMENT: the payment's current state. The host points this at a zeroed
     * bw_payment_result with its size set (a pointer, not an embedded struct, so that
     * bw_payment_result can grow without moving the fields below); fill it, never reassign. */
    bw_payment_result* payment;
    const char* refund_reference;
    int32_t refund_status;     /* BW_EVENT_REFUND */
    const char* method_reference;
    int32_t method_status;     /* BW_EVENT_METHOD: BW_METHOD_ACTIVE, _PENDING_VERIFICATION or
                                  _FAILED (then method_failure_code says why) */
    const char* method_failure_code;
} bw_webhook_result;

/* Processor capabilities (bw_payment_processor_api.flags). */
#define BW_PROCESSOR_NEEDS_METHOD 0x1u /* charge needs a method on file (setup_method) */
#define BW_PROCESSOR_OFF_SESSION 0x2u  /* can charge with nobody present: auto-pay, retries */
#define BW_PROCESSOR_REFUNDS 0x4u      /* refund is implemented (with RECORDS: it records money
                                          given back out of band; nothing is paid out) */
#define BW_PROCESSOR_WEBHOOKS 0x8u     /* the provider sends webhooks (webhook is implemented) */
#define BW_PROCESSOR_RECORDS 0x10u     /* records money received out of band (manual) */
/* A flag promises its entry point: NEEDS_METHOD needs setup_method, REFUNDS refund, WEBHOOKS
 * webhook; the host refuses a table whose promised entry point is NULL. charge is required. */

typedef struct bw_payment_processor_api {
    uint32_t size;
    uint32_t method_types; /* BW_METHOD_TYPE_BIT(BW_METHOD_*) of the method kinds it handles;
                              at least one */
    uint32_t flags;        /* BW_PROCESSOR_* */
    /* Each entry point may be NULL when its capability is absent (the host answers
     * BW_ERR_UNSUPPORTED). The result structs arrive zeroed with their size set by the host. */

    /* Starts linking a method: a client token for the provider's widget. */
    bw_status (*begin_method)(bw_call* call, const bw_host_api* host,
                              const bw_method_request* request, bw_method_result* result);
    /* Saves a method for the payer (and creates the provider's customer when needed). */
    bw_status (*setup_method)(bw_call* call, const bw_host_api* host,
                              const bw_method_request* request, bw_method_result* result);
    /* Collects money. A decline is BW_OK with status BW_PAYMENT_FAILED and a failure_code; an
     * error status means the outcome is unknown (timeout, network, provider 5xx) and the host
     * may call again with the same idempotency key or look the payment up. */
    bw_status (*charge)(bw_call* call, const bw_host_api* host, const bw_charge_request* request,
                        bw_payment_result* result);
    /* The payment's current state at the provider. BW_ERR_NOT_FOUND when it has none. */
    bw_status (*lookup)(bw_call* call, const bw_host_api* host, const bw_lookup_request* request,
                        bw_payment_result* result);
    bw_status (*refund)(bw_call* call, const bw_host_api* host, const bw_refund_request* request,
                        bw_refund_result* result);
    /* Verifies a webhook delivery, then says what it means. BW_ERR_DENIED (with set_error) for
     * a missing or bad signature or a stale timestamp: the host changes nothing. A plugin may
     * call the provider to read an object's current state before it reports it. */
    bw_status (*webhook)(bw_call* call, const bw_host_api* host, const bw_webhook_request* request,
                         bw_webhook_result* result);
} bw_payment_processor_api;

/* ---- The descriptor ---------------------------------------------------------------------- */
typedef struct bw_plugin_descriptor {
    uint32_t size;
    uint32_t magic; /* BW_PLUGIN_MAGIC */
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t kinds;          /* BW_KIND_* bits */
    const char* id;          /* unique: [a-z][a-z0-9_]{0,63} */
    const char* version;     /* the plugin's own version, e.g. "1.2.0" */
    const char* description; /* one line */
    uint32_t config_key_count;
    const bw_config_key* const* config_keys;
    /* Called once after the host accepted the descriptor, before any other call; may be NULL.
     * An error status refuses the plugin. */
    bw_status (*init)(bw_call* call, const bw_host_api* host);
    /* Required when kinds has BW_KIND_BILLING_METHOD, NULL otherwise. */
    const bw_billing_method_api* billing_method;
    /* Since ABI 1.1. Required when kinds has BW_KIND_PAYMENT_PROCESSOR, NULL otherwise. */
    const bw_payment_processor_api* payment_processor;
} bw_plugin_descriptor;

typedef const bw_plugin_descriptor* (*bw_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* BILLWRIGHT_PLUGIN_H */
