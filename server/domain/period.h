#pragma once

#include <optional>

#include "core/date.h"
#include "domain/billing_config.h"

namespace billwright::domain {

// A billing period, half-open [start, end), in civil dates of the tenant's time zone.
struct Period {
    core::Date start;
    core::Date end;
    bool operator==(const Period&) const = default;
};

// When periods begin. Monthly periods start every month; quarterly ones in January, April,
// July and October; annual ones in January — each on the billing day, clamped to the last
// day of a shorter month (billing day 31 starts February's period on the 28th or 29th).
struct BillingSchedule {
    BillingFrequency frequency = BillingFrequency::kMonthly;
    int billing_day = 1;  // 1..31
};

Period periodContaining(const BillingSchedule& schedule, core::Date day);
// The period that starts exactly on `start`, or nullopt if no period starts that day.
std::optional<Period> periodStartingOn(const BillingSchedule& schedule, core::Date start);

}  // namespace billwright::domain
