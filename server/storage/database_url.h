#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace billwright::storage {

// mysql://USER:PASSWORD@HOST:PORT/DATABASE. User and password are percent-decoded (a password
// with '@', ':' or '/' is written %40, %3A, %2F); HOST is a name, an IPv4 address or an IPv6
// address in brackets; DATABASE is letters, digits and '_' (at most 64).
struct MysqlUrl {
    std::string user;
    std::string password;
    std::string host;
    std::uint16_t port = 0;
    std::string database;
};

bool isMysqlUrl(std::string_view url);
// Throws std::invalid_argument saying what is wrong; the message never contains the password.
MysqlUrl parseMysqlUrl(std::string_view url);
// The URL as it may be logged: a mysql:// URL's password becomes "***".
std::string redactedDatabaseUrl(std::string_view url);

}  // namespace billwright::storage
