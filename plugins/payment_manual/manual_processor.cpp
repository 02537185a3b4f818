// Payment processor "payment_manual": money that moved outside any provider (a wire, a cheque,
// cash, anything else) is recorded, never collected or paid out. Method type MANUAL; flags
// RECORDS and REFUNDS (a refund records money given back the same way). No methods on file, no
// webhooks, no lookup (the host's record is the only record), no configuration keys.
//
// charge parameters:
//   reference    required: the cheque number, wire reference, receipt number, ...; trimmed,
//                1 to 100 printable characters (UTF-8, no control characters)
//   channel      required: wire, cheque, cash or other
//   received_on  optional: YYYY-MM-DD, not after today anywhere on Earth (see dateParam)
//   note         optional: up to 500 printable characters (line breaks and tabs allowed)
// A blank optional parameter counts as absent. A bad parameter is BW_ERR_INVALID_ARGUMENT with
// a message naming it ("parameter channel must be wire, cheque, cash or other"). A good record
// is BW_PAYMENT_SUCCEEDED for the whole amount, fee 0, reference "<channel>:<reference>".
//
// refund: the same parameters, with refunded_on for received_on; payment_reference must be a
// reference this plugin returned. Succeeds at once with reference "<channel>:<reference>".
//
// The plugin keeps no state and cannot see earlier records: the host refuses a second record
// with the same (tenant, plugin, reference), so the same cheque cannot be entered twice. A
// retried call with the same parameters gives the same answer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <billwright/plugin.hpp>

#include "common/iso_time.h"

namespace billwright::payment_manual {
namespace {

namespace sdk = billwright::sdk;

constexpr std::size_t kMaxReference = 100;
constexpr std::size_t kMaxNote = 500;
constexpr std::int64_t kDayMs = 86'400'000;
// The plugin does not know the tenant's time zone; no place on Earth is further ahead of UTC.
constexpr std::int64_t kEasternmostOffsetMs = 14 * 3'600'000;
constexpr std::string_view kChannels[] = {"wire", "cheque", "cash", "other"};

[[noreturn]] void invalid(std::string_view param, std::string_view why) {
    throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                     "parameter " + std::string(param) + " " + std::string(why));
}

std::string_view trim(std::string_view s) {
    const auto space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

// The number of characters of well-formed UTF-8 text without control characters (C0, DEL, C1;
// tabs and line breaks only when `multiline`), or nullopt.
std::optional<std::size_t> printableLength(std::string_view s, bool multiline) {
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::uint32_t cp = 0;
        std::size_t len = 0;
        if (b < 0x80) {
            cp = b;
            len = 1;
        } else if (b >= 0xc2 && b <= 0xdf) {
            cp = b & 0x1fu;
            len = 2;
        } else if (b >= 0xe0 && b <= 0xef) {
            cp = b & 0x0fu;
            len = 3;
        } else if (b >= 0xf0 && b <= 0xf4) {
            cp = b & 0x07u;
            len = 4;
        } else {
            return std::nullopt;
        }
        if (s.size() - i < len) return std::nullopt;
        for (std::size_t k = 1; k < len; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xc0) != 0x80) return std::nullopt;
            cp = (cp << 6) | (c & 0x3fu);
        }
        const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
        const bool line_break = cp == '\t' || cp == '\n' || cp == '\r';
        const bool control = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
        if (control && !(multiline && line_break)) return std::nullopt;
        ++count;
        i += len;
    }
    return count;
}

// A required parameter, trimmed and not blank.
std::string_view requiredParam(const sdk::Call& call, const char* name) {
    const auto value = call.param(name);
    if (!value) invalid(name, "is required");
    const std::string_view text = trim(*value);
    if (text.empty()) invalid(name, "is blank");
    return text;
}

