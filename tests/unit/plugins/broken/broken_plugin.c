/* A plugin for the loader tests, written in plain C against <billwright/plugin.h>. Built without
 * overrides it is a valid billing-method plugin; each module in CMakeLists.txt overrides one thing
 * (-D...) so the loader must refuse it for exactly one reason:
 *   PLUGIN_ID            the id (required; also the method name unless METHOD_NAME is given)
 *   METHOD_NAME          the billing method's name
 *   DESC_SIZE            descriptor size            DESC_MAGIC      magic
 *   DESC_ABI_MAJOR       ABI major                  DESC_ABI_MINOR  ABI minor
 *   DESC_KINDS           kind bits                  BAD_ID          id "Bad-Id!"
 *   NULL_BILLING_METHOD  billing kind without a billing_method
 *   KEY_TYPE / KEY_FLAGS / SECRET_WITH_DEFAULT / BAD_KEY_NAME   the one configuration key
 *   NO_ENTRY             no entry point             NULL_DESCRIPTOR the entry point returns NULL
 *   INIT_FAILS           init sets a message and returns an error
 *   SIZE_1_0             descriptor size of ABI 1.0 (ends before payment_processor)
 * Payment processors (ABI 1.1): with BW_KIND_PAYMENT_PROCESSOR in DESC_KINDS the descriptor
 * points at a valid processor table (card; refunds) unless
 *   NULL_PAYMENT_TABLE   payment_processor is NULL   PAYMENT_TABLE_ALWAYS  set whatever the kinds
 *   PROC_SIZE / PROC_FLAGS / PROC_METHOD_TYPES        the table's size, flags, method types
 *   NO_REFUND_ENTRY      refund is NULL
 */
#include <billwright/plugin.h>

#include <stddef.h>

#ifndef PLUGIN_ID
#error "PLUGIN_ID must be defined"
#endif
#ifndef METHOD_NAME
#define METHOD_NAME PLUGIN_ID
#endif
#ifndef DESC_SIZE
#define DESC_SIZE sizeof(bw_plugin_descriptor)
#endif
#ifndef DESC_MAGIC
#define DESC_MAGIC BW_PLUGIN_MAGIC
#endif
#ifndef DESC_ABI_MAJOR
#define DESC_ABI_MAJOR BW_ABI_MAJOR
#endif
#ifndef DESC_ABI_MINOR
#define DESC_ABI_MINOR BW_ABI_MINOR
#endif
#ifndef DESC_KINDS
#define DESC_KINDS BW_KIND_BILLING_METHOD
#endif
#ifndef KEY_TYPE
#define KEY_TYPE BW_CONFIG_STRING
#endif
#ifndef KEY_FLAGS
#define KEY_FLAGS 0u
#endif
#ifndef PROC_SIZE
#define PROC_SIZE sizeof(bw_payment_processor_api)
#endif
#ifndef PROC_FLAGS
#define PROC_FLAGS BW_PROCESSOR_REFUNDS
#endif
#ifndef PROC_METHOD_TYPES
#define PROC_METHOD_TYPES BW_METHOD_TYPE_BIT(BW_METHOD_CARD)
#endif
#ifdef SIZE_1_0
#undef DESC_SIZE
#define DESC_SIZE offsetof(bw_plugin_descriptor, payment_processor)
#endif

#ifdef BAD_ID
#define DESC_ID "Bad-Id!"
#else
#define DESC_ID PLUGIN_ID
#endif

#ifdef BAD_KEY_NAME
#define KEY_NAME "Bad Name"
#else
#define KEY_NAME "greeting"
#endif

#ifdef SECRET_WITH_DEFAULT
#define KEY_DEFAULT "not allowed"
#else
#define KEY_DEFAULT NULL
#endif

#ifndef NULL_BILLING_METHOD
static bw_status bill(bw_call* call, const bw_host_api* host, const bw_billing_request* request) {
    (void)call;
    (void)host;
    (void)request;
    return BW_OK;
}

static const bw_billing_method_api billing_method = {
    sizeof(bw_billing_method_api),
    METHOD_NAME,
    BW_BILLING_OUTPUT_AMOUNT,
    bill,
};
#endif

#ifndef NULL_PAYMENT_TABLE
static bw_status charge(bw_call* call, const bw_host_api* host, const bw_charge_request* request,
                        bw_payment_result* result) {
    (void)call;
    (void)host;
    result->status = BW_PAYMENT_SUCCEEDED;
    result->reference = "ch_test";
    result->amount_received_minor = request->amount.amount_minor;
    result->fee_minor = -1;
    return BW_OK;
}

#ifdef NO_REFUND_ENTRY
#define PROC_REFUND NULL
#else
static bw_status refund(bw_call* call, const bw_host_api* host, const bw_refund_request* request,
                        bw_refund_result* result) {
    (void)call;
    (void)host;
    (void)request;
    result->status = BW_REFUND_SUCCEEDED;
    result->reference = "re_test";
    return BW_OK;
}
#define PROC_REFUND refund
#endif

static const bw_payment_processor_api processor = {
    PROC_SIZE, PROC_METHOD_TYPES, PROC_FLAGS, NULL, NULL, charge, NULL, PROC_REFUND, NULL,
};
#endif

static const bw_config_key greeting = {
    sizeof(bw_config_key), KEY_TYPE, KEY_FLAGS, KEY_NAME, KEY_DEFAULT, "A greeting",
};
static const bw_config_key* const config_keys[] = {&greeting};

#ifdef INIT_FAILS
static bw_status init(bw_call* call, const bw_host_api* host) {
    static const char message[] = "init refused on purpose";
    if (host != NULL && host->set_error != NULL) host->set_error(call, message, sizeof message - 1);
    return BW_ERR_UNAVAILABLE;
}
#define DESC_INIT init
#else
#define DESC_INIT NULL
#endif

#ifdef NULL_BILLING_METHOD
#define DESC_BILLING_METHOD NULL
#else
#define DESC_BILLING_METHOD (((DESC_KINDS)&BW_KIND_BILLING_METHOD) != 0 ? &billing_method : NULL)
#endif

#if defined(NULL_PAYMENT_TABLE)
#define DESC_PAYMENT_PROCESSOR NULL
#elif defined(PAYMENT_TABLE_ALWAYS)
#define DESC_PAYMENT_PROCESSOR (&processor)
#else
#define DESC_PAYMENT_PROCESSOR \
    (((DESC_KINDS)&BW_KIND_PAYMENT_PROCESSOR) != 0 ? &processor : NULL)
#endif

static const bw_plugin_descriptor descriptor = {
    DESC_SIZE,  DESC_MAGIC,  DESC_ABI_MAJOR, DESC_ABI_MINOR,
    DESC_KINDS, DESC_ID,     "1.0.0",        "A plugin the loader tests build to be refused",
    1,          config_keys, DESC_INIT,      DESC_BILLING_METHOD,
    DESC_PAYMENT_PROCESSOR,
};

#if defined(NO_ENTRY)
/* Something exported under another name, so the library itself is valid. */
BW_PLUGIN_EXPORT const bw_plugin_descriptor* billwright_plugin_descriptor_misspelt(void) {
    return &descriptor;
}
#elif defined(NULL_DESCRIPTOR)
BW_PLUGIN_EXPORT const bw_plugin_descriptor* billwright_plugin_descriptor(void) {
    (void)&descriptor;
    return NULL;
}
#else
BW_PLUGIN_EXPORT const bw_plugin_descriptor* billwright_plugin_descriptor(void) {
    return &descriptor;
}
#endif
