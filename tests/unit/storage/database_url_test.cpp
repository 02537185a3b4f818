#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>

#include "storage/database_url.h"

using billwright::storage::isMysqlUrl;
using billwright::storage::parseMysqlUrl;
using billwright::storage::redactedDatabaseUrl;

BOOST_AUTO_TEST_SUITE(database_url)

BOOST_AUTO_TEST_CASE(a_mysql_url_gives_its_parts_with_user_and_password_percent_decoded) {
    const auto url = parseMysqlUrl("mysql://bill%40ops:p%3Aw%2Fd%40%25@db.example:3307/billing_1");
    BOOST_CHECK_EQUAL(url.user, "bill@ops");
    BOOST_CHECK_EQUAL(url.password, "p:w/d@%");
    BOOST_CHECK_EQUAL(url.host, "db.example");
    BOOST_CHECK_EQUAL(url.port, 3307);
    BOOST_CHECK_EQUAL(url.database, "billing_1");

    const auto v6 = parseMysqlUrl("mysql://u:@[::1]:3306/d");
    BOOST_CHECK_EQUAL(v6.host, "::1");
    BOOST_CHECK_EQUAL(v6.password, "");
    // An unencoded '@' in the password: the last '@' ends the credentials.
    BOOST_CHECK_EQUAL(parseMysqlUrl("mysql://u:a@b@127.0.0.1:1/d").password, "a@b");
}

BOOST_AUTO_TEST_CASE(a_malformed_mysql_url_is_refused_without_quoting_the_password) {
    for (const std::string bad : {
             "mysql://",
             "mysql://u@h:1/d",                 // no password
             "mysql://:Secret9@h:1/d",          // no user
             "mysql://u:Secret9@h/d",           // no port
             "mysql://u:Secret9@h:0/d",         // port out of range
             "mysql://u:Secret9@h:65536/d",     // port out of range
             "mysql://u:Secret9@h:33o6/d",      // port not a number
             "mysql://u:Secret9@:3306/d",       // no host
             "mysql://u:Secret9@h:3306",        // no database
             "mysql://u:Secret9@h:3306/",       // empty database
             "mysql://u:Secret9@h:3306/a-b",    // database name with '-'
             "mysql://u:Secret9@h:3306/a?x=1",  // options are not part of the form
             "mysql://u:Secret9%zz@h:3306/d",   // bad escape
             "mysql://u:Secret9%4@h:3306/d",    // short escape
             "mysql://u:Secret9@[::1:3306/d",   // unclosed IPv6
         }) {
        BOOST_TEST_CONTEXT(bad) {
            try {
                parseMysqlUrl(bad);
                BOOST_ERROR("accepted");
            } catch (const std::invalid_argument& e) {
                BOOST_CHECK(std::string(e.what()).find("Secret9") == std::string::npos);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(only_mysql_urls_are_mysql_and_logs_see_them_without_the_password) {
    BOOST_CHECK(isMysqlUrl("mysql://u:p@h:1/d"));
    BOOST_CHECK(!isMysqlUrl("sqlite:var/billwright.db"));
    BOOST_CHECK_EQUAL(redactedDatabaseUrl("mysql://bill:Secret9@db:3306/b"),
                      "mysql://bill:***@db:3306/b");
    BOOST_CHECK_EQUAL(redactedDatabaseUrl("sqlite:var/billwright.db"), "sqlite:var/billwright.db");
}

BOOST_AUTO_TEST_SUITE_END()