// An optional parameter, trimmed; nullopt when absent or blank.
std::optional<std::string_view> optionalParam(const sdk::Call& call, const char* name) {
    const auto value = call.param(name);
    if (!value) return std::nullopt;
    const std::string_view text = trim(*value);
    if (text.empty()) return std::nullopt;
    return text;
}

std::string_view channelParam(const sdk::Call& call) {
    const std::string_view channel = requiredParam(call, "channel");
    for (const std::string_view known : kChannels) {
        if (channel == known) return known;
    }
    invalid("channel", "must be wire, cheque, cash or other");
}

std::string_view referenceParam(const sdk::Call& call) {
    const std::string_view reference = requiredParam(call, "reference");
    const auto length = printableLength(reference, false);
    if (!length) invalid("reference", "must be printable text");
    if (*length > kMaxReference) invalid("reference", "is longer than 100 characters");
    return reference;
}

void noteParam(const sdk::Call& call) {
    const auto note = optionalParam(call, "note");
    if (!note) return;
    const auto length = printableLength(*note, true);
    if (!length) invalid("note", "must be printable text");
    if (*length > kMaxNote) invalid("note", "is longer than 500 characters");
}

// A date the money moved: YYYY-MM-DD, not later than the date it is now at UTC+14, so that a
// payment received "today" in any tenant's time zone is accepted; the host may check more
// strictly in the tenant's own zone.
void dateParam(const sdk::Call& call, const char* name) {
    const auto text = optionalParam(call, name);
    if (!text) return;
    const auto day = common::isoDateDays(*text);
    if (!day) invalid(name, "must be a date YYYY-MM-DD from 1970 on");
    const std::int64_t latest = (call.nowMs() + kEasternmostOffsetMs) / kDayMs;
    if (*day > latest) invalid(name, "is in the future");
}

void requireAmount(const sdk::Money& amount) {
    if (amount.amount_minor <= 0) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "the amount must be more than zero");
    }
}

std::string recordReference(std::string_view channel, std::string_view reference) {
    return std::string(channel) + ":" + std::string(reference);
}

class ManualProcessor final : public sdk::PaymentProcessor {
    sdk::PaymentResult charge(sdk::Call& call, const sdk::ChargeRequest& request) override {
        requireAmount(request.amount);
        const std::string_view reference = referenceParam(call);
        const std::string_view channel = channelParam(call);
        dateParam(call, "received_on");
        noteParam(call);
        return sdk::PaymentResult::succeeded(recordReference(channel, reference),
                                             request.amount.amount_minor, 0);
    }

    sdk::RefundResult refund(sdk::Call& call, const sdk::RefundRequest& request) override {
        requireAmount(request.amount);
        const std::string_view paid = request.payment_reference;
        const std::size_t colon = paid.find(':');
        bool ours = false;
        for (const std::string_view known : kChannels) {
            ours = ours || (colon != std::string_view::npos && paid.substr(0, colon) == known);
        }
        if (!ours || colon + 1 == paid.size()) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                             "payment_reference is not a reference of payment_manual");
        }
        const std::string_view reference = referenceParam(call);
        const std::string_view channel = channelParam(call);
        dateParam(call, "refunded_on");
        noteParam(call);
        sdk::RefundResult out;
        out.status = BW_REFUND_SUCCEEDED;
        out.reference = recordReference(channel, reference);
        return out;
    }
};

constexpr bw_payment_processor_api kProcessor = sdk::paymentProcessor<ManualProcessor>(
    BW_METHOD_TYPE_BIT(BW_METHOD_MANUAL), BW_PROCESSOR_RECORDS | BW_PROCESSOR_REFUNDS);

}  // namespace
}  // namespace billwright::payment_manual

BILLWRIGHT_PLUGIN(billwright::sdk::describe("payment_manual", "1.0.0",
                                            "Records payments made outside any provider: wire, "
                                            "cheque, cash",
                                            BW_KIND_PAYMENT_PROCESSOR,
                                            &billwright::payment_manual::kProcessor))
