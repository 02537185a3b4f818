#pragma once

// Conversions shared by the SQL repositories (storage-internal).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "domain/currency.h"
#include "storage/database.h"
#include "storage/repositories.h"

namespace billwright::storage::sql {

using core::Date;
using core::SysSeconds;

inline std::int64_t unix(SysSeconds t) { return t.time_since_epoch().count(); }
inline SysSeconds fromUnix(std::int64_t s) { return SysSeconds{std::chrono::seconds{s}}; }
inline std::string dateText(Date d) { return core::formatIsoDate(d); }
inline Date dateFrom(const std::string& text) {
    const auto d = core::parseIsoDate(text);
    if (!d) throw DbError(DbErrorKind::kOther, "stored date is malformed: " + text);
    return *d;
}
inline SqlValue optionalDateValue(const std::optional<Date>& d) {
    return d ? SqlValue{dateText(*d)} : sqlNull();
}
inline std::optional<Date> optionalDate(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return dateFrom(*text);
}
inline domain::Currency currencyFrom(const std::string& code) {
    const auto c = domain::findCurrency(code);
    if (!c) throw DbError(DbErrorKind::kOther, "stored currency is unknown: " + code);
    return *c;
}
inline std::int64_t boolInt(bool b) { return b ? 1 : 0; }
inline bool boolFrom(const RowView& r, std::size_t i) { return r.getInt(i) != 0; }
inline std::string text(std::string_view v) { return std::string(v); }
inline SqlValue optionalTime(const std::optional<SysSeconds>& t) {
    return t ? SqlValue{unix(*t)} : sqlNull();
}
inline std::optional<SysSeconds> timeFrom(const std::optional<std::int64_t>& v) {
    if (!v) return std::nullopt;
    return fromUnix(*v);
}
inline std::int64_t limitPlusOne(const PageRequest& page) {
    return static_cast<std::int64_t>(page.limit) + 1;
}

// Rows keyed by their first two columns ((tenant_id, id), (tenant_id, name), ...): one INSERT
// of every column and one UPDATE of the columns after the key, from the same list.
inline void insertRow(Connection& c, std::string_view table, std::string_view columns,
                      const SqlParams& params) {
    std::string marks;
    for (std::size_t i = 0; i < params.size(); ++i) marks += i == 0 ? "?" : ", ?";
    c.execute("INSERT INTO " + std::string(table) + " (" + std::string(columns) + ") VALUES (" +
                  marks + ")",
              params);
}
// `params` holds the values of the columns after the two key columns; the key's values are
// appended.
inline void updateRow(Connection& c, std::string_view table, std::string_view columns,
                      SqlParams params, const std::string& tenant_id, const std::string& key) {
    std::vector<std::string_view> names;
    for (std::string_view rest = columns; !rest.empty();) {
        const auto comma = rest.find(", ");
        names.push_back(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 2);
    }
    std::string set;
    for (std::size_t i = 2; i < names.size(); ++i) {
        if (!set.empty()) set += ", ";
        set += std::string(names[i]) + " = ?";
    }
    params.emplace_back(tenant_id);
    params.emplace_back(key);
    c.execute("UPDATE " + std::string(table) + " SET " + set + " WHERE " + std::string(names[0]) +
                  " = ? AND " + std::string(names[1]) + " = ?",
              params);
}

// Claims rows for background work in the caller's write transaction (invoice-run items, outbox
// messages, work leases): `select` picks free rows and ends in "LIMIT ?"; the dialect's FOR
// UPDATE SKIP LOCKED is appended, so rows another transaction is claiming are skipped and nodes
// claiming at once get different rows without waiting (SQLite's single writer needs no clause).
// `lease(row)` then writes each row's lease. Returns the rows as selected.
template <typename Lease>
std::vector<SqlRow> claimRows(Connection& c, const Dialect& dialect, std::string select,
                              const SqlParams& params, Lease&& lease) {
    select += ' ';
    select += dialect.forUpdateSkipLocked();
    auto rows = c.query(select, params);
    for (const SqlRow& row : rows) lease(row);
    return rows;
}

// Appends "AND id < ?" for cursor pagination (ids sort by creation time, lists are newest first).
inline void addCursor(std::string& sql, SqlParams& params, const PageRequest& page,
                      std::string_view column) {
    if (page.starting_after) {
        sql += " AND ";
        sql += column;
        sql += " < ?";
        params.emplace_back(*page.starting_after);
    }
}

}  // namespace billwright::storage::sql
