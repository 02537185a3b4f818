#include "storage/database_url.h"

#include <charconv>
#include <stdexcept>

namespace billwright::storage {
namespace {

constexpr std::string_view kScheme = "mysql://";

[[noreturn]] void refuse(const std::string& why) {
    throw std::invalid_argument("database URL " + why +
                                " (expected mysql://USER:PASSWORD@HOST:PORT/DATABASE)");
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percentDecode(std::string_view text, const char* what) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        const std::string escape_error =
            std::string("has a malformed percent escape in the ") + what;
        if (i + 2 >= text.size()) refuse(escape_error);
        const int high = hexValue(text[i + 1]);
        const int low = hexValue(text[i + 2]);
        if (high < 0 || low < 0) refuse(escape_error);
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return out;
}

}  // namespace

bool isMysqlUrl(std::string_view url) { return url.substr(0, kScheme.size()) == kScheme; }

MysqlUrl parseMysqlUrl(std::string_view url) {
    if (!isMysqlUrl(url)) refuse("does not start with mysql://");
    std::string_view rest = url.substr(kScheme.size());
    // The password may hold any character once decoded, so the last '@' ends the credentials.
    const auto at = rest.rfind('@');
    if (at == std::string_view::npos) refuse("has no USER:PASSWORD@");
    const std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = credentials.find(':');
    if (colon == std::string_view::npos) refuse("has no password after the user");
    MysqlUrl out;
    out.user = percentDecode(credentials.substr(0, colon), "user");
    out.password = percentDecode(credentials.substr(colon + 1), "password");
    if (out.user.empty()) refuse("has an empty user");

    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) refuse("has no /DATABASE");
    std::string_view host_port = rest.substr(0, slash);
    const std::string_view database = rest.substr(slash + 1);
    std::string_view port_text;
    if (!host_port.empty() && host_port.front() == '[') {
        const auto close = host_port.find(']');
        if (close == std::string_view::npos) refuse("has an unclosed [IPv6] host");
        out.host = std::string(host_port.substr(1, close - 1));
        if (host_port.substr(close + 1, 1) != ":") refuse("has no :PORT");
        port_text = host_port.substr(close + 2);
    } else {
        const auto port_colon = host_port.rfind(':');
        if (port_colon == std::string_view::npos) refuse("has no :PORT");
        out.host = std::string(host_port.substr(0, port_colon));
        port_text = host_port.substr(port_colon + 1);
    }
    if (out.host.empty()) refuse("has an empty host");
    for (const char c : out.host) {
        if (c == '/' || c == '@' || c == '?' || c == '#' || c == ' ' || c == '[' || c == ']')
            refuse("has a malformed host");
    }
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
        value == 0 || value > 65535) {
        refuse("has a port that is not 1-65535");
    }
    out.port = static_cast<std::uint16_t>(value);
    if (database.empty() || database.size() > 64)
        refuse("needs a database name of 1-64 characters");
    for (const char c : database) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) refuse("has a database name with other characters than letters, digits and _");
    }
    out.database = std::string(database);
    return out;
}

std::string redactedDatabaseUrl(std::string_view url) {
    if (!isMysqlUrl(url)) return std::string(url);
    const std::string_view rest = url.substr(kScheme.size());
    const auto at = rest.rfind('@');
    if (at == std::string_view::npos) return std::string(kScheme) + "***";
    const auto colon = rest.substr(0, at).find(':');
    const std::string_view user = rest.substr(0, colon == std::string_view::npos ? at : colon);
    return std::string(kScheme) + std::string(user) + ":***" + std::string(rest.substr(at));
}

}  // namespace billwright::storage
