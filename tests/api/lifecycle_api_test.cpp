#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "api/api_fixture.h"

using namespace billwright::testing;

namespace {

std::set<std::string> openapiOperations() {
    std::ifstream in(sourceDir() + "/docs/openapi.yaml");
    BOOST_REQUIRE(in.good());
    std::set<std::string> ops;
    std::string line;
    std::string path;
    bool in_paths = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] != ' ') {
            in_paths = line.rfind("paths:", 0) == 0;
            continue;
        }
        if (!in_paths) continue;
        if (line.size() > 3 && line.rfind("  /", 0) == 0 && line.back() == ':') {
            path = line.substr(2, line.size() - 3);
        } else if (line.rfind("    ", 0) == 0 && line.size() > 4 && line[4] != ' ') {
            const std::string method = line.substr(4, line.find(':') - 4);
            static const std::set<std::string> kMethods = {"get", "post", "put", "patch", "delete"};
            if (kMethods.count(method) != 0) {
                std::string upper = method;
                for (auto& c : upper)
                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                ops.insert(upper + " " + path);
            }
        }
    }
    return ops;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lifecycle_api)

BOOST_AUTO_TEST_CASE(data_survives_a_clean_stop_and_restart) {
    ServerProcess server;
    const std::string key = server.superKey();
    const auto tenant =
        server.post("/v1/tenants", key, R"({"name":"Durable","timezone":"Europe/Berlin"})");
    BOOST_REQUIRE_EQUAL(tenant.status, 201);
    const std::string id = tenant.json().find("id")->asString();
    BOOST_REQUIRE_EQUAL(server
                            .request("PUT", "/v1/tenants/" + id + "/billing-config", key,
                                     std::string(R"({"flat_rate_amount":"10.00","currency":"EUR",
        "billing_frequency":"monthly","billing_email":"d@example.com"})"))
                            .status,
                        200);
    const auto invoice =
        server.post("/v1/tenants/" + id + "/invoices", key, R"({"period_start":"2025-01-01"})");
    BOOST_REQUIRE_EQUAL(invoice.status, 201);

    BOOST_CHECK_EQUAL(server.stop(), 0);
    server.start();
    const auto again =
        server.get("/v1/tenants/" + id + "/invoices/" + invoice.json().find("id")->asString(), key);
    BOOST_REQUIRE_EQUAL(again.status, 200);
    BOOST_CHECK_EQUAL(again.json().find("invoice_number")->asString(),
                      invoice.json().find("invoice_number")->asString());
    BOOST_CHECK_EQUAL(again.json().find("amount")->asString(), "10.00");
    BOOST_CHECK_EQUAL(server.get("/v1/tenants/" + id, key).json().find("timezone")->asString(),
                      "Europe/Berlin");
    BOOST_CHECK(server.stderrText().find("migration applied") ==
                std::string::npos);  // nothing left to apply
}

BOOST_AUTO_TEST_CASE(sigterm_shuts_down_cleanly_with_idle_keep_alive_connections_open) {
    ServerProcess server;
    // One kept-alive connection that has finished a request and stays open, idle.
    Poco::Net::HTTPClientSession idle("127.0.0.1", server.port());
    idle.setKeepAlive(true);
    Poco::Net::HTTPRequest request("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    idle.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(idle.receiveResponse(response), body);
    BOOST_REQUIRE_EQUAL(static_cast<int>(response.getStatus()), 200);
    BOOST_REQUIRE(response.getKeepAlive());
    BOOST_REQUIRE(idle.connected());

    const auto started = std::chrono::steady_clock::now();
    BOOST_CHECK_EQUAL(server.stop(), 0);
    // The idle connection must not hold shutdown until its 10 s keep-alive timeout runs out.
    BOOST_CHECK_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(8));
    BOOST_CHECK(server.stderrText().find("stopped") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_bootstrap_key_file_is_private_and_the_key_is_created_once) {
    ServerProcess server;
    const std::string path = server.directory() + "/super.key";
    struct stat st {};
    BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &st), 0);
    BOOST_CHECK_EQUAL(st.st_mode & 0777, 0600U);
    BOOST_CHECK_EQUAL(server.get("/v1/tenants", server.superKey()).status, 200);
    server.stop();
    std::remove(path.c_str());
    server.start();  // a super key exists: no new key, no file
    std::ifstream in(path);
    BOOST_CHECK(!in.good());
    BOOST_CHECK_EQUAL(server.get("/v1/tenants", server.superKey()).status, 200);
}

