#include "domain/contract.h"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "core/date.h"
#include "core/error.h"

namespace billwright::domain {
namespace {

using core::Date;
using CT = ContractType;
using CS = ContractStatus;
using TK = TermKind;

Date ymd(int y, unsigned m, unsigned d) {
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

std::string iso(Date d) { return core::formatIsoDate(d); }

std::string codeName(const core::Error& e) { return std::string(core::errorCodeName(e.code)); }

std::string codeName(core::ErrorCode code) { return std::string(core::errorCodeName(code)); }

std::string actionName(EndAction a) {
    switch (a) {
        case EndAction::kNone:
            return "none";
        case EndAction::kRenew:
            return "renew";
        case EndAction::kExpire:
            return "expire";
    }
    return "?";
}

// field -> field code; empty when the status is ok.
std::map<std::string, std::string> fieldErrors(const core::Error& error) {
    std::map<std::string, std::string> out;
    for (const auto& f : error.fields) out[f.field] = f.code;
    return out;
}

std::map<std::string, std::string> fieldErrors(const core::Status& status) {
    if (status.ok()) return {};
    return fieldErrors(status.error());
}

std::string describe(const std::map<std::string, std::string>& errors) {
    std::string out = "{";
    for (const auto& [field, code] : errors) out += " " + field + ":" + code;
    return out + " }";
}

Contract withTerm(Contract c, Term term, Date start) {
    c.term = term;
    c.start_date = start;
    c.end_date = termEnd(start, term);
    return c;
}

// One valid draft of each type.
Contract hosted() {
    Contract c;
    c.id = "ctr_hosted";
    c.tenant_id = "ten_acme";
    c.customer_id = "cus_1";
    c.type = CT::kHosted;
    c.auto_renew = true;
    c.billing_methods = {"metered", "hash"};
    c.rate_micro = 65000;
    c.power_cap_w = 500000;
    return withTerm(c, {TK::kOneYear, 0}, ymd(2026, 3, 1));
}

Contract lease() {
    Contract c;
    c.id = "ctr_lease";
    c.tenant_id = "ten_acme";
    c.customer_id = "cus_1";
    c.type = CT::kLease;
    c.billing_methods = {"calculated"};
    c.rate_micro = 70000;
    c.failover_mode = FailoverMode::kHashprice;
    c.failover_hashprice_bp = 9500;
    c.failover_hashprice_source = "luxor";
    return withTerm(c, {TK::kOneYear, 0}, ymd(2026, 1, 15));
}

Contract infinity() {
    Contract c;
    c.id = "ctr_infinity";
    c.tenant_id = "ten_acme";
    c.customer_id = "cus_1";
    c.type = CT::kInfinity;
    c.billing_methods.clear();
    c.miner_model = "Antminer S21";
    c.miner_hashrate_mth = 200000;    // 200 TH/s
    c.miner_efficiency_mjth = 17500;  // 17.5 J/TH
    c.quantity = 10;
    c.connector_fee_bp = 250;
    c.payout_wallet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
    return withTerm(c, {TK::kSixMonths, 0}, ymd(2026, 4, 1));
}

Contract operations() {
    Contract c;
    c.id = "ctr_om";
    c.tenant_id = "ten_acme";
    c.customer_id = "cus_1";
    c.type = CT::kOperations;
    c.billing_methods.clear();
    c.service_fee_per_site_minor = 250000;
    c.management_fee_rate_micro = 5000;
    return withTerm(c, {TK::kCustom, 90}, ymd(2026, 5, 1));
}

Contract ofType(CT type) {
    switch (type) {
        case CT::kHosted:
            return hosted();
        case CT::kLease:
            return lease();
        case CT::kInfinity:
            return infinity();
        case CT::kOperations:
            return operations();
    }
    return hosted();
}

constexpr CT kAllTypes[] = {CT::kHosted, CT::kLease, CT::kInfinity, CT::kOperations};

struct Spoiled {
    const char* what;
    CT type;
    void (*spoil)(Contract&);
    std::string_view field;
    std::string_view code;
};

// Each spoiled contract is refused with exactly one field error.
void expectOneViolation(std::initializer_list<Spoiled> cases) {
    for (const Spoiled& s : cases) {
        BOOST_TEST_CONTEXT(contractTypeName(s.type) << ": " << s.what) {
            Contract c = ofType(s.type);
            BOOST_TEST_REQUIRE(validateContract(c).ok(), "the base contract must be valid");
            s.spoil(c);
            const auto status = validateContract(c);
            BOOST_TEST_REQUIRE(!status.ok());
            BOOST_TEST(codeName(status.error()) == codeName(core::ErrorCode::kValidationFailed));
            BOOST_TEST(status.error().fields.size() == 1U);
            const std::map<std::string, std::string> expected{
                {std::string(s.field), std::string(s.code)}};
            BOOST_TEST(describe(fieldErrors(status)) == describe(expected));
        }
    }
}

// What a daily scheduler does between `from` and `until` (exclusive): every renewal and the
// expiry, as "renew <old end>" / "expire <end>".
std::vector<std::string> runScheduler(Contract& c, Date from, Date until) {
    std::vector<std::string> events;
    for (Date day = from; day < until; day = core::addDays(day, 1)) {
        for (int guard = 0; guard < 100; ++guard) {
            const EndAction action = actionAt(c, day);
            if (action == EndAction::kRenew) {
                events.push_back("renew " + iso(c.end_date));
                c = renewed(c);
                continue;
            }
            if (action == EndAction::kExpire) {
                events.push_back("expire " + iso(c.end_date));
                c.status = CS::kExpired;
                c.ended_on = c.end_date;
            }
            break;
        }
    }
    return events;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

Contract activeHosted(Term term, Date start, bool auto_renew, int notice_days) {
    Contract c = withTerm(hosted(), term, start);
    c.status = CS::kActive;
    c.auto_renew = auto_renew;
    c.notice_days = notice_days;
    return c;
}

Contract activeLease() {
    Contract c = lease();
    c.status = CS::kActive;
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(contract)

// --- names ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(contract_type_names_round_trip_and_unknown_text_is_refused) {
    const std::pair<CT, std::string_view> names[] = {
        {CT::kHosted, "hosted"},
        {CT::kLease, "lease"},
        {CT::kInfinity, "infinity"},
        {CT::kOperations, "o_and_m"},
    };
    for (const auto& [type, name] : names) {
        BOOST_TEST(contractTypeName(type) == name);
        const auto parsed = parseContractType(name);
        BOOST_TEST_REQUIRE(parsed.has_value(), name);
        BOOST_TEST((*parsed == type), name);
    }
    for (const std::string_view bad : {"", "Hosted", "HOSTED", " hosted", "hosted ", "o&m", "om",
                                       "o_and_M", "leases", "hash_lease"}) {
        BOOST_TEST(!parseContractType(bad).has_value(), '"' << bad << '"');
    }
}

BOOST_AUTO_TEST_CASE(contract_status_names_round_trip_and_unknown_text_is_refused) {
    const std::pair<CS, std::string_view> names[] = {
        {CS::kDraft, "draft"},
        {CS::kActive, "active"},
        {CS::kExpired, "expired"},
        {CS::kCancelled, "cancelled"},
    };
    for (const auto& [status, name] : names) {
        BOOST_TEST(contractStatusName(status) == name);
        const auto parsed = parseContractStatus(name);
        BOOST_TEST_REQUIRE(parsed.has_value(), name);
        BOOST_TEST((*parsed == status), name);
    }
    for (const std::string_view bad : {"", "Draft", "canceled", "ended", "active\n"}) {
        BOOST_TEST(!parseContractStatus(bad).has_value(), '"' << bad << '"');
    }
}

BOOST_AUTO_TEST_CASE(term_kind_names_round_trip_and_unknown_text_is_refused) {
    const std::pair<TK, std::string_view> names[] = {
        {TK::kMonthToMonth, "month_to_month"},
        {TK::kThreeMonths, "3_months"},
        {TK::kSixMonths, "6_months"},
        {TK::kOneYear, "1_year"},
        {TK::kTwoYears, "2_years"},
        {TK::kCustom, "custom"},
    };
    for (const auto& [kind, name] : names) {
        BOOST_TEST(termKindName(kind) == name);
        const auto parsed = parseTermKind(name);
        BOOST_TEST_REQUIRE(parsed.has_value(), name);
        BOOST_TEST((*parsed == kind), name);
    }
    for (const std::string_view bad : {"", "month-to-month", "monthly", "3_month", "12_months",
                                       "1_years", "2_year", "3_years", "Custom"}) {
        BOOST_TEST(!parseTermKind(bad).has_value(), '"' << bad << '"');
    }
}

BOOST_AUTO_TEST_CASE(billing_method_and_failover_mode_names_round_trip) {
    for (const std::string_view good : {"metered", "hash", "calculated", "fixed_daily", "m2"})
        BOOST_TEST(isBillingMethodName(good), good);
    for (const std::string_view bad : {"", "Metered", "2hash", "calc-x", "pdu kwh"}) {
        BOOST_TEST(!isBillingMethodName(bad), '"' << bad << '"');
    }
    const std::pair<FailoverMode, std::string_view> modes[] = {
        {FailoverMode::kOff, "off"},
        {FailoverMode::kHashprice, "hashprice"},
        {FailoverMode::kFixedRate, "fixed_rate"},
    };
    for (const auto& [mode, name] : modes) {
        BOOST_TEST(failoverModeName(mode) == name);
        const auto parsed = parseFailoverMode(name);
        BOOST_TEST_REQUIRE(parsed.has_value(), name);
        BOOST_TEST((*parsed == mode), name);
    }
    for (const std::string_view bad : {"", "none", "fixed-rate", "fixed", "market", "Off"}) {
        BOOST_TEST(!parseFailoverMode(bad).has_value(), '"' << bad << '"');
    }
}

BOOST_AUTO_TEST_CASE(contract_numbers_are_zero_padded_to_six_digits_and_grow_beyond) {
    BOOST_TEST(formatContractNumber(42) == "C-000042");
    BOOST_TEST(formatContractNumber(1) == "C-000001");
    BOOST_TEST(formatContractNumber(999999) == "C-999999");
    BOOST_TEST(formatContractNumber(1000000) == "C-1000000");
    BOOST_TEST(formatContractNumber(1234567) == "C-1234567");
    BOOST_TEST(formatContractNumber(std::numeric_limits<std::int64_t>::max()) ==
               "C-9223372036854775807");
}

// --- terms ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(term_end_for_every_term_kind_clamps_to_the_end_of_shorter_months) {
    struct Case {
        TK kind;
        Date start;
        std::string_view expected;
    };
    const Case cases[] = {
        {TK::kMonthToMonth, ymd(2026, 1, 15), "2026-02-15"},
        {TK::kMonthToMonth, ymd(2026, 12, 15), "2027-01-15"},
        {TK::kMonthToMonth, ymd(2026, 1, 31), "2026-02-28"},  // common year
        {TK::kMonthToMonth, ymd(2024, 1, 31), "2024-02-29"},  // leap year
        {TK::kMonthToMonth, ymd(2100, 1, 31), "2100-02-28"},  // century, not leap
        {TK::kMonthToMonth, ymd(2000, 1, 31), "2000-02-29"},  // 400-year leap
        {TK::kMonthToMonth, ymd(2026, 3, 31), "2026-04-30"},
        {TK::kMonthToMonth, ymd(2026, 2, 28), "2026-03-28"},
        {TK::kThreeMonths, ymd(2026, 1, 1), "2026-04-01"},
        {TK::kThreeMonths, ymd(2026, 11, 30), "2027-02-28"},
        {TK::kThreeMonths, ymd(2023, 11, 30), "2024-02-29"},
        {TK::kThreeMonths, ymd(2026, 1, 31), "2026-04-30"},
        {TK::kSixMonths, ymd(2026, 1, 1), "2026-07-01"},
        {TK::kSixMonths, ymd(2025, 8, 31), "2026-02-28"},
        {TK::kSixMonths, ymd(2023, 8, 31), "2024-02-29"},
        {TK::kOneYear, ymd(2026, 3, 1), "2027-03-01"},
        {TK::kOneYear, ymd(2024, 2, 29), "2025-02-28"},
        {TK::kOneYear, ymd(2023, 2, 28), "2024-02-28"},
        {TK::kOneYear, ymd(2026, 12, 31), "2027-12-31"},
        {TK::kTwoYears, ymd(2026, 3, 1), "2028-03-01"},
        {TK::kTwoYears, ymd(2024, 2, 29), "2026-02-28"},
        {TK::kTwoYears, ymd(2026, 2, 28), "2028-02-28"},
        {TK::kTwoYears, ymd(2027, 2, 28), "2029-02-28"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(termKindName(c.kind) << " from " << iso(c.start)) {
            BOOST_TEST(iso(termEnd(c.start, Term{c.kind, 0})) == c.expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(custom_term_end_adds_the_given_number_of_days) {
    struct Case {
        Date start;
        int days;
        std::string_view expected;
    };
    const Case cases[] = {
        {ymd(2026, 1, 1), 1, "2026-01-02"},
        {ymd(2026, 1, 31), 30, "2026-03-02"},
        {ymd(2024, 1, 31), 30, "2024-03-01"},
        {ymd(2026, 5, 1), 90, "2026-07-30"},
        {ymd(2024, 1, 1), 365, "2024-12-31"},  // leap year
        {ymd(2025, 1, 1), 365, "2026-01-01"},
        {ymd(2026, 12, 31), 1, "2027-01-01"},
        {ymd(2026, 1, 1), kMaxCustomTermDays, "2036-01-09"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.days << " days from " << iso(c.start)) {
            BOOST_TEST(iso(termEnd(c.start, Term{TK::kCustom, c.days})) == c.expected);
        }
    }
}

// --- renewal -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(renewed_runs_one_more_term_from_the_old_end_and_follows_the_term) {
    Contract c = activeHosted({TK::kOneYear, 0}, ymd(2026, 3, 1), true, 60);
    c.end_date = ymd(2027, 4, 15);  // overridden at creation
    c.end_date_overridden = true;
    c.contract_number = "C-000007";
    const Contract next = renewed(c);
    BOOST_TEST(iso(next.end_date) == "2028-04-15");
    BOOST_TEST(!next.end_date_overridden);
    // The contract still covers everything since it started.
    BOOST_TEST(iso(next.start_date) == "2026-03-01");
    BOOST_TEST(contractStatusName(next.status) == "active");
    BOOST_TEST(next.contract_number.value_or("") == "C-000007");
    BOOST_TEST(next.id == c.id);

    Contract m = activeHosted({TK::kMonthToMonth, 0}, ymd(2026, 1, 31), true, 0);
    BOOST_TEST(iso(m.end_date) == "2026-02-28");
    m = renewed(m);
    BOOST_TEST(iso(m.end_date) == "2026-03-28");  // a term from Feb 28 ends on Mar 28

    Contract custom = activeHosted({TK::kCustom, 45}, ymd(2026, 1, 1), true, 0);
    BOOST_TEST(iso(renewed(custom).end_date) == "2026-04-01");
}

BOOST_AUTO_TEST_CASE(hosted_auto_renew_without_notice_renews_at_every_end_date) {
    Contract c = activeHosted({TK::kOneYear, 0}, ymd(2026, 3, 1), true, 60);
    BOOST_TEST(!noticeStopsRenewalAt(c, c.end_date));
    const auto events = runScheduler(c, ymd(2026, 3, 1), ymd(2029, 6, 1));
    BOOST_TEST(joined(events) == "renew 2027-03-01, renew 2028-03-01, renew 2029-03-01");
    BOOST_TEST(contractStatusName(c.status) == "active");
    BOOST_TEST(iso(c.end_date) == "2030-03-01");
}

BOOST_AUTO_TEST_CASE(notice_exactly_notice_days_before_the_end_stops_the_renewal_there) {
    Contract c = activeHosted({TK::kOneYear, 0}, ymd(2026, 3, 1), true, 60);
    c.notice_given_on = ymd(2026, 12, 31);  // 2027-03-01 minus 60 days
    BOOST_TEST_REQUIRE(core::daysBetween(*c.notice_given_on, c.end_date) == 60);
    BOOST_TEST(noticeStopsRenewalAt(c, ymd(2027, 3, 1)));
    BOOST_TEST(actionName(actionAt(c, ymd(2027, 3, 1))) == "expire");
    const auto events = runScheduler(c, ymd(2026, 3, 1), ymd(2029, 1, 1));
    BOOST_TEST(joined(events) == "expire 2027-03-01");
    BOOST_TEST(contractStatusName(c.status) == "expired");

    Contract early = activeHosted({TK::kOneYear, 0}, ymd(2026, 3, 1), true, 60);
    early.notice_given_on = ymd(2026, 4, 1);
    BOOST_TEST(joined(runScheduler(early, ymd(2026, 3, 1), ymd(2029, 1, 1))) ==
               "expire 2027-03-01");
}

BOOST_AUTO_TEST_CASE(a_notice_one_day_late_renews_once_and_stops_at_the_next_end) {
    Contract c = activeHosted({TK::kOneYear, 0}, ymd(2026, 3, 1), true, 60);
    c.notice_given_on = ymd(2027, 1, 1);  // 59 days before 2027-03-01
    BOOST_TEST(!noticeStopsRenewalAt(c, ymd(2027, 3, 1)));
    BOOST_TEST(noticeStopsRenewalAt(c, ymd(2028, 3, 1)));
    BOOST_TEST(actionName(actionAt(c, ymd(2027, 3, 1))) == "renew");
    const auto events = runScheduler(c, ymd(2026, 3, 1), ymd(2030, 1, 1));
    BOOST_TEST(joined(events) == "renew 2027-03-01, expire 2028-03-01");
    BOOST_TEST(contractStatusName(c.status) == "expired");
    BOOST_TEST(iso(c.ended_on.value_or(Date{})) == "2028-03-01");
}

BOOST_AUTO_TEST_CASE(month_to_month_with_a_60_day_notice_window_runs_until_60_days_have_passed) {
    struct Case {
        Date notice_on;
        std::string_view expected;
    };
    const Case cases[] = {
        // 22 and 50 days before the first two ends: too late for both.
        {ymd(2026, 1, 10), "renew 2026-02-01, renew 2026-03-01, expire 2026-04-01"},
        // Exactly 60 days before 2026-04-01.
        {ymd(2026, 1, 31), "renew 2026-02-01, renew 2026-03-01, expire 2026-04-01"},
        // 59 days before 2026-04-01: one more month.
        {ymd(2026, 2, 1),
         "renew 2026-02-01, renew 2026-03-01, renew 2026-04-01, expire 2026-05-01"},
        // Given before the contract even started, 60 days ahead of its first end.
        {ymd(2025, 12, 3), "expire 2026-02-01"},
        {ymd(2025, 12, 4), "renew 2026-02-01, expire 2026-03-01"},
    };
    for (const Case& k : cases) {
        BOOST_TEST_CONTEXT("notice on " << iso(k.notice_on)) {
            Contract c = activeHosted({TK::kMonthToMonth, 0}, ymd(2026, 1, 1), true, 60);
            c.notice_given_on = k.notice_on;
            BOOST_TEST(joined(runScheduler(c, ymd(2026, 1, 1), ymd(2027, 1, 1))) == k.expected);
            BOOST_TEST(contractStatusName(c.status) == "expired");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_zero_day_notice_window_accepts_notice_up_to_the_end_date_itself) {
    Contract c = activeHosted({TK::kThreeMonths, 0}, ymd(2026, 1, 1), true, 0);
    c.notice_given_on = ymd(2026, 4, 1);
    BOOST_TEST(noticeStopsRenewalAt(c, ymd(2026, 4, 1)));
    c.notice_given_on = ymd(2026, 4, 2);
    BOOST_TEST(!noticeStopsRenewalAt(c, ymd(2026, 4, 1)));
    BOOST_TEST(noticeStopsRenewalAt(c, ymd(2026, 7, 1)));
    c.notice_given_on.reset();
    BOOST_TEST(!noticeStopsRenewalAt(c, ymd(2026, 4, 1)));
    BOOST_TEST(!noticeStopsRenewalAt(c, ymd(2099, 4, 1)));
}

BOOST_AUTO_TEST_CASE(action_at_does_nothing_before_the_end_and_renews_or_expires_from_it_on) {
    struct Case {
        const char* what;
        Contract contract;
        std::string_view before;
        std::string_view on;
        std::string_view after;
    };
    Contract hosted_renewing = activeHosted({TK::kSixMonths, 0}, ymd(2026, 1, 1), true, 60);
    Contract hosted_fixed = activeHosted({TK::kSixMonths, 0}, ymd(2026, 1, 1), false, 60);
    Contract hosted_noticed = hosted_renewing;
    hosted_noticed.notice_given_on = ymd(2026, 2, 1);
    Contract lease_c = withTerm(activeLease(), {TK::kSixMonths, 0}, ymd(2026, 1, 1));
    Contract lease_flagged = lease_c;
    lease_flagged.auto_renew = true;  // invalid, but never renews a lease
    Contract infinity_c = withTerm(infinity(), {TK::kSixMonths, 0}, ymd(2026, 1, 1));
    infinity_c.status = CS::kActive;
    Contract operations_c = withTerm(operations(), {TK::kSixMonths, 0}, ymd(2026, 1, 1));
    operations_c.status = CS::kActive;
    const Case cases[] = {
        {"hosted, auto-renew", hosted_renewing, "none", "renew", "renew"},
        {"hosted, auto-renew, noticed", hosted_noticed, "none", "expire", "expire"},
        {"hosted, fixed term", hosted_fixed, "none", "expire", "expire"},
        {"lease", lease_c, "none", "expire", "expire"},
        {"lease flagged auto-renew", lease_flagged, "none", "expire", "expire"},
        {"infinity", infinity_c, "none", "expire", "expire"},
        {"o_and_m", operations_c, "none", "expire", "expire"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            BOOST_TEST_REQUIRE(iso(c.contract.end_date) == "2026-07-01");
            BOOST_TEST(actionName(actionAt(c.contract, ymd(2026, 1, 1))) == "none");
            BOOST_TEST(actionName(actionAt(c.contract, ymd(2026, 6, 30))) == c.before);
            BOOST_TEST(actionName(actionAt(c.contract, ymd(2026, 7, 1))) == c.on);
            BOOST_TEST(actionName(actionAt(c.contract, ymd(2026, 7, 2))) == c.after);
            BOOST_TEST(actionName(actionAt(c.contract, ymd(2027, 7, 1))) == c.after);
        }
    }
}

BOOST_AUTO_TEST_CASE(action_at_leaves_contracts_that_are_not_active_alone) {
    for (const CT type : kAllTypes) {
        for (const CS status : {CS::kDraft, CS::kExpired, CS::kCancelled}) {
            BOOST_TEST_CONTEXT(contractTypeName(type) << " " << contractStatusName(status)) {
                Contract c = ofType(type);
                c.status = status;
                BOOST_TEST(actionName(actionAt(c, c.end_date)) == "none");
                BOOST_TEST(actionName(actionAt(c, core::addDays(c.end_date, 400))) == "none");
            }
        }
    }
}

// --- extensions ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_lease_extends_by_one_term_three_times_and_the_fourth_is_refused) {
    Contract c = activeLease();
    BOOST_TEST_REQUIRE(c.max_extensions == 3);
    BOOST_TEST_REQUIRE(iso(c.end_date) == "2027-01-15");
    const std::string_view ends[] = {"2028-01-15", "2029-01-15", "2030-01-15"};
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST_CONTEXT("extension " << i + 1) {
            auto result = extended(c, std::nullopt);
            BOOST_TEST_REQUIRE(result.ok());
            BOOST_TEST(iso(result->end_date) == ends[i]);
            BOOST_TEST(result->extensions_used == i + 1);
            BOOST_TEST(iso(result->start_date) == "2026-01-15");
            BOOST_TEST(contractStatusName(result->status) == "active");
            c = std::move(result).value();
        }
    }
    const auto refused = extended(c, std::nullopt);
    BOOST_TEST_REQUIRE(!refused.ok());
    BOOST_TEST(codeName(refused.error()) == codeName(core::ErrorCode::kValidationFailed));
    BOOST_TEST(describe(fieldErrors(refused.error())) == "{ extensions:limit_reached }");
    BOOST_TEST(!extended(c, 30).ok());
    // Nothing changed on the refused contract.
    BOOST_TEST(c.extensions_used == 3);
    BOOST_TEST(iso(c.end_date) == "2030-01-15");
}

BOOST_AUTO_TEST_CASE(a_lease_extends_by_a_number_of_days_which_counts_as_an_extension) {
    const Contract c = activeLease();
    const auto by_days = extended(c, 45);
    BOOST_TEST_REQUIRE(by_days.ok());
    BOOST_TEST(iso(by_days->end_date) == "2027-03-01");
    BOOST_TEST(by_days->extensions_used == 1);
    BOOST_TEST(c.extensions_used == 0);
    BOOST_TEST(iso(c.end_date) == "2027-01-15");

    for (const int days : {1, kMaxCustomTermDays}) {
        BOOST_TEST_CONTEXT(days << " days") {
            const auto result = extended(c, days);
            BOOST_TEST_REQUIRE(result.ok());
            BOOST_TEST(core::daysBetween(c.end_date, result->end_date) == days);
        }
    }
    for (const int days : {0, -1, kMaxCustomTermDays + 1, std::numeric_limits<int>::min()}) {
        BOOST_TEST_CONTEXT(days << " days") {
            const auto result = extended(c, days);
            BOOST_TEST_REQUIRE(!result.ok());
            BOOST_TEST(codeName(result.error()) == codeName(core::ErrorCode::kValidationFailed));
            BOOST_TEST(describe(fieldErrors(result.error())) == "{ days:out_of_range }");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_lease_extension_follows_the_lease_term) {
    struct Case {
        Term term;
        Date start;
        std::string_view end;
        std::string_view extended_end;
    };
    const Case cases[] = {
        {{TK::kMonthToMonth, 0}, ymd(2026, 1, 31), "2026-02-28", "2026-03-28"},
        {{TK::kThreeMonths, 0}, ymd(2026, 1, 1), "2026-04-01", "2026-07-01"},
        {{TK::kSixMonths, 0}, ymd(2026, 1, 1), "2026-07-01", "2027-01-01"},
        {{TK::kTwoYears, 0}, ymd(2024, 2, 29), "2026-02-28", "2028-02-28"},
        {{TK::kCustom, 100}, ymd(2026, 1, 1), "2026-04-11", "2026-07-20"},
    };
    for (const Case& k : cases) {
        BOOST_TEST_CONTEXT(termKindName(k.term.kind) << " from " << iso(k.start)) {
            const Contract c = withTerm(activeLease(), k.term, k.start);
            BOOST_TEST(iso(c.end_date) == k.end);
            const auto result = extended(c, std::nullopt);
            BOOST_TEST_REQUIRE(result.ok());
            BOOST_TEST(iso(result->end_date) == k.extended_end);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_lease_with_no_extensions_allowed_refuses_the_first) {
    Contract c = activeLease();
    c.max_extensions = 0;
    const auto result = extended(c, std::nullopt);
    BOOST_TEST_REQUIRE(!result.ok());
    BOOST_TEST(describe(fieldErrors(result.error())) == "{ extensions:limit_reached }");

    c.max_extensions = 1;
    BOOST_TEST(extended(c, std::nullopt).ok());
}

BOOST_AUTO_TEST_CASE(only_lease_contracts_extend) {
    for (const CT type : {CT::kHosted, CT::kInfinity, CT::kOperations}) {
        for (const CS status : {CS::kActive, CS::kDraft}) {
            BOOST_TEST_CONTEXT(contractTypeName(type) << " " << contractStatusName(status)) {
                Contract c = ofType(type);
                c.status = status;
                const auto result = extended(c, std::nullopt);
                BOOST_TEST_REQUIRE(!result.ok());
                BOOST_TEST(codeName(result.error()) ==
                           codeName(core::ErrorCode::kValidationFailed));
                BOOST_TEST(describe(fieldErrors(result.error())) == "{ type:not_allowed }");
                BOOST_TEST(!extended(c, 30).ok());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_lease_that_is_not_active_cannot_be_extended) {
    for (const CS status : {CS::kDraft, CS::kExpired, CS::kCancelled}) {
        BOOST_TEST_CONTEXT(contractStatusName(status)) {
            Contract c = lease();
            c.status = status;
            for (const std::optional<int> days : {std::optional<int>{}, std::optional<int>{30}}) {
                const auto result = extended(c, days);
                BOOST_TEST_REQUIRE(!result.ok());
                BOOST_TEST(codeName(result.error()) ==
                           codeName(core::ErrorCode::kInvalidTransition));
                const std::map<std::string, std::string> expected{
                    {"status", std::string(contractStatusName(status))}};
                BOOST_TEST(describe(fieldErrors(result.error())) == describe(expected));
            }
        }
    }
}

// --- activation ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(activation_needs_equipment_for_hosted_and_lease_and_sites_for_o_and_m) {
    struct Case {
        CT type;
        std::size_t equipment;
        std::size_t sites;
        std::string_view expected;  // "" when it may activate
    };
    const Case cases[] = {
        {CT::kHosted, 1, 0, ""},
        {CT::kHosted, 40, 2, ""},
        {CT::kHosted, 0, 0, "{ equipment:required }"},
        {CT::kHosted, 0, 3, "{ equipment:required }"},
        {CT::kLease, 1, 0, ""},
        {CT::kLease, 0, 0, "{ equipment:required }"},
        {CT::kLease, 0, 1, "{ equipment:required }"},
        {CT::kOperations, 0, 1, ""},
        {CT::kOperations, 5, 2, ""},
        {CT::kOperations, 0, 0, "{ sites:required }"},
        {CT::kOperations, 8, 0, "{ sites:required }"},
        {CT::kInfinity, 0, 0, ""},
        {CT::kInfinity, 3, 1, ""},
    };
    for (const Case& k : cases) {
        BOOST_TEST_CONTEXT(contractTypeName(k.type)
                           << " with " << k.equipment << " miners, " << k.sites << " sites") {
            const auto status = checkActivation(ofType(k.type), k.equipment, k.sites);
            if (k.expected.empty()) {
                BOOST_TEST(status.ok(), describe(fieldErrors(status)));
            } else {
                BOOST_TEST_REQUIRE(!status.ok());
                BOOST_TEST(codeName(status.error()) ==
                           codeName(core::ErrorCode::kValidationFailed));
                BOOST_TEST(describe(fieldErrors(status)) == k.expected);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(activation_is_only_from_draft_and_names_the_current_status) {
    for (const CT type : kAllTypes) {
        for (const CS status : {CS::kActive, CS::kExpired, CS::kCancelled}) {
            BOOST_TEST_CONTEXT(contractTypeName(type) << " " << contractStatusName(status)) {
                Contract c = ofType(type);
                c.status = status;
                for (const std::size_t count : {std::size_t{0}, std::size_t{3}}) {
                    const auto result = checkActivation(c, count, count);
                    BOOST_TEST_REQUIRE(!result.ok());
                    BOOST_TEST(codeName(result.error()) ==
                               codeName(core::ErrorCode::kInvalidTransition));
                    const std::map<std::string, std::string> expected{
                        {"status", std::string(contractStatusName(status))}};
                    BOOST_TEST(describe(fieldErrors(result)) == describe(expected));
                    BOOST_TEST(result.error().detail.find(contractStatusName(status)) !=
                               std::string::npos);
                }
            }
        }
    }
}

// --- validation ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_complete_contract_of_each_type_passes_validation) {
    for (const CT type : kAllTypes) {
        for (const CS status : {CS::kDraft, CS::kActive}) {
            BOOST_TEST_CONTEXT(contractTypeName(type) << " " << contractStatusName(status)) {
                Contract c = ofType(type);
                c.status = status;
                const auto result = validateContract(c);
                BOOST_TEST(result.ok(), describe(fieldErrors(result)));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(validate_accepts_the_boundaries_of_each_range) {
    struct Case {
        const char* what;
        CT type;
        void (*adjust)(Contract&);
    };
    const Case cases[] = {
        {"three distinct billing methods", CT::kHosted,
         [](Contract& c) {
             c.billing_methods = {"hash", "calculated", "metered"};
         }},
        {"one billing method", CT::kLease, [](Contract& c) { c.billing_methods = {"hash"}; }},
        {"rate of one micro-unit", CT::kHosted, [](Contract& c) { c.rate_micro = 1; }},
        {"no notice window", CT::kHosted, [](Contract& c) { c.notice_days = 0; }},
        {"longest notice window", CT::kHosted, [](Contract& c) { c.notice_days = kMaxNoticeDays; }},
        {"no extensions", CT::kLease, [](Contract& c) { c.max_extensions = 0; }},
        {"most extensions", CT::kLease,
         [](Contract& c) { c.max_extensions = kMaxExtensionsLimit; }},
        {"all extensions used", CT::kLease,
         [](Contract& c) {
             c.max_extensions = 2;
             c.extensions_used = 2;
         }},
        {"max_extensions ignored on hosted", CT::kHosted,
         [](Contract& c) { c.max_extensions = 1000; }},
        {"max_extensions ignored on infinity", CT::kInfinity,
         [](Contract& c) { c.max_extensions = -1; }},
        {"smallest hashprice percent", CT::kLease,
         [](Contract& c) { c.failover_hashprice_bp = 1; }},
        {"largest hashprice percent", CT::kLease,
         [](Contract& c) { c.failover_hashprice_bp = 100000; }},
        {"hashprice from manual", CT::kLease,
         [](Contract& c) { c.failover_hashprice_source = "manual"; }},
        {"hashprice from braiins", CT::kLease,
         [](Contract& c) { c.failover_hashprice_source = "braiins"; }},
        {"hashprice from hashrate_index", CT::kHosted,
         [](Contract& c) {
             c.failover_mode = FailoverMode::kHashprice;
             c.failover_hashprice_bp = 10000;
             c.failover_hashprice_source = "hashrate_index";
         }},
        {"fixed-rate failover", CT::kHosted,
         [](Contract& c) {
             c.failover_mode = FailoverMode::kFixedRate;
             c.failover_rate_micro = 1;
         }},
        {"no power cap", CT::kHosted, [](Contract& c) { c.power_cap_w.reset(); }},
        {"one watt power cap", CT::kLease, [](Contract& c) { c.power_cap_w = 1; }},
        {"one miner", CT::kInfinity, [](Contract& c) { c.quantity = 1; }},
        {"no connector fee", CT::kInfinity, [](Contract& c) { c.connector_fee_bp = 0; }},
        {"full connector fee", CT::kInfinity, [](Contract& c) { c.connector_fee_bp = 10000; }},
        {"base58 wallet", CT::kInfinity,
         [](Contract& c) { c.payout_wallet = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"; }},
        {"free service", CT::kOperations, [](Contract& c) { c.service_fee_per_site_minor = 0; }},
        {"free management", CT::kOperations, [](Contract& c) { c.management_fee_rate_micro = 0; }},
        {"no management fee", CT::kOperations,
         [](Contract& c) { c.management_fee_rate_micro.reset(); }},
        {"o_and_m with an energy rate", CT::kOperations, [](Contract& c) { c.rate_micro = 1; }},
        {"one-day custom term", CT::kOperations,
         [](Contract& c) {
             c = withTerm(c, {TK::kCustom, 1}, c.start_date);
         }},
        {"longest custom term", CT::kOperations,
         [](Contract& c) {
             c = withTerm(c, {TK::kCustom, kMaxCustomTermDays}, c.start_date);
         }},
        {"end date one day after start", CT::kHosted,
         [](Contract& c) {
             c.end_date = core::addDays(c.start_date, 1);
             c.end_date_overridden = true;
         }},
        {"largest rate", CT::kHosted,
         [](Contract& c) { c.rate_micro = std::numeric_limits<std::int64_t>::max(); }},
    };
    for (const Case& k : cases) {
        BOOST_TEST_CONTEXT(contractTypeName(k.type) << ": " << k.what) {
            Contract c = ofType(k.type);
            k.adjust(c);
            const auto status = validateContract(c);
            BOOST_TEST(status.ok(), describe(fieldErrors(status)));
        }
    }
}

BOOST_AUTO_TEST_CASE(validate_needs_one_to_three_distinct_billing_methods_on_hosted_and_lease) {
    for (const CT type : {CT::kHosted, CT::kLease}) {
        expectOneViolation({
            {"no billing method", type, [](Contract& c) { c.billing_methods.clear(); },
             "billing_methods", "required"},
            {"four billing methods", type,
             [](Contract& c) {
                 c.billing_methods = {"metered", "hash", "calculated", "metered"};
             },
             "billing_methods", "out_of_range"},
            {"the same method twice", type,
             [](Contract& c) {
                 c.billing_methods = {"metered", "metered"};
             },
             "billing_methods", "duplicate"},
            {"a repeat after another method", type,
             [](Contract& c) {
                 c.billing_methods = {"hash", "calculated", "hash"};
             },
             "billing_methods", "duplicate"},
            {"an unknown method", type,
             [](Contract& c) {
                 c.billing_methods = {"metered", "Bad-Name"};
             },
             "billing_methods", "invalid_enum"},
        });
    }
}

BOOST_AUTO_TEST_CASE(validate_refuses_billing_methods_on_infinity_and_o_and_m) {
    for (const CT type : {CT::kInfinity, CT::kOperations}) {
        expectOneViolation({
            {"one billing method", type, [](Contract& c) { c.billing_methods = {"metered"}; },
             "billing_methods", "not_allowed"},
            {"three billing methods", type,
             [](Contract& c) {
                 c.billing_methods = {"metered", "hash", "calculated"};
             },
             "billing_methods", "not_allowed"},
        });
    }
}

BOOST_AUTO_TEST_CASE(validate_needs_a_positive_rate_on_hosted_and_lease) {
    for (const CT type : {CT::kHosted, CT::kLease}) {
        expectOneViolation({
            {"no rate", type, [](Contract& c) { c.rate_micro.reset(); }, "rate_per_kwh",
             "required"},
            {"zero rate", type, [](Contract& c) { c.rate_micro = 0; }, "rate_per_kwh",
             "out_of_range"},
            {"negative rate", type, [](Contract& c) { c.rate_micro = -1; }, "rate_per_kwh",
             "out_of_range"},
            {"most negative rate", type,
             [](Contract& c) { c.rate_micro = std::numeric_limits<std::int64_t>::min(); },
             "rate_per_kwh", "out_of_range"},
        });
    }
    expectOneViolation({
        {"zero rate", CT::kOperations, [](Contract& c) { c.rate_micro = 0; }, "rate_per_kwh",
         "out_of_range"},
    });
}

// Infinity may carry its own rate for the hash streams' energy (the tenant's default otherwise);
// a lease fee is Lease-only; a discount is 0..100 % on any type.
BOOST_AUTO_TEST_CASE(validate_takes_a_rate_on_infinity_a_lease_fee_on_lease_only_and_a_discount) {
    Contract infinity = ofType(CT::kInfinity);
    infinity.rate_micro = 65000;
    BOOST_TEST(validateContract(infinity).ok());
    Contract lease = ofType(CT::kLease);
    lease.lease_fee_per_unit_minor = 15000;
    lease.discount_bp = 10000;
    BOOST_TEST(validateContract(lease).ok());
    expectOneViolation({
        {"a zero rate", CT::kInfinity, [](Contract& c) { c.rate_micro = 0; }, "rate_per_kwh",
         "out_of_range"},
        {"a lease fee", CT::kHosted, [](Contract& c) { c.lease_fee_per_unit_minor = 100; },
         "lease_fee_per_unit", "not_allowed"},
        {"a negative lease fee", CT::kLease, [](Contract& c) { c.lease_fee_per_unit_minor = -1; },
         "lease_fee_per_unit", "out_of_range"},
        {"a discount over 100 %", CT::kOperations, [](Contract& c) { c.discount_bp = 10001; },
         "discount_percent", "out_of_range"},
        {"a negative discount", CT::kHosted, [](Contract& c) { c.discount_bp = -1; },
         "discount_percent", "out_of_range"},
    });
}

BOOST_AUTO_TEST_CASE(validate_allows_auto_renew_on_hosted_only) {
    for (const CT type : {CT::kLease, CT::kInfinity, CT::kOperations}) {
        expectOneViolation({
            {"auto-renew", type, [](Contract& c) { c.auto_renew = true; }, "auto_renew",
             "not_allowed"},
        });
    }
    Contract c = hosted();
    c.auto_renew = false;
    BOOST_TEST(validateContract(c).ok());
}

BOOST_AUTO_TEST_CASE(validate_keeps_notice_days_within_0_to_730) {
    for (const CT type : kAllTypes) {
        expectOneViolation({
            {"negative notice", type, [](Contract& c) { c.notice_days = -1; }, "notice_days",
             "out_of_range"},
            {"731 days notice", type, [](Contract& c) { c.notice_days = kMaxNoticeDays + 1; },
             "notice_days", "out_of_range"},
            {"most negative notice", type,
             [](Contract& c) { c.notice_days = std::numeric_limits<int>::min(); }, "notice_days",
             "out_of_range"},
        });
    }
}

BOOST_AUTO_TEST_CASE(validate_keeps_lease_max_extensions_within_0_to_100) {
    expectOneViolation({
        {"negative max", CT::kLease, [](Contract& c) { c.max_extensions = -1; }, "max_extensions",
         "out_of_range"},
        {"101 extensions", CT::kLease,
         [](Contract& c) { c.max_extensions = kMaxExtensionsLimit + 1; }, "max_extensions",
         "out_of_range"},
    });
}

BOOST_AUTO_TEST_CASE(validate_refuses_a_max_below_the_extensions_already_used) {
    expectOneViolation({
        {"max lowered below used", CT::kLease,
         [](Contract& c) {
             c.extensions_used = 3;
             c.max_extensions = 2;
         },
         "max_extensions", "out_of_range"},
        {"max zero after one extension", CT::kLease,
         [](Contract& c) {
             c.extensions_used = 1;
             c.max_extensions = 0;
         },
         "max_extensions", "out_of_range"},
    });
}

BOOST_AUTO_TEST_CASE(validate_refuses_failover_on_infinity_and_o_and_m) {
    for (const CT type : {CT::kInfinity, CT::kOperations}) {
        expectOneViolation({
            {"fixed-rate mode", type,
             [](Contract& c) { c.failover_mode = FailoverMode::kFixedRate; }, "failover_mode",
             "not_allowed"},
            {"hashprice mode", type,
             [](Contract& c) { c.failover_mode = FailoverMode::kHashprice; }, "failover_mode",
             "not_allowed"},
            {"a failover rate", type, [](Contract& c) { c.failover_rate_micro = 80000; },
             "failover_rate_per_kwh", "not_allowed"},
            {"a hashprice percent", type, [](Contract& c) { c.failover_hashprice_bp = 9000; },
             "failover_hashprice_percent", "not_allowed"},
            {"a hashprice source", type, [](Contract& c) { c.failover_hashprice_source = "luxor"; },
             "failover_hashprice_source", "not_allowed"},
        });
    }
}

BOOST_AUTO_TEST_CASE(validate_hashprice_failover_needs_a_percent_and_a_known_source) {
    expectOneViolation({
        {"no percent", CT::kLease, [](Contract& c) { c.failover_hashprice_bp.reset(); },
         "failover_hashprice_percent", "required"},
        {"zero percent", CT::kLease, [](Contract& c) { c.failover_hashprice_bp = 0; },
         "failover_hashprice_percent", "out_of_range"},
        {"negative percent", CT::kLease, [](Contract& c) { c.failover_hashprice_bp = -100; },
         "failover_hashprice_percent", "out_of_range"},
        {"over 1000 percent", CT::kLease, [](Contract& c) { c.failover_hashprice_bp = 100001; },
         "failover_hashprice_percent", "out_of_range"},
        {"no source", CT::kLease, [](Contract& c) { c.failover_hashprice_source.reset(); },
         "failover_hashprice_source", "required"},
        {"unknown source", CT::kLease,
         [](Contract& c) { c.failover_hashprice_source = "coinbase"; }, "failover_hashprice_source",
         "invalid_enum"},
        {"source in the wrong case", CT::kLease,
         [](Contract& c) { c.failover_hashprice_source = "Luxor"; }, "failover_hashprice_source",
         "invalid_enum"},
        {"empty source", CT::kLease, [](Contract& c) { c.failover_hashprice_source = ""; },
         "failover_hashprice_source", "invalid_enum"},
        {"a fixed rate as well", CT::kLease, [](Contract& c) { c.failover_rate_micro = 80000; },
         "failover_rate_per_kwh", "not_allowed"},
    });
}

BOOST_AUTO_TEST_CASE(validate_fixed_rate_failover_needs_a_positive_rate) {
    const auto fixed = [](Contract& c) {
        c.failover_mode = FailoverMode::kFixedRate;
        c.failover_hashprice_bp.reset();
        c.failover_hashprice_source.reset();
        c.failover_rate_micro = 80000;
    };
    Contract base = lease();
    fixed(base);
    BOOST_TEST_REQUIRE(validateContract(base).ok());
    struct Case {
        const char* what;
        void (*spoil)(Contract&);
        std::string_view expected;
    };
    const Case cases[] = {
        {"no rate", [](Contract& c) { c.failover_rate_micro.reset(); },
         "{ failover_rate_per_kwh:required }"},
        {"zero rate", [](Contract& c) { c.failover_rate_micro = 0; },
         "{ failover_rate_per_kwh:out_of_range }"},
        {"negative rate", [](Contract& c) { c.failover_rate_micro = -5; },
         "{ failover_rate_per_kwh:out_of_range }"},
        {"a hashprice percent", [](Contract& c) { c.failover_hashprice_bp = 9000; },
         "{ failover_hashprice_percent:not_allowed }"},
        {"a hashprice source", [](Contract& c) { c.failover_hashprice_source = "luxor"; },
         "{ failover_hashprice_source:not_allowed }"},
    };
    for (const CT type : {CT::kHosted, CT::kLease}) {
        for (const Case& k : cases) {
            BOOST_TEST_CONTEXT(contractTypeName(type) << ": " << k.what) {
                Contract c = ofType(type);
                fixed(c);
                k.spoil(c);
                const auto status = validateContract(c);
                BOOST_TEST_REQUIRE(!status.ok());
                BOOST_TEST(codeName(status.error()) ==
                           codeName(core::ErrorCode::kValidationFailed));
                BOOST_TEST(describe(fieldErrors(status)) == k.expected);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(validate_failover_off_takes_no_failover_settings) {
    for (const CT type : {CT::kHosted, CT::kLease}) {
        expectOneViolation({
            {"off with a rate", type,
             [](Contract& c) {
                 c.failover_mode = FailoverMode::kOff;
                 c.failover_hashprice_bp.reset();
                 c.failover_hashprice_source.reset();
                 c.failover_rate_micro = 80000;
             },
             "failover_rate_per_kwh", "not_allowed"},
            {"off with a percent", type,
             [](Contract& c) {
                 c.failover_mode = FailoverMode::kOff;
                 c.failover_hashprice_bp = 9000;
                 c.failover_hashprice_source.reset();
             },
             "failover_hashprice_percent", "not_allowed"},
            {"off with a source", type,
             [](Contract& c) {
                 c.failover_mode = FailoverMode::kOff;
                 c.failover_hashprice_bp.reset();
                 c.failover_hashprice_source = "luxor";
             },
             "failover_hashprice_source", "not_allowed"},
            {"an unknown mode", type,
             [](Contract& c) { c.failover_mode = static_cast<FailoverMode>(9); }, "failover_mode",
             "invalid_enum"},
        });
    }
}

BOOST_AUTO_TEST_CASE(validate_infinity_needs_a_miner_spec_quantity_fee_and_wallet) {
    expectOneViolation({
        {"no model", CT::kInfinity, [](Contract& c) { c.miner_model.reset(); }, "miner_model",
         "required"},
        {"empty model", CT::kInfinity, [](Contract& c) { c.miner_model = ""; }, "miner_model",
         "required"},
        {"blank model", CT::kInfinity, [](Contract& c) { c.miner_model = "  \t"; }, "miner_model",
         "required"},
        {"no hashrate", CT::kInfinity, [](Contract& c) { c.miner_hashrate_mth.reset(); },
         "miner_hashrate_ths", "required"},
        {"zero hashrate", CT::kInfinity, [](Contract& c) { c.miner_hashrate_mth = 0; },
         "miner_hashrate_ths", "out_of_range"},
        {"negative hashrate", CT::kInfinity, [](Contract& c) { c.miner_hashrate_mth = -1; },
         "miner_hashrate_ths", "out_of_range"},
        {"no efficiency", CT::kInfinity, [](Contract& c) { c.miner_efficiency_mjth.reset(); },
         "miner_efficiency_jth", "required"},
        {"zero efficiency", CT::kInfinity, [](Contract& c) { c.miner_efficiency_mjth = 0; },
         "miner_efficiency_jth", "out_of_range"},
        {"no quantity", CT::kInfinity, [](Contract& c) { c.quantity.reset(); }, "quantity",
         "required"},
        {"zero quantity", CT::kInfinity, [](Contract& c) { c.quantity = 0; }, "quantity",
         "out_of_range"},
        {"negative quantity", CT::kInfinity, [](Contract& c) { c.quantity = -3; }, "quantity",
         "out_of_range"},
        {"no connector fee", CT::kInfinity, [](Contract& c) { c.connector_fee_bp.reset(); },
         "connector_fee_percent", "required"},
        {"negative connector fee", CT::kInfinity, [](Contract& c) { c.connector_fee_bp = -1; },
         "connector_fee_percent", "out_of_range"},
        {"connector fee over 100 %", CT::kInfinity, [](Contract& c) { c.connector_fee_bp = 10001; },
         "connector_fee_percent", "out_of_range"},
        {"no wallet", CT::kInfinity, [](Contract& c) { c.payout_wallet.reset(); }, "payout_wallet",
         "required"},
        {"empty wallet", CT::kInfinity, [](Contract& c) { c.payout_wallet = ""; }, "payout_wallet",
         "invalid_wallet"},
        {"an ethereum wallet", CT::kInfinity,
         [](Contract& c) { c.payout_wallet = "0x52908400098527886E0F7030069857D2E4169EE7"; },
         "payout_wallet", "invalid_wallet"},
    });
}

BOOST_AUTO_TEST_CASE(validate_refuses_infinity_fields_on_other_types) {
    for (const CT type : {CT::kHosted, CT::kLease, CT::kOperations}) {
        expectOneViolation({
            {"a model", type, [](Contract& c) { c.miner_model = "Antminer S21"; }, "miner_model",
             "not_allowed"},
            {"an empty model", type, [](Contract& c) { c.miner_model = ""; }, "miner_model",
             "not_allowed"},
            {"a hashrate", type, [](Contract& c) { c.miner_hashrate_mth = 200000; },
             "miner_hashrate_ths", "not_allowed"},
            {"an efficiency", type, [](Contract& c) { c.miner_efficiency_mjth = 17500; },
             "miner_efficiency_jth", "not_allowed"},
            {"a quantity", type, [](Contract& c) { c.quantity = 1; }, "quantity", "not_allowed"},
            {"a connector fee", type, [](Contract& c) { c.connector_fee_bp = 0; },
             "connector_fee_percent", "not_allowed"},
            {"a wallet", type,
             [](Contract& c) { c.payout_wallet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"; },
             "payout_wallet", "not_allowed"},
        });
    }
}

BOOST_AUTO_TEST_CASE(validate_o_and_m_needs_a_service_fee_and_takes_an_optional_management_fee) {
    expectOneViolation({
        {"no service fee", CT::kOperations,
         [](Contract& c) { c.service_fee_per_site_minor.reset(); }, "service_fee_per_site",
         "required"},
        {"negative service fee", CT::kOperations,
         [](Contract& c) { c.service_fee_per_site_minor = -1; }, "service_fee_per_site",
         "out_of_range"},
        {"negative management fee", CT::kOperations,
         [](Contract& c) { c.management_fee_rate_micro = -1; }, "management_fee_per_kwh",
         "out_of_range"},
    });
}

BOOST_AUTO_TEST_CASE(validate_refuses_o_and_m_fields_on_other_types) {
    for (const CT type : {CT::kHosted, CT::kLease, CT::kInfinity}) {
        expectOneViolation({
            {"a service fee", type, [](Contract& c) { c.service_fee_per_site_minor = 0; },
             "service_fee_per_site", "not_allowed"},
            {"a management fee", type, [](Contract& c) { c.management_fee_rate_micro = 5000; },
             "management_fee_per_kwh", "not_allowed"},
        });
    }
}

BOOST_AUTO_TEST_CASE(validate_needs_a_positive_power_cap_when_one_is_given) {
    for (const CT type : kAllTypes) {
        expectOneViolation({
            {"zero power cap", type, [](Contract& c) { c.power_cap_w = 0; }, "power_cap_kw",
             "out_of_range"},
            {"negative power cap", type, [](Contract& c) { c.power_cap_w = -1000; }, "power_cap_kw",
             "out_of_range"},
        });
    }
}

BOOST_AUTO_TEST_CASE(validate_needs_the_end_date_after_the_start_date) {
    for (const CT type : kAllTypes) {
        expectOneViolation({
            {"end on the start date", type, [](Contract& c) { c.end_date = c.start_date; },
             "end_date", "invalid_date_range"},
            {"end a day before the start", type,
             [](Contract& c) { c.end_date = core::addDays(c.start_date, -1); }, "end_date",
             "invalid_date_range"},
            {"end a year before the start", type,
             [](Contract& c) { c.end_date = core::addMonthsClamped(c.start_date, -12); },
             "end_date", "invalid_date_range"},
        });
    }
}

BOOST_AUTO_TEST_CASE(validate_keeps_a_custom_term_within_1_to_3660_days) {
    expectOneViolation({
        {"zero-day term", CT::kOperations, [](Contract& c) { c.term.custom_days = 0; }, "term_days",
         "out_of_range"},
        {"negative term", CT::kOperations, [](Contract& c) { c.term.custom_days = -5; },
         "term_days", "out_of_range"},
        {"3661-day term", CT::kOperations,
         [](Contract& c) { c.term.custom_days = kMaxCustomTermDays + 1; }, "term_days",
         "out_of_range"},
        {"custom term on hosted without days", CT::kHosted,
         [](Contract& c) {
             c.term = {TK::kCustom, 0};
         },
         "term_days", "out_of_range"},
    });
}

BOOST_AUTO_TEST_CASE(validate_refuses_term_days_on_a_term_that_is_not_custom) {
    for (const CT type : kAllTypes) {
        expectOneViolation({
            {"days on a one-year term", type,
             [](Contract& c) {
                 c.term = {TK::kOneYear, 30};
             },
             "term_days", "not_allowed"},
            {"days on month-to-month", type,
             [](Contract& c) {
                 c.term = {TK::kMonthToMonth, 1};
             },
             "term_days", "not_allowed"},
        });
    }
}

BOOST_AUTO_TEST_CASE(validate_reports_every_violation_at_once_one_entry_per_field) {
    Contract c = hosted();
    c.billing_methods.clear();
    c.rate_micro = 0;
    c.notice_days = -1;
    c.failover_mode = FailoverMode::kHashprice;  // without percent or source
    c.miner_model = "S19";
    c.quantity = 0;
    c.service_fee_per_site_minor = 100;
    c.power_cap_w = 0;
    c.end_date = c.start_date;
    c.term.custom_days = 12;
    const auto status = validateContract(c);
    BOOST_TEST_REQUIRE(!status.ok());
    BOOST_TEST(codeName(status.error()) == codeName(core::ErrorCode::kValidationFailed));
    const std::map<std::string, std::string> expected{
        {"billing_methods", "required"},
        {"rate_per_kwh", "out_of_range"},
        {"notice_days", "out_of_range"},
        {"failover_hashprice_percent", "required"},
        {"failover_hashprice_source", "required"},
        {"miner_model", "not_allowed"},
        {"quantity", "not_allowed"},
        {"service_fee_per_site", "not_allowed"},
        {"power_cap_kw", "out_of_range"},
        {"end_date", "invalid_date_range"},
        {"term_days", "not_allowed"},
    };
    BOOST_TEST(describe(fieldErrors(status)) == describe(expected));
    BOOST_TEST(status.error().fields.size() == expected.size());

    Contract i = infinity();
    i.billing_methods = {"metered"};
    i.rate_micro = 1;
    i.auto_renew = true;
    i.failover_mode = FailoverMode::kFixedRate;
    i.failover_rate_micro = 1;
    i.miner_model.reset();
    i.miner_hashrate_mth = 0;
    i.miner_efficiency_mjth.reset();
    i.connector_fee_bp = 20000;
    i.payout_wallet = "bc1";
    i.management_fee_rate_micro = 1;
    const auto infinity_status = validateContract(i);
    BOOST_TEST_REQUIRE(!infinity_status.ok());
    const std::map<std::string, std::string> infinity_expected{
        {"billing_methods", "not_allowed"},   {"auto_renew", "not_allowed"},
        {"failover_mode", "not_allowed"},     {"failover_rate_per_kwh", "not_allowed"},
        {"miner_model", "required"},          {"miner_hashrate_ths", "out_of_range"},
        {"miner_efficiency_jth", "required"}, {"connector_fee_percent", "out_of_range"},
        {"payout_wallet", "invalid_wallet"},  {"management_fee_per_kwh", "not_allowed"},
    };
    BOOST_TEST(describe(fieldErrors(infinity_status)) == describe(infinity_expected));
    BOOST_TEST(infinity_status.error().fields.size() == infinity_expected.size());
}

// --- payout wallets ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(is_valid_payout_wallet_accepts_bech32_and_base58_addresses) {
    const std::string cases[] = {
        // bech32 / bech32m
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",  // all upper case is allowed
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
        "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr",
        "bc1" + std::string(11, 'q'),  // the shortest
        "bc1" + std::string(71, 'p'),  // the longest
        // base58
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "1" + std::string(25, 'z'),  // the shortest
        "3" + std::string(34, 'A'),                                        // the longest
    };
    for (const std::string& address : cases) {
        BOOST_TEST_CONTEXT(address << " (" << address.size() << " chars)") {
            BOOST_TEST(isValidPayoutWallet(address));
        }
    }
}

BOOST_AUTO_TEST_CASE(is_valid_payout_wallet_refuses_malformed_addresses) {
    const std::string cases[] = {
        "",
        "bc1",
        "1",
        // bech32 too short / too long
        "bc1" + std::string(10, 'q'),
        "bc1" + std::string(72, 'q'),
        // mixed case
        "bc1Qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "BC1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdQ",
        // characters outside the bech32 alphabet (1, b, i, o)
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdb",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdi",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdo",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5md1",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzw-5mdq",
        // another network or separator
        "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
        "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080",
        "bc2qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        // whitespace
        " bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\n",
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa ",
        // base58 too short / too long
        "1" + std::string(24, 'z'),
        "3" + std::string(35, 'A'),
        // base58 with 0, O, I or l
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf0a",
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfOa",
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfIa",
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7Divfla",
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf+a",
        // base58 with another version prefix
        "2A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",
        "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
        // not bitcoin
        "0x52908400098527886E0F7030069857D2E4169EE7",
        std::string("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\0", 43),
    };
    for (const std::string& address : cases) {
        BOOST_TEST_CONTEXT(address << " (" << address.size() << " chars)") {
            BOOST_TEST(!isValidPayoutWallet(address));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::domain
