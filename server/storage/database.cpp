#include "storage/database.h"

#include <charconv>

#include "storage/database_url.h"
#include "storage/mysql/mysql_database.h"
#include "storage/sqlite/sqlite_database.h"

namespace billwright::storage {

bool SqlRow::isNull(std::size_t i) const {
    return std::holds_alternative<std::monostate>(values_.at(i));
}

std::int64_t integerFromText(std::string_view text, std::size_t column) {
    std::int64_t out = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec == std::errc{} && ptr == text.data() + text.size()) return out;
    throw DbError(DbErrorKind::kOther, "column " + std::to_string(column) + " is not an integer");
}

std::int64_t SqlRow::getInt(std::size_t i) const {
    const SqlValue& v = values_.at(i);
    if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
    if (const auto* s = std::get_if<std::string>(&v)) return integerFromText(*s, i);
    return 0;  // NULL reads as 0 only where the caller asked for a plain integer (SUM of nothing)
}

std::string SqlRow::getString(std::size_t i) const {
    const SqlValue& v = values_.at(i);
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
    return {};
}

std::optional<std::int64_t> RowView::getOptionalInt(std::size_t i) const {
    if (isNull(i)) return std::nullopt;
    return getInt(i);
}

std::optional<std::string> RowView::getOptionalString(std::size_t i) const {
    if (isNull(i)) return std::nullopt;
    return getString(i);
}

void Connection::forEachRow(std::string_view sql, const SqlParams& params,
                            const std::function<void(const RowView&)>& row) {
    for (const SqlRow& r : query(sql, params)) row(r);
}

bool Database::ping() {
    try {
        bool ok = false;
        withConnection([&](Connection& c) { ok = c.query("SELECT 1").size() == 1; });
        return ok;
    } catch (const std::exception&) {
        return false;
    }
}

std::unique_ptr<Database> openDatabase(const std::string& url, const DatabaseOptions& options) {
    constexpr std::string_view kSqlite = "sqlite:";
    if (url.rfind(kSqlite, 0) == 0) {
        const std::string path = url.substr(kSqlite.size());
        if (path.empty() || path == ":memory:") {
            throw std::invalid_argument("sqlite needs a file path, e.g. sqlite:var/billwright.db");
        }
        return std::make_unique<sqlite::SqliteDatabase>(path, options);
    }
    if (isMysqlUrl(url)) return std::make_unique<mysql::MysqlDatabase>(parseMysqlUrl(url), options);
    throw std::invalid_argument(
        "unsupported database URL (expected sqlite:PATH or "
        "mysql://USER:PASSWORD@HOST:PORT/DATABASE)");
}

}  // namespace billwright::storage
