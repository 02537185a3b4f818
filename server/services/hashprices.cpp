#include "services/hashprices.h"

#include <algorithm>

#include "domain/contract.h"
#include "domain/currency.h"
#include "services/audit.h"
#include "services/representation.h"

namespace billwright::services {

using core::Error;
using core::JsonValue;

namespace {
constexpr int kMaxListDays = 400;
}

core::Status checkHashpriceSource(const std::string& source) {
    const auto& all = domain::kHashpriceSources;
    if (std::find(std::begin(all), std::end(all), source) == std::end(all))
        return Error::validation("source", "invalid_enum",
                                 "must be manual, luxor, braiins or hashrate_index");
    return {};
}

Hashprices::Hashprices(storage::Store& store, const core::Clock& clock)
    : store_(store), clock_(clock) {}

core::Result<domain::HashpriceQuote> Hashprices::put(const Actor& actor,
                                                     const std::string& tenant_id,
                                                     const std::string& source, core::Date day,
                                                     std::int64_t price_micro,
                                                     std::optional<std::string> currency) {
    if (auto s = checkHashpriceSource(source); !s.ok()) return std::move(s).error();
    if (currency && !domain::findCurrency(*currency))
        return Error::validation("currency", "unknown_currency", "must be an ISO 4217 code");
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<domain::HashpriceQuote> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        domain::HashpriceQuote q;
        q.tenant_id = tenant_id;
        q.source = source;
        q.day = day;
        q.currency = currency.value_or(std::string(tenant->default_currency.code));
        q.price_micro = price_micro;
        q.recorded_at = clock_.nowSeconds();
        const auto before = uow.hashprices().span(tenant_id, source, day, day);
        std::optional<JsonValue> previous;
        if (!before.empty() && before.back().day == day) previous = toJson(before.back());
        uow.hashprices().upsert(q);
        recordAudit(uow, actor, clock_, tenant_id, "hashprice.recorded", "hashprice",
                    source + "/" + core::formatIsoDate(day), previous, toJson(q));
        return q;
    });
}

core::Result<std::vector<domain::HashpriceQuote>> Hashprices::list(const std::string& tenant_id,
                                                                   const std::string& source,
                                                                   core::Date from, core::Date to) {
    if (auto s = checkHashpriceSource(source); !s.ok()) return std::move(s).error();
    if (to < from) return Error::validation("to", "invalid_range", "must not be before from");
    if (core::daysBetween(from, to) > kMaxListDays)
        return Error::validation("to", "out_of_range", "a list covers at most 400 days");
    return store_.read([&](storage::UnitOfWork& uow) {
        auto quotes = uow.hashprices().span(tenant_id, source, from, to);
        // span() also returns the quote still holding at `from`; a list shows only the range.
        std::erase_if(quotes, [&](const auto& q) { return q.day < from; });
        return core::Result<std::vector<domain::HashpriceQuote>>(std::move(quotes));
    });
}

JsonValue toJson(const domain::HashpriceQuote& q) {
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("hashprice"))
        .set("source", JsonValue::string(q.source))
        .set("day", JsonValue::string(core::formatIsoDate(q.day)))
        .set("currency", JsonValue::string(q.currency))
        .set("price_per_th_day", fixedJson(q.price_micro, 6))
        .set("recorded_at", timestampJson(q.recorded_at));
    return out;
}

}  // namespace billwright::services
