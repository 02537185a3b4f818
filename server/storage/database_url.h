#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace billwright::storage {

// How a connection uses TLS (the names and meanings of MySQL's --ssl-mode).
enum class MysqlSslMode {
    kDisabled,        // plain TCP (the default)
    kRequired,        // encrypted; the server's certificate is not checked
    kVerifyCa,        // encrypted; the certificate must chain to the CA of ssl-ca
    kVerifyIdentity,  // as kVerifyCa, and it must name HOST; without ssl-ca the system's CAs
};

struct MysqlTls {
    MysqlSslMode mode = MysqlSslMode::kDisabled;
    std::string ca;    // PEM file of the CA(s) the server's certificate must chain to
    std::string cert;  // PEM client certificate, with key: for servers that require one
    std::string key;
};

// mysql://USER:PASSWORD@HOST:PORT/DATABASE[?OPTION=VALUE&...]. User and password are
// percent-decoded (a password with '@', ':' or '/' is written %40, %3A, %2F); HOST is a name,
// an IPv4 address or an IPv6 address in brackets; DATABASE is letters, digits and '_' (at most
// 64). Options, each at most once, values percent-decoded ('@' '&' '#' '%' in a value written
// %40 %26 %23 %25): ssl-mode=disabled|required|verify-ca|verify-identity, ssl-ca=FILE (needed
// by verify-ca, optional for verify-identity, refused otherwise), ssl-cert=FILE and
// ssl-key=FILE (together, with any mode but disabled).
struct MysqlUrl {
    std::string user;
    std::string password;
    std::string host;
    std::uint16_t port = 0;
    std::string database;
    MysqlTls tls;
};

std::string_view sslModeName(MysqlSslMode mode);

bool isMysqlUrl(std::string_view url);
// Throws std::invalid_argument saying what is wrong (naming the option, for an option); the
// message never contains the password. Files named by options are not opened here.
MysqlUrl parseMysqlUrl(std::string_view url);
// The URL as it may be logged: a mysql:// URL's password becomes "***".
std::string redactedDatabaseUrl(std::string_view url);

}  // namespace billwright::storage
