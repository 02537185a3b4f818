#include "domain/period.h"

namespace billwright::domain {
namespace {

using std::chrono::months;
using std::chrono::year_month;

unsigned billingDay(const BillingSchedule& s) { return static_cast<unsigned>(s.billing_day); }

// The first anchor month (by frequency) at or before `ym`.
year_month anchorMonthAtOrBefore(const BillingSchedule& s, year_month ym) {
    const int step = monthsPerPeriod(s.frequency);
    const int month_index = static_cast<int>(static_cast<unsigned>(ym.month())) - 1;
    return year_month{ym.year(), std::chrono::January} + months{(month_index / step) * step};
}

Period periodFrom(const BillingSchedule& s, year_month anchor) {
    const int step = monthsPerPeriod(s.frequency);
    return Period{core::clampedDay(anchor, billingDay(s)),
                  core::clampedDay(anchor + months{step}, billingDay(s))};
}

}  // namespace

Period periodContaining(const BillingSchedule& schedule, core::Date day) {
    year_month anchor = anchorMonthAtOrBefore(schedule, year_month{day.year(), day.month()});
    Period p = periodFrom(schedule, anchor);
    if (std::chrono::sys_days{day} < std::chrono::sys_days{p.start}) {
        p = periodFrom(schedule, anchor - months{monthsPerPeriod(schedule.frequency)});
    }
    return p;
}

std::optional<Period> periodStartingOn(const BillingSchedule& schedule, core::Date start) {
    const Period p = periodContaining(schedule, start);
    if (p.start != start) return std::nullopt;
    return p;
}

}  // namespace billwright::domain
