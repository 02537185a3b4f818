#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/database_url.h"

using billwright::storage::isMysqlUrl;
using billwright::storage::MysqlSslMode;
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
             "mysql://u@h:1/d",                                 // no password
             "mysql://:Secret9@h:1/d",                          // no user
             "mysql://u:Secret9@h/d",                           // no port
             "mysql://u:Secret9@h:0/d",                         // port out of range
             "mysql://u:Secret9@h:65536/d",                     // port out of range
             "mysql://u:Secret9@h:33o6/d",                      // port not a number
             "mysql://u:Secret9@:3306/d",                       // no host
             "mysql://u:Secret9@h:3306",                        // no database
             "mysql://u:Secret9@h:3306/",                       // empty database
             "mysql://u:Secret9@h:3306/a-b",                    // database name with '-'
             "mysql://u:Secret9@h:3306/a-b?ssl-mode=required",  // options do not mend it
             "mysql://u:Secret9%zz@h:3306/d",                   // bad escape
             "mysql://u:Secret9%4@h:3306/d",                    // short escape
             "mysql://u:Secret9@[::1:3306/d",                   // unclosed IPv6
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

BOOST_AUTO_TEST_CASE(tls_options_give_the_mode_and_the_files_percent_decoded) {
    const auto plain = parseMysqlUrl("mysql://u:p@h:1/d");
    BOOST_CHECK(plain.tls.mode == MysqlSslMode::kDisabled);
    BOOST_CHECK(plain.tls.ca.empty());

    struct Case {
        std::string query;
        MysqlSslMode mode;
        std::string ca, cert, key;
    };
    const std::vector<Case> cases = {
        {"ssl-mode=disabled", MysqlSslMode::kDisabled, "", "", ""},
        {"ssl-mode=required", MysqlSslMode::kRequired, "", "", ""},
        {"ssl-mode=verify-ca&ssl-ca=/etc/ssl/db-ca.pem", MysqlSslMode::kVerifyCa,
         "/etc/ssl/db-ca.pem", "", ""},
        {"ssl-ca=/etc/ssl/db-ca.pem&ssl-mode=verify-ca", MysqlSslMode::kVerifyCa,
         "/etc/ssl/db-ca.pem", "", ""},
        {"ssl-mode=verify-identity", MysqlSslMode::kVerifyIdentity, "", "", ""},
        {"ssl-mode=verify-identity&ssl-ca=/c/My%20CA%40%26%23%25.pem",
         MysqlSslMode::kVerifyIdentity, "/c/My CA@&#%.pem", "", ""},
        {"ssl-mode=required&ssl-cert=/c/client.pem&ssl-key=/c/client-key.pem",
         MysqlSslMode::kRequired, "", "/c/client.pem", "/c/client-key.pem"},
        {"ssl-mode=verify-ca&ssl-ca=/c/ca.pem&ssl-key=/c/k.pem&ssl-cert=/c/c.pem",
         MysqlSslMode::kVerifyCa, "/c/ca.pem", "/c/c.pem", "/c/k.pem"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.query) {
            // The password may hold an unencoded '?': the last '@' still ends the credentials.
            const auto url =
                parseMysqlUrl("mysql://bill:Se?cret@db.example:3306/billing?" + c.query);
            BOOST_CHECK_EQUAL(url.password, "Se?cret");
            BOOST_CHECK_EQUAL(url.host, "db.example");
            BOOST_CHECK_EQUAL(url.port, 3306);
            BOOST_CHECK_EQUAL(url.database, "billing");
            BOOST_CHECK(url.tls.mode == c.mode);
            BOOST_CHECK_EQUAL(url.tls.ca, c.ca);
            BOOST_CHECK_EQUAL(url.tls.cert, c.cert);
            BOOST_CHECK_EQUAL(url.tls.key, c.key);
        }
    }
    BOOST_CHECK_EQUAL(billwright::storage::sslModeName(MysqlSslMode::kVerifyIdentity),
                      "verify-identity");
}

BOOST_AUTO_TEST_CASE(a_bad_tls_option_is_refused_naming_the_option_never_the_password) {
    struct Case {
        std::string query;
        std::string named;  // what the message must name
    };
    const std::vector<Case> cases = {
        {"sslmode=required", "sslmode"},                      // unknown option
        {"ssl-mode=required&ssl-crl=/c/crl.pem", "ssl-crl"},  // unknown option
        {"ssl-mode=require", "ssl-mode"},                     // unknown value
        {"ssl-mode=REQUIRED", "ssl-mode"},                    // values are lower case
        {"ssl-mode=preferred", "ssl-mode"},                   // falls back to plain text: no
        {"ssl-mode=", "ssl-mode"},                            // empty value
        {"ssl-mode", "ssl-mode"},                             // no value
        {"ssl-mode=required&ssl-mode=disabled", "ssl-mode"},  // twice
        {"ssl-mode=verify-ca", "ssl-ca"},                     // verify-ca needs a CA
        {"ssl-ca=/c/ca.pem", "ssl-ca"},                       // a CA without verification
        {"ssl-mode=required&ssl-ca=/c/ca.pem", "ssl-ca"},     // ditto
        {"ssl-mode=required&ssl-cert=/c/c.pem", "ssl-key"},   // cert without key
        {"ssl-mode=required&ssl-key=/c/k.pem", "ssl-cert"},   // key without cert
        {"ssl-cert=/c/c.pem&ssl-key=/c/k.pem", "ssl-cert"},   // client cert, no TLS
        {"ssl-mode=verify-ca&ssl-ca=/c/%zz.pem", "ssl-ca"},   // bad escape
        {"ssl-mode=verify-ca&ssl-ca=/c/%00.pem", "ssl-ca"},   // NUL
        {"", "option"},                                       // '?' and nothing
        {"&ssl-mode=required", "option"},                     // stray '&'
        {"=required", "option"},                              // no name
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.query) {
            try {
                parseMysqlUrl("mysql://u:Secret9@h:3306/d?" + c.query);
                BOOST_ERROR("accepted");
            } catch (const std::invalid_argument& e) {
                const std::string message = e.what();
                BOOST_CHECK_MESSAGE(message.find(c.named) != std::string::npos, message);
                BOOST_CHECK(message.find("Secret9") == std::string::npos);
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
    BOOST_CHECK_EQUAL(
        redactedDatabaseUrl("mysql://bill:Secret9@db:3306/b?ssl-mode=verify-ca&ssl-ca=/c/ca.pem"),
        "mysql://bill:***@db:3306/b?ssl-mode=verify-ca&ssl-ca=/c/ca.pem");
}

BOOST_AUTO_TEST_SUITE_END()
