#include "storage/database_url.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <stdexcept>

namespace billwright::storage {
namespace {

constexpr std::string_view kScheme = "mysql://";

[[noreturn]] void refuse(const std::string& why) {
    throw std::invalid_argument("database URL " + why +
                                " (expected mysql://USER:PASSWORD@HOST:PORT/DATABASE[?OPTIONS])");
}

[[noreturn]] void refuseOption(const std::string& why) {
    throw std::invalid_argument("database URL option " + why);
}

constexpr std::array<std::string_view, 4> kOptions = {"ssl-mode", "ssl-ca", "ssl-cert", "ssl-key"};
constexpr std::array<std::pair<std::string_view, MysqlSslMode>, 4> kSslModes = {{
    {"disabled", MysqlSslMode::kDisabled},
    {"required", MysqlSslMode::kRequired},
    {"verify-ca", MysqlSslMode::kVerifyCa},
    {"verify-identity", MysqlSslMode::kVerifyIdentity},
}};

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

// A value as it may appear in an error: options hold file names and modes, never secrets, but a
// long or binary value is cut.
std::string quoted(std::string_view value) {
    std::string out = "\"";
    for (const char c : value.substr(0, 60))
        out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
    if (value.size() > 60) out += "...";
    return out + "\"";
}

// OPTION=VALUE&... after the '?'.
MysqlTls parseOptions(std::string_view query) {
    if (query.empty()) refuse("has a '?' without options");
    std::array<std::optional<std::string>, kOptions.size()> values;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const auto eq = item.find('=');
        const std::string_view name = item.substr(0, eq);
        if (name.empty()) refuse("has an empty option (a stray '&' or '=')");
        std::size_t index = 0;
        while (index < kOptions.size() && kOptions[index] != name) ++index;
        if (index == kOptions.size()) {
            throw std::invalid_argument("database URL has an unknown option " + quoted(name) +
                                        " (known: ssl-mode, ssl-ca, ssl-cert, ssl-key)");
        }
        if (values[index]) refuseOption(std::string(name) + " is given twice");
        const std::string option(name);
        if (eq == std::string_view::npos)
            refuseOption(option + " has no value (" + option + "=...)");
        std::string value = percentDecode(item.substr(eq + 1), (option + " option").c_str());
        if (value.empty()) refuseOption(option + " has an empty value");
        if (value.find('\0') != std::string::npos) refuseOption(option + " has a NUL byte");
        values[index] = std::move(value);
    }

    MysqlTls tls;
    if (const auto& mode = values[0]) {
        const auto* it = std::find_if(kSslModes.begin(), kSslModes.end(),
                                      [&](const auto& m) { return m.first == *mode; });
        if (it == kSslModes.end()) {
            refuseOption("ssl-mode must be disabled, required, verify-ca or verify-identity, not " +
                         quoted(*mode));
        }
        tls.mode = it->second;
    }
    tls.ca = values[1].value_or("");
    tls.cert = values[2].value_or("");
    tls.key = values[3].value_or("");
    const bool verifies =
        tls.mode == MysqlSslMode::kVerifyCa || tls.mode == MysqlSslMode::kVerifyIdentity;
    if (!tls.ca.empty() && !verifies)
        refuseOption("ssl-ca needs ssl-mode=verify-ca or ssl-mode=verify-identity");
    if (tls.mode == MysqlSslMode::kVerifyCa && tls.ca.empty())
        refuseOption("ssl-mode=verify-ca needs ssl-ca (the CA certificate file)");
    if (tls.cert.empty() != tls.key.empty())
        refuseOption(tls.cert.empty() ? "ssl-key needs ssl-cert" : "ssl-cert needs ssl-key");
    if (!tls.cert.empty() && tls.mode == MysqlSslMode::kDisabled)
        refuseOption("ssl-cert needs an ssl-mode other than disabled");
    return tls;
}

}  // namespace

std::string_view sslModeName(MysqlSslMode mode) {
    for (const auto& [name, value] : kSslModes)
        if (value == mode) return name;
    return "disabled";
}

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

    const auto question = rest.find('?');
    const std::string_view query =
        question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);
    if (question != std::string_view::npos) rest = rest.substr(0, question);
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
    if (question != std::string_view::npos) out.tls = parseOptions(query);
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