BOOST_AUTO_TEST_CASE(a_bad_setting_refuses_to_start_and_names_the_key) {
    struct Case {
        std::vector<std::string> args;
        std::map<std::string, std::string> env;
        std::string key;
    };
    const std::vector<Case> cases = {
        {{"-Dhttp.port=eighty", "--migrate"}, {}, "http.port"},
        {{"-Dhttp.port=70000", "--migrate"}, {}, "http.port"},
        {{"-Dhttp.prot=8080", "--migrate"}, {}, "http.prot"},
        {{"--migrate"}, {{"BILLWRIGHT_LOG_LEVEL", "loud"}}, "log.level"},
        {{"-Ddatabase.url=postgres://x", "--migrate"}, {}, "database.url"},
        {{"-Ddatabase.url=mysql://user@127.0.0.1:3306/db", "--migrate"}, {}, "database.url"},
        {{"-Ddatabase.url=mysql://user:pw@127.0.0.1/db", "--migrate"}, {}, "database.url"},
        {{"-Ddatabase.url=mysql://user:pw@127.0.0.1:3306/my-db", "--migrate"}, {}, "database.url"},
        {{"-Ddatabase.url=mysql://user:pw@127.0.0.1:3306/db?sslmode=required", "--migrate"},
         {},
         "sslmode"},
        {{"-Ddatabase.url=mysql://user:pw@127.0.0.1:3306/db?ssl-mode=verify-ca", "--migrate"},
         {},
         "ssl-ca"},
        {{"-Ddatabase.url=mysql://user:pw@127.0.0.1:3306/db?ssl-mode=verify-ca&ssl-ca=/nonexistent/"
          "ca.pem",
          "--migrate"},
         {},
         "ssl-ca"},
        {{"-Dplatform.timezone=Atlantis/Capital", "--migrate"}, {}, "platform.timezone"},
        {{"-Dtls.certificate=/nonexistent.pem", "--migrate"}, {}, "tls.certificate"},
        {{"-Dhttp.max_body_bytes=1", "--migrate"}, {}, "http.max_body_bytes"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.key) {
            const auto result = runBillwrightd(c.args, c.env);
            BOOST_CHECK_EQUAL(result.exit_code, 78);
            BOOST_CHECK_MESSAGE(result.err.find(c.key) != std::string::npos, result.err);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_mysql_url_never_shows_its_password) {
    // Malformed (a settings error) and well-formed but unreachable (nothing listens on port 1).
    for (const std::string& url : {std::string("mysql://ops:Sup3r%40Secret@127.0.0.1:99999/db"),
                                   std::string("mysql://ops:Sup3r%40Secret@127.0.0.1:1/db")}) {
        BOOST_TEST_CONTEXT(url) {
            const auto result = runBillwrightd({"-Ddatabase.url=" + url, "--migrate"});
            BOOST_CHECK_NE(result.exit_code, 0);
            BOOST_CHECK_MESSAGE(result.err.find("database") != std::string::npos, result.err);
            BOOST_CHECK(result.err.find("Sup3r") == std::string::npos);
            BOOST_CHECK(result.out.find("Sup3r") == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_command_line_wins_over_the_environment_which_wins_over_the_file) {
    const std::string dir = makeTempDir();
    const std::string file = dir + "/test.properties";
    std::ofstream(file) << "database.url = sqlite:" << dir << "/from-file.db\nlog.level = loud\n";
    // The file's bad log.level is overridden by the environment, the environment's bad
    // database.url by the command line.
    const auto ok = runBillwrightd(
        {"--config=" + file, "-Ddatabase.url=sqlite:" + dir + "/from-cli.db", "--migrate"},
        {{"BILLWRIGHT_LOG_LEVEL", "warning"}, {"BILLWRIGHT_DATABASE_URL", "bogus"}});
    BOOST_CHECK_MESSAGE(ok.exit_code == 0, ok.err);
    BOOST_CHECK(std::ifstream(dir + "/from-cli.db").good());
    BOOST_CHECK(!std::ifstream(dir + "/from-file.db").good());
    const auto file_wins =
        runBillwrightd({"--config=" + file, "--migrate"}, {{"BILLWRIGHT_LOG_LEVEL", "error"}});
    BOOST_CHECK_EQUAL(file_wins.exit_code, 0);
    BOOST_CHECK(std::ifstream(dir + "/from-file.db").good());
    std::ofstream(file, std::ios::app) << "http.colour = blue\n";
    const auto unknown =
        runBillwrightd({"--config=" + file, "--migrate"}, {{"BILLWRIGHT_LOG_LEVEL", "error"}});
    BOOST_CHECK_EQUAL(unknown.exit_code, 78);
    BOOST_CHECK(unknown.err.find("http.colour") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(help_lists_every_configuration_key_with_its_default) {
    const auto result = runBillwrightd({"--help"});
    BOOST_CHECK_EQUAL(result.exit_code, 0);
    for (const std::string& key : std::vector<std::string>{
             "http.host", "http.port", "http.threads", "http.max_body_bytes", "tls.certificate",
             "tls.private_key", "database.url", "database.pool_size", "log.level", "log.format",
             "bootstrap.key_file", "bootstrap.demo_data", "platform.timezone",
             "scheduler.interval_seconds", "scheduler.catch_up_days", "scheduler.lease_seconds"}) {
        BOOST_CHECK_MESSAGE(result.out.find(key + " (env BILLWRIGHT_") != std::string::npos, key);
    }
    BOOST_CHECK(result.out.find("default: 8080") != std::string::npos);
    BOOST_CHECK(result.out.find("--define") != std::string::npos);
    // The shipped configuration file uses only known keys.
    const auto shipped =
        runBillwrightd({"--config=" + sourceDir() + "/conf/billwright.properties",
                        "-Ddatabase.url=sqlite:" + makeTempDir() + "/x.db", "--migrate"});
    BOOST_CHECK_MESSAGE(shipped.exit_code == 0, shipped.err);
}

BOOST_AUTO_TEST_CASE(migrate_applies_the_schema_and_exits) {
    const TestDatabase db(makeTempDir());
    const auto result = runBillwrightd({"-Ddatabase.url=" + db.url(), "--migrate"});
    BOOST_CHECK_EQUAL(result.exit_code, 0);
    BOOST_CHECK(result.out.find("schema version 12") != std::string::npos);
    BOOST_CHECK(result.err.find("migration applied version=1") != std::string::npos);
    BOOST_CHECK(result.err.find("migration applied version=2") != std::string::npos);
    const auto again = runBillwrightd({"-Ddatabase.url=" + db.url(), "--migrate"});
    BOOST_CHECK_EQUAL(again.exit_code, 0);
    BOOST_CHECK(again.err.find("migration applied") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_route_is_in_openapi_and_every_openapi_path_is_a_route) {
    const auto routes =
        runBillwrightd({"--list-routes", "-Ddatabase.url=sqlite:" + makeTempDir() + "/r.db"});
    BOOST_REQUIRE_EQUAL(routes.exit_code, 0);
    std::set<std::string> server_ops;
    std::istringstream lines(routes.out);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty()) server_ops.insert(line);
    }
    const auto documented = openapiOperations();
    BOOST_REQUIRE(!server_ops.empty());
    for (const auto& op : server_ops)
        BOOST_CHECK_MESSAGE(documented.count(op) == 1, "undocumented: " << op);
    for (const auto& op : documented)
        BOOST_CHECK_MESSAGE(server_ops.count(op) == 1, "not served: " << op);

    std::ifstream in(sourceDir() + "/docs/openapi.yaml");
    std::stringstream yaml;
    yaml << in.rdbuf();
    const auto served = sharedServer().get("/v1/openapi.yaml", "");
    BOOST_CHECK_EQUAL(served.status, 200);
    BOOST_CHECK(served.body == yaml.str());
}

BOOST_AUTO_TEST_CASE(log_format_json_writes_one_json_object_per_line) {
    ServerProcess server({"log.format=json"});
    BOOST_REQUIRE_EQUAL(server.get("/v1/tenants", server.superKey()).status, 200);
    server.stop();
    std::istringstream lines(server.stderrText());
    std::string line;
    int requests = 0;
    while (std::getline(lines, line)) {
        auto parsed = billwright::core::parseJson(line);
        BOOST_REQUIRE_MESSAGE(parsed.ok(), "not JSON: " << line);
        BOOST_CHECK(parsed->find("ts") != nullptr && parsed->find("level") != nullptr);
        if (parsed->find("msg")->asString() == "request") {
            ++requests;
            BOOST_CHECK_EQUAL(parsed->find("route")->asString(), "/v1/tenants");
            BOOST_CHECK_EQUAL(parsed->find("status")->asString(), "200");
        }
    }
    BOOST_CHECK_EQUAL(requests, 1);
}

BOOST_AUTO_TEST_CASE(by_default_request_lines_are_written_by_the_log_writer_and_all_by_shutdown) {
    ServerProcess server({"log.flush_ms=10"});  // the default, which other tests turn off
    const auto request_lines = [&] {
        std::istringstream lines(server.stderrText());
        int count = 0;
        for (std::string line; std::getline(lines, line);) {
            if (line.find(" info request ") != std::string::npos &&
                line.find("route=/v1/tenants") != std::string::npos) {
                ++count;
            }
        }
        return count;
    };
    for (int i = 0; i < 20; ++i) {
        BOOST_REQUIRE_EQUAL(server.get("/v1/tenants", server.superKey()).status, 200);
    }
    // Written within the delay while the server runs, not only at shutdown.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (request_lines() < 20 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    BOOST_CHECK_EQUAL(request_lines(), 20);
    BOOST_CHECK_EQUAL(server.get("/v1/tenants", server.superKey()).status, 200);
    BOOST_CHECK_EQUAL(server.stop(), 0);
    BOOST_CHECK_EQUAL(request_lines(), 21);  // the last one written by the shutdown at the latest
    const std::string log = server.stderrText();
    BOOST_CHECK(log.find("stopped") != std::string::npos);
    BOOST_CHECK_GT(log.find("stopped"), log.rfind("route=/v1/tenants"));
}

BOOST_AUTO_TEST_CASE(with_a_certificate_and_key_the_server_speaks_https_only) {
    const std::string dir = makeTempDir();
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + dir +
        "/key.pem -out " + dir + "/cert.pem >/dev/null 2>&1";
    BOOST_REQUIRE_EQUAL(std::system(cmd.c_str()), 0);
    ServerProcess server(
        {"tls.certificate=" + dir + "/cert.pem", "tls.private_key=" + dir + "/key.pem"});

    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", dir + "/cert.pem",
                               Poco::Net::Context::VERIFY_RELAXED);
    Poco::Net::HTTPSClientSession session("127.0.0.1", server.port(), context);
    Poco::Net::HTTPRequest request("GET", "/v1/tenants", Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + server.superKey());
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    BOOST_CHECK_EQUAL(static_cast<int>(response.getStatus()), 200);
    BOOST_CHECK(body.find("\"object\":\"list\"") != std::string::npos);
    BOOST_CHECK(server.stderrText().find("url=https://") != std::string::npos);

    // Plain HTTP to the TLS port gets no HTTP answer.
    BOOST_CHECK_THROW(server.get("/healthz", ""), std::exception);
}

BOOST_AUTO_TEST_SUITE_END()
