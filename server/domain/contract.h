#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/date.h"
#include "core/error.h"
#include "domain/currency.h"

namespace billwright::domain {

// Hosting contracts (seeds 001/002). Fixed-point units (domain/decimal.h): rates are micro-units
// of the currency's major unit per kWh ("0.065" USD/kWh = 65000), percentages are hundredths
// of a percent ("2.5" % = 250), power in W, hashrate milli-TH/s, efficiency milli-J/TH, money in
// minor units.

enum class ContractType {
    kHosted,
    kLease,
    kInfinity,
    kOperations
};  // "hosted", "lease",
    // "infinity", "o_and_m"
std::string_view contractTypeName(ContractType t);
std::optional<ContractType> parseContractType(std::string_view text);

enum class ContractStatus { kDraft, kActive, kExpired, kCancelled };
std::string_view contractStatusName(ContractStatus s);
std::optional<ContractStatus> parseContractStatus(std::string_view text);

// "month_to_month", "3_months", "6_months", "1_year", "2_years", "custom" (custom_days days).
enum class TermKind { kMonthToMonth, kThreeMonths, kSixMonths, kOneYear, kTwoYears, kCustom };
std::string_view termKindName(TermKind t);
std::optional<TermKind> parseTermKind(std::string_view text);

struct Term {
    TermKind kind = TermKind::kMonthToMonth;
    int custom_days = 0;  // only for kCustom, 1..kMaxCustomTermDays
};
inline constexpr int kMaxCustomTermDays = 3660;

// The end of one term that starts on `start`. Contracts cover the half-open [start, end):
// end_date is the first day no longer covered. Month terms use addMonthsClamped (a term from
// Jan 31 for one month ends Feb 28/29); custom terms add days.
core::Date termEnd(core::Date start, const Term& term);

// Billing methods are named by the plugins that implement them ("metered", "hash",
// "calculated" ship with the server; third-party plugins add more). A name is
// [a-z][a-z0-9_]{0,63}; whether a plugin provides it is checked where plugins are known.
bool isBillingMethodName(std::string_view text);

enum class FailoverMode { kOff, kHashprice, kFixedRate };  // "off", "hashprice", "fixed_rate"
std::string_view failoverModeName(FailoverMode m);
std::optional<FailoverMode> parseFailoverMode(std::string_view text);

// Where the market hashprice comes from when failover bills by hashprice.
inline constexpr std::string_view kHashpriceSources[] = {"manual", "luxor", "braiins",
                                                         "hashrate_index"};

inline constexpr int kDefaultNoticeDays = 60;
inline constexpr int kDefaultMaxExtensions = 3;
inline constexpr int kMaxNoticeDays = 730;
inline constexpr int kMaxExtensionsLimit = 100;

struct Contract {
    std::string id;  // "ctr_...", stable from draft on
    std::string tenant_id;
    std::string customer_id;
    std::optional<std::string> contract_number;  // assigned at activation, e.g. "C-000042"
    ContractType type = ContractType::kHosted;
    ContractStatus status = ContractStatus::kDraft;
    Term term;
    core::Date start_date{};
    core::Date end_date{};  // exclusive; termEnd(start, term) unless overridden
    bool end_date_overridden = false;
    bool auto_renew = false;  // Hosted only
    int notice_days = kDefaultNoticeDays;
    std::optional<core::Date> notice_given_on;   // customer's cancellation notice
    int max_extensions = kDefaultMaxExtensions;  // Lease only
    int extensions_used = 0;
    Currency currency{"USD", 2};  // the customer's billing currency at creation
    // Billing settings
    std::vector<std::string> billing_methods{"metered"};  // priority order
    std::optional<std::int64_t> rate_micro;               // per kWh
    std::optional<std::int64_t> power_cap_w;
    FailoverMode failover_mode = FailoverMode::kOff;
    std::optional<std::int64_t> failover_hashprice_bp;  // percent of hashprice, hundredths
    std::optional<std::string> failover_hashprice_source;
    std::optional<std::int64_t> failover_rate_micro;  // per kWh
    // Infinity (hash-lease)
    std::optional<std::string> miner_model;
    std::optional<std::int64_t> miner_hashrate_mth;
    std::optional<std::int64_t> miner_efficiency_mjth;
    std::optional<std::int64_t> quantity;
    std::optional<std::int64_t> connector_fee_bp;
    std::optional<std::string> payout_wallet;
    // O&M
    std::optional<std::int64_t> service_fee_per_site_minor;  // monthly
    std::optional<std::int64_t> management_fee_rate_micro;   // per kWh, optional
    // Lease: the monthly fee per leased unit, prorated by days on invoices.
    std::optional<std::int64_t> lease_fee_per_unit_minor;
    // Any type: a discount on the contract's charges, hundredths of a percent (0..10000).
    std::optional<std::int64_t> discount_bp;
    std::optional<std::string> notes;
    std::optional<core::SysSeconds> activated_at;
    std::optional<core::Date> ended_on;  // expiry or cancellation date
    std::optional<std::string> end_reason;
    core::SysSeconds created_at{};
    core::SysSeconds updated_at{};
};

// Cross-field rules for a contract being created or edited (status draft or active), each
// violation a field error named as the API names it ("billing_methods", "auto_renew",
// "failover_rate_per_kwh", "miner_hashrate_ths", ...). Checked:
// - billing_methods: 1..3 well-formed names, no repeats; not for Infinity or O&M (must be
//   empty there).
// - rate_micro required (> 0) for Hosted and Lease; optional for Infinity (the tenant's default
//   rate applies when absent).
// - lease_fee_per_unit_minor >= 0, Lease only; discount_bp 0..10000.
// - auto_renew only for Hosted; notice_days 0..kMaxNoticeDays.
// - max_extensions (0..kMaxExtensionsLimit) only meaningful for Lease; extensions_used <= max.
// - failover only for Hosted and Lease: hashprice needs failover_hashprice_bp (1..100000) and
//   a source from kHashpriceSources; fixed_rate needs failover_rate_micro > 0; off needs
//   neither.
// - Infinity needs miner_model, miner_hashrate_mth > 0, miner_efficiency_mjth > 0,
//   quantity >= 1, connector_fee_bp 0..10000, payout_wallet (see isValidPayoutWallet).
//   Those fields are refused on other types.
// - O&M needs service_fee_per_site_minor >= 0; management_fee_rate_micro optional >= 0.
//   Those fields are refused on other types.
// - power_cap_w > 0 when present; end_date > start_date; custom term 1..kMaxCustomTermDays.
core::Status validateContract(const Contract& c);

// A Bitcoin payout address: bech32 (bc1..., 14..74 chars of the bech32 alphabet) or base58
// (1... / 3..., 26..35 chars of the base58 alphabet). Checksums are not verified here.
bool isValidPayoutWallet(std::string_view text);

// Activation: from draft only (409 kInvalidTransition naming the status otherwise); Hosted and
// Lease need >= 1 assigned equipment, O&M >= 1 site (422 naming "equipment" or "sites");
// Infinity needs neither.
core::Status checkActivation(const Contract& c, std::size_t equipment_count,
                             std::size_t site_count);

// "C-000042": the permanent number, sequential per tenant.
std::string formatContractNumber(std::int64_t sequence);

// A cancellation notice given on `notice_on` stops the renewal at `end_date` only if it came at
// least notice_days before it (notice_on <= end_date - notice_days). A late notice stops the
// renewal at the following end date instead.
bool noticeStopsRenewalAt(const Contract& c, core::Date end_date);

// What the scheduler does with an active contract on `today` (in the tenant's time zone):
// nothing before end_date; on or after end_date a Hosted auto-renew contract renews unless a
// notice stops it, everything else expires.
enum class EndAction { kNone, kRenew, kExpire };
EndAction actionAt(const Contract& c, core::Date today);

// The contract after one renewal: the new term runs [old end, termEnd(old end, term)).
// end_date_overridden is cleared (the renewal follows the term).
Contract renewed(const Contract& c);

// A Lease extension by one more term (or by `days` when given, 1..kMaxCustomTermDays):
// allowed only for active Lease contracts with extensions_used < max_extensions
// (422 "extensions" otherwise, 409 for a non-active status).
core::Result<Contract> extended(const Contract& c, std::optional<int> days);

}  // namespace billwright::domain
