#include "domain/contract.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <string>
#include <utility>

namespace billwright::domain {
namespace {

constexpr int kMaxBillingMethods = 3;
constexpr std::int64_t kMaxHashpriceBp = 100000;    // 1000 %
constexpr std::int64_t kMaxConnectorFeeBp = 10000;  // 100 %

constexpr std::string_view kBech32Alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::string_view kBase58Alphabet =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr std::size_t kMinBech32Length = 14;
constexpr std::size_t kMaxBech32Length = 74;
constexpr std::size_t kMinBase58Length = 26;
constexpr std::size_t kMaxBase58Length = 35;

bool isKnown(FailoverMode m) {
    return m == FailoverMode::kOff || m == FailoverMode::kHashprice ||
           m == FailoverMode::kFixedRate;
}

bool isHashpriceSource(std::string_view source) {
    return std::find(std::begin(kHashpriceSources), std::end(kHashpriceSources), source) !=
           std::end(kHashpriceSources);
}

bool isBlank(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; });
}

bool isBech32Address(std::string_view text) {
    if (text.size() < kMinBech32Length || text.size() > kMaxBech32Length) return false;
    // BIP 173: all lower or all upper case, never mixed.
    const bool has_lower =
        std::any_of(text.begin(), text.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
    const bool has_upper =
        std::any_of(text.begin(), text.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
    if (has_lower && has_upper) return false;
    std::string lower(text);
    for (char& ch : lower) {
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    if (lower.compare(0, 3, "bc1") != 0) return false;
    return std::all_of(lower.begin() + 3, lower.end(),
                       [](char ch) { return kBech32Alphabet.find(ch) != std::string_view::npos; });
}

bool isBase58Address(std::string_view text) {
    if (text.size() < kMinBase58Length || text.size() > kMaxBase58Length) return false;
    if (text.front() != '1' && text.front() != '3') return false;
    return std::all_of(text.begin(), text.end(),
                       [](char ch) { return kBase58Alphabet.find(ch) != std::string_view::npos; });
}

// Collects at most one error per field: the first rule a field breaks is the one reported.
class Violations {
public:
    void add(std::string_view field, std::string_view code, std::string message) {
        for (const auto& f : error_.fields) {
            if (f.field == field) return;
        }
        error_.fields.push_back({std::string(field), std::string(code), std::move(message)});
    }
    // Fields only some contract types take.
    template <typename T>
    void refuseIfPresent(const std::optional<T>& value, std::string_view field, ContractType type) {
        if (value) {
            add(field, "not_allowed",
                "not used by " + std::string(contractTypeName(type)) + " contracts");
        }
    }
    core::Status status() && {
        if (error_.fields.empty()) return {};
        return std::move(error_);
    }

private:
    core::Error error_{core::ErrorCode::kValidationFailed, "the contract has invalid fields", {}};
};

void checkBillingMethods(const Contract& c, Violations& v) {
    const auto& methods = c.billing_methods;
    if (c.type == ContractType::kInfinity || c.type == ContractType::kOperations) {
        if (!methods.empty()) {
            v.add("billing_methods", "not_allowed",
                  "not used by " + std::string(contractTypeName(c.type)) + " contracts");
        }
        return;
    }
    if (!std::all_of(methods.begin(), methods.end(),
                     [](const std::string& m) { return isBillingMethodName(m); })) {
        v.add("billing_methods", "invalid_enum", "each entry must be a billing method name");
    } else if (methods.empty()) {
        v.add("billing_methods", "required", "at least one billing method is required");
    } else if (methods.size() > kMaxBillingMethods) {
        v.add("billing_methods", "out_of_range", "at most 3 billing methods");
    } else {
        for (std::size_t i = 0; i < methods.size(); ++i) {
            if (std::find(methods.begin(), methods.begin() + static_cast<std::ptrdiff_t>(i),
                          methods[i]) != methods.begin() + static_cast<std::ptrdiff_t>(i)) {
                v.add("billing_methods", "duplicate", methods[i] + " is listed twice");
                break;
            }
        }
    }
}

void checkRate(const Contract& c, Violations& v) {
    switch (c.type) {
        case ContractType::kHosted:
        case ContractType::kLease:
            if (!c.rate_micro) {
                v.add("rate_per_kwh", "required", "required for hosted and lease contracts");
            }
            break;
        case ContractType::kInfinity:
        case ContractType::kOperations:
            break;
    }
    if (c.rate_micro && *c.rate_micro <= 0) {
        v.add("rate_per_kwh", "out_of_range", "must be more than zero");
    }
    if (c.type != ContractType::kLease) {
        v.refuseIfPresent(c.lease_fee_per_unit_minor, "lease_fee_per_unit", c.type);
    } else if (c.lease_fee_per_unit_minor && *c.lease_fee_per_unit_minor < 0) {
        v.add("lease_fee_per_unit", "out_of_range", "must be zero or more");
    }
    if (c.discount_bp && (*c.discount_bp < 0 || *c.discount_bp > 10000)) {
        v.add("discount_percent", "out_of_range", "must be 0 to 100");
    }
}

void checkRenewalAndExtensions(const Contract& c, Violations& v) {
    if (c.auto_renew && c.type != ContractType::kHosted) {
        v.add("auto_renew", "not_allowed", "only hosted contracts renew automatically");
    }
    if (c.notice_days < 0 || c.notice_days > kMaxNoticeDays) {
        v.add("notice_days", "out_of_range", "must be 0 to 730");
    }
    // max_extensions defaults to 3 on every contract, so other types ignore it.
    if (c.type == ContractType::kLease) {
        if (c.max_extensions < 0 || c.max_extensions > kMaxExtensionsLimit) {
            v.add("max_extensions", "out_of_range", "must be 0 to 100");
        } else if (c.extensions_used > c.max_extensions) {
            v.add("max_extensions", "out_of_range",
                  "must be at least the " + std::to_string(c.extensions_used) +
                      " extensions already used");
        }
    }
}

void checkFailover(const Contract& c, Violations& v) {
    if (!isKnown(c.failover_mode)) {
        v.add("failover_mode", "invalid_enum", "must be off, hashprice or fixed_rate");
        return;
    }
    const bool takes_failover = c.type == ContractType::kHosted || c.type == ContractType::kLease;
    if (!takes_failover && c.failover_mode != FailoverMode::kOff) {
        v.add("failover_mode", "not_allowed", "only hosted and lease contracts have failover");
    }
    const FailoverMode mode = takes_failover ? c.failover_mode : FailoverMode::kOff;
    const auto refuse = [&](const auto& value, std::string_view field) {
        if (value) {
            v.add(field, "not_allowed",
                  "not used with failover mode " + std::string(failoverModeName(c.failover_mode)) +
                      " on " + std::string(contractTypeName(c.type)) + " contracts");
        }
    };
    if (mode == FailoverMode::kHashprice) {
        if (!c.failover_hashprice_bp) {
            v.add("failover_hashprice_percent", "required", "required for hashprice failover");
        } else if (*c.failover_hashprice_bp < 1 || *c.failover_hashprice_bp > kMaxHashpriceBp) {
            v.add("failover_hashprice_percent", "out_of_range", "must be 0.01 to 1000");
        }
        if (!c.failover_hashprice_source) {
            v.add("failover_hashprice_source", "required", "required for hashprice failover");
        } else if (!isHashpriceSource(*c.failover_hashprice_source)) {
            v.add("failover_hashprice_source", "invalid_enum",
                  "must be manual, luxor, braiins or hashrate_index");
        }
    } else {
        refuse(c.failover_hashprice_bp, "failover_hashprice_percent");
        refuse(c.failover_hashprice_source, "failover_hashprice_source");
    }
    if (mode == FailoverMode::kFixedRate) {
        if (!c.failover_rate_micro) {
            v.add("failover_rate_per_kwh", "required", "required for fixed_rate failover");
        } else if (*c.failover_rate_micro <= 0) {
            v.add("failover_rate_per_kwh", "out_of_range", "must be more than zero");
        }
    } else {
        refuse(c.failover_rate_micro, "failover_rate_per_kwh");
    }
}

void checkInfinity(const Contract& c, Violations& v) {
    if (c.type != ContractType::kInfinity) {
        v.refuseIfPresent(c.miner_model, "miner_model", c.type);
        v.refuseIfPresent(c.miner_hashrate_mth, "miner_hashrate_ths", c.type);
        v.refuseIfPresent(c.miner_efficiency_mjth, "miner_efficiency_jth", c.type);
        v.refuseIfPresent(c.quantity, "quantity", c.type);
        v.refuseIfPresent(c.connector_fee_bp, "connector_fee_percent", c.type);
        v.refuseIfPresent(c.payout_wallet, "payout_wallet", c.type);
        return;
    }
    const auto required = [&](bool present, std::string_view field) {
        if (!present) v.add(field, "required", "required for infinity contracts");
        return present;
    };
    required(c.miner_model && !isBlank(*c.miner_model), "miner_model");
    if (required(c.miner_hashrate_mth.has_value(), "miner_hashrate_ths") &&
        *c.miner_hashrate_mth <= 0) {
        v.add("miner_hashrate_ths", "out_of_range", "must be more than zero");
    }
    if (required(c.miner_efficiency_mjth.has_value(), "miner_efficiency_jth") &&
        *c.miner_efficiency_mjth <= 0) {
        v.add("miner_efficiency_jth", "out_of_range", "must be more than zero");
    }
    if (required(c.quantity.has_value(), "quantity") && *c.quantity < 1) {
        v.add("quantity", "out_of_range", "must be at least 1");
    }
    if (required(c.connector_fee_bp.has_value(), "connector_fee_percent") &&
        (*c.connector_fee_bp < 0 || *c.connector_fee_bp > kMaxConnectorFeeBp)) {
        v.add("connector_fee_percent", "out_of_range", "must be 0 to 100");
    }
    if (required(c.payout_wallet.has_value(), "payout_wallet") &&
        !isValidPayoutWallet(*c.payout_wallet)) {
        v.add("payout_wallet", "invalid_wallet", "must be a bitcoin address");
    }
}

void checkOperations(const Contract& c, Violations& v) {
    if (c.type != ContractType::kOperations) {
        v.refuseIfPresent(c.service_fee_per_site_minor, "service_fee_per_site", c.type);
        v.refuseIfPresent(c.management_fee_rate_micro, "management_fee_per_kwh", c.type);
        return;
    }
    if (!c.service_fee_per_site_minor) {
        v.add("service_fee_per_site", "required", "required for o_and_m contracts");
    } else if (*c.service_fee_per_site_minor < 0) {
        v.add("service_fee_per_site", "out_of_range", "must be zero or more");
    }
    if (c.management_fee_rate_micro && *c.management_fee_rate_micro < 0) {
        v.add("management_fee_per_kwh", "out_of_range", "must be zero or more");
    }
}

void checkTermAndDates(const Contract& c, Violations& v) {
    if (c.power_cap_w && *c.power_cap_w <= 0) {
        v.add("power_cap_kw", "out_of_range", "must be more than zero");
    }
    if (!(c.start_date < c.end_date)) {
        v.add("end_date", "invalid_date_range", "must be after start_date");
    }
    if (c.term.kind == TermKind::kCustom) {
        if (c.term.custom_days < 1 || c.term.custom_days > kMaxCustomTermDays) {
            v.add("term_days", "out_of_range", "must be 1 to 3660");
        }
    } else if (c.term.custom_days != 0) {
        v.add("term_days", "not_allowed", "only custom terms take a number of days");
    }
}

core::Error invalidTransition(std::string_view action, ContractStatus current) {
    const std::string status(contractStatusName(current));
    core::Error e{core::ErrorCode::kInvalidTransition,
                  "cannot " + std::string(action) + " a contract that is " + status,
                  {}};
    e.fields.push_back({"status", status, "the contract's current status"});
    return e;
}

}  // namespace

std::string_view contractTypeName(ContractType t) {
    switch (t) {
        case ContractType::kHosted:
            return "hosted";
        case ContractType::kLease:
            return "lease";
        case ContractType::kInfinity:
            return "infinity";
        case ContractType::kOperations:
            return "o_and_m";
    }
    return "hosted";
}

std::optional<ContractType> parseContractType(std::string_view text) {
    if (text == "hosted") return ContractType::kHosted;
    if (text == "lease") return ContractType::kLease;
    if (text == "infinity") return ContractType::kInfinity;
    if (text == "o_and_m") return ContractType::kOperations;
    return std::nullopt;
}

std::string_view contractStatusName(ContractStatus s) {
    switch (s) {
        case ContractStatus::kDraft:
            return "draft";
        case ContractStatus::kActive:
            return "active";
        case ContractStatus::kExpired:
            return "expired";
        case ContractStatus::kCancelled:
            return "cancelled";
    }
    return "draft";
}

std::optional<ContractStatus> parseContractStatus(std::string_view text) {
    if (text == "draft") return ContractStatus::kDraft;
    if (text == "active") return ContractStatus::kActive;
    if (text == "expired") return ContractStatus::kExpired;
    if (text == "cancelled") return ContractStatus::kCancelled;
    return std::nullopt;
}

std::string_view termKindName(TermKind t) {
    switch (t) {
        case TermKind::kMonthToMonth:
            return "month_to_month";
        case TermKind::kThreeMonths:
            return "3_months";
        case TermKind::kSixMonths:
            return "6_months";
        case TermKind::kOneYear:
            return "1_year";
        case TermKind::kTwoYears:
            return "2_years";
        case TermKind::kCustom:
            return "custom";
    }
    return "month_to_month";
}

std::optional<TermKind> parseTermKind(std::string_view text) {
    if (text == "month_to_month") return TermKind::kMonthToMonth;
    if (text == "3_months") return TermKind::kThreeMonths;
    if (text == "6_months") return TermKind::kSixMonths;
    if (text == "1_year") return TermKind::kOneYear;
    if (text == "2_years") return TermKind::kTwoYears;
    if (text == "custom") return TermKind::kCustom;
    return std::nullopt;
}

core::Date termEnd(core::Date start, const Term& term) {
    switch (term.kind) {
        case TermKind::kMonthToMonth:
            return core::addMonthsClamped(start, 1);
        case TermKind::kThreeMonths:
            return core::addMonthsClamped(start, 3);
        case TermKind::kSixMonths:
            return core::addMonthsClamped(start, 6);
        case TermKind::kOneYear:
            return core::addMonthsClamped(start, 12);
        case TermKind::kTwoYears:
            return core::addMonthsClamped(start, 24);
        case TermKind::kCustom:
            return core::addDays(start, term.custom_days);
    }
    return core::addMonthsClamped(start, 1);
}

bool isBillingMethodName(std::string_view text) {
    if (text.empty() || text.size() > 64 || text[0] < 'a' || text[0] > 'z') return false;
    return std::all_of(text.begin(), text.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
    });
}

std::string_view failoverModeName(FailoverMode m) {
    switch (m) {
        case FailoverMode::kOff:
            return "off";
        case FailoverMode::kHashprice:
            return "hashprice";
        case FailoverMode::kFixedRate:
            return "fixed_rate";
    }
    return "off";
}

std::optional<FailoverMode> parseFailoverMode(std::string_view text) {
    if (text == "off") return FailoverMode::kOff;
    if (text == "hashprice") return FailoverMode::kHashprice;
    if (text == "fixed_rate") return FailoverMode::kFixedRate;
    return std::nullopt;
}

core::Status validateContract(const Contract& c) {
    Violations v;
    checkBillingMethods(c, v);
    checkRate(c, v);
    checkRenewalAndExtensions(c, v);
    checkFailover(c, v);
    checkInfinity(c, v);
    checkOperations(c, v);
    checkTermAndDates(c, v);
    return std::move(v).status();
}

bool isValidPayoutWallet(std::string_view text) {
    return isBech32Address(text) || isBase58Address(text);
}

core::Status checkActivation(const Contract& c, std::size_t equipment_count,
                             std::size_t site_count) {
    if (c.status != ContractStatus::kDraft) return invalidTransition("activate", c.status);
    switch (c.type) {
        case ContractType::kHosted:
        case ContractType::kLease:
            if (equipment_count == 0) {
                return core::Error::validation("equipment", "required",
                                               "assign at least one miner before activating");
            }
            break;
        case ContractType::kOperations:
            if (site_count == 0) {
                return core::Error::validation("sites", "required",
                                               "assign at least one site before activating");
            }
            break;
        case ContractType::kInfinity:
            break;
    }
    return {};
}

std::string formatContractNumber(std::int64_t sequence) {
    constexpr std::size_t kMinDigits = 6;
    std::string digits = std::to_string(sequence);
    if (sequence >= 0 && digits.size() < kMinDigits) {
        digits.insert(0, kMinDigits - digits.size(), '0');
    }
    return "C-" + digits;
}

bool noticeStopsRenewalAt(const Contract& c, core::Date end_date) {
    if (!c.notice_given_on) return false;
    return core::daysBetween(*c.notice_given_on, end_date) >= c.notice_days;
}

EndAction actionAt(const Contract& c, core::Date today) {
    if (c.status != ContractStatus::kActive) return EndAction::kNone;
    if (today < c.end_date) return EndAction::kNone;
    if (c.type == ContractType::kHosted && c.auto_renew && !noticeStopsRenewalAt(c, c.end_date)) {
        return EndAction::kRenew;
    }
    return EndAction::kExpire;
}

Contract renewed(const Contract& c) {
    Contract next = c;
    next.end_date = termEnd(c.end_date, c.term);
    next.end_date_overridden = false;
    return next;
}

core::Result<Contract> extended(const Contract& c, std::optional<int> days) {
    if (c.type != ContractType::kLease) {
        return core::Error::validation("type", "not_allowed", "only lease contracts extend");
    }
    if (c.status != ContractStatus::kActive) return invalidTransition("extend", c.status);
    if (days && (*days < 1 || *days > kMaxCustomTermDays)) {
        return core::Error::validation("days", "out_of_range", "must be 1 to 3660");
    }
    if (c.extensions_used >= c.max_extensions) {
        return core::Error::validation(
            "extensions", "limit_reached",
            "all " + std::to_string(c.max_extensions) + " extensions are used");
    }
    Contract next = c;
    next.end_date = days ? core::addDays(c.end_date, *days) : termEnd(c.end_date, c.term);
    ++next.extensions_used;
    return next;
}

}  // namespace billwright::domain
