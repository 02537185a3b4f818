#include "fuzz_app.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time_zone.h"
#include "fuzz_support.h"
#include "plugins/host.h"
#include "plugins/registry.h"
#include "services/api_keys.h"
#include "services/hashprices.h"
#include "services/idempotency.h"
#include "services/inventory.h"
#include "services/outbox.h"
#include "services/platform_billing.h"
#include "services/plugins.h"
#include "services/resolutions.h"
#include "services/revenue_guard.h"
#include "services/scripts.h"
#include "services/secret_box.h"
#include "services/telemetry.h"
#include "services/usage_chain.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/repositories.h"

namespace billwright::fuzz {
namespace {

constexpr std::int64_t kStartSeconds = 1793491200;  // 2026-11-01T00:00:00Z
// A fixed master key, so tenant plugin secrets can be stored (never a real deployment's).
constexpr char kMasterKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// The database directory, removed at exit: libFuzzer ends a timed run with exit() and never
// destroys the application (after a crash the directory stays for a look).
char* temp_dir = nullptr;

void removeTempDir() {
    std::error_code ec;
    if (temp_dir != nullptr) std::filesystem::remove_all(temp_dir, ec);
}

std::string makeTempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "billwright-fuzz-XXXXXX").string();
    check(::mkdtemp(pattern.data()) != nullptr, "a temporary directory");
    if (temp_dir == nullptr) {
        temp_dir = ::strdup(pattern.c_str());
        std::atexit(removeTempDir);
    }
    return pattern;
}

scripting::Limits fuzzScriptLimits() {
    scripting::Limits limits;
    limits.instructions = 100'000;
    limits.memory_bytes = 2u << 20;
    limits.wall_ms = 50;
    limits.max_call_depth = 50;
    return limits;
}

}  // namespace

struct FuzzApp::Parts {
    std::string dir = makeTempDir();
    std::FILE* sink = std::fopen("/dev/null", "w");
    core::Logger log{core::LogLevel::kError, core::LogFormat::kText, sink};
    core::ManualClock clock{
        std::chrono::system_clock::time_point(std::chrono::seconds(kStartSeconds))};
    core::Metrics metrics;
    std::unique_ptr<storage::Database> database;
    std::unique_ptr<storage::Store> store;
    plugins::HostEnvironment plugin_env{log, metrics, clock, nullptr, {}, 1000};
    plugins::Registry registry{plugin_env};
    std::optional<services::Plugins> plugin_service;
    std::optional<services::PlatformBilling> billing;
    std::optional<services::ApiKeys> keys;
    std::optional<services::Idempotency> idempotency;
    std::optional<services::Inventory> inventory;
    std::optional<services::Telemetry> telemetry;
    std::optional<services::Contracts> contracts;
    std::optional<services::BillingChain> chain;
    std::optional<services::Hashprices> hashprices;
    std::optional<services::Outbox> outbox;
    std::optional<services::Scripts> scripts;
    std::optional<services::Invoicing> invoicing;
    std::optional<services::InvoiceRuns> invoice_runs;
    std::optional<services::Payments> payments;
    std::optional<services::RevenueGuard> revenue_guard;
    std::optional<services::Resolutions> resolutions;
    std::optional<services::SecretBox> secret_box;
    std::optional<http::Api> api;
    std::uint64_t requests = 0;

    ~Parts() {
        api.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        std::fclose(sink);
    }
};

FuzzApp::FuzzApp() : parts_(std::make_unique<Parts>()) {
    Parts& p = *parts_;
    storage::DatabaseOptions db_options;
    db_options.pool_size = 2;
    p.database = storage::openDatabase("sqlite:" + p.dir + "/fuzz.db", db_options);
    (void)storage::applyMigrations(*p.database, kStartSeconds);
    p.store = storage::makeSqlStore(*p.database);
    p.registry.loadDirectories({BW_PLUGIN_DIR});

    auto box = services::SecretBox::fromText(kMasterKey);
    check(box.ok(), "the fuzz master key is valid");
    p.secret_box.emplace(std::move(box).value());
    p.plugin_service.emplace(*p.store, p.clock, p.registry, p.plugin_env, p.secret_box, 1000);
    p.billing.emplace(*p.store, p.clock, *p.plugin_service, core::TimeZone::utc(), 7);
    p.keys.emplace(*p.store, p.clock);
    p.idempotency.emplace(*p.store, p.clock);
    p.inventory.emplace(*p.store, p.clock);
    p.telemetry.emplace(*p.store, p.clock, services::TelemetryOptions{});
    p.contracts.emplace(*p.store, p.clock);
    p.chain.emplace(*p.store, *p.plugin_service, 7200);
    p.hashprices.emplace(*p.store, p.clock);
    p.outbox.emplace(*p.store, p.clock);
    services::ScriptDefaults script_defaults;
    script_defaults.limits = fuzzScriptLimits();
    p.scripts.emplace(*p.store, p.clock, p.metrics, script_defaults);
    p.invoicing.emplace(*p.store, p.clock, *p.chain, &*p.scripts);
    services::RunWorkerOptions run_options;
    run_options.node_id = "fuzz";
    run_options.threads = 1;
    p.invoice_runs.emplace(*p.store, p.clock, *p.invoicing, run_options);
    p.payments.emplace(*p.store, p.clock, *p.plugin_service, p.log, p.metrics);
    p.revenue_guard.emplace(*p.store, p.clock, *p.telemetry, &*p.secret_box);
    p.resolutions.emplace(*p.store, p.clock, *p.invoicing, *p.payments);
    p.api.emplace(http::ApiContext{
        *p.billing,     *p.keys,           *p.idempotency, *p.inventory,  *p.telemetry,
        *p.contracts,   *p.plugin_service, *p.chain,       *p.hashprices, *p.outbox,
        *p.invoicing,   *p.invoice_runs,   *p.scripts,     *p.payments,   *p.revenue_guard,
        *p.resolutions, *p.store,          p.metrics,      p.log,         std::string(),
        64 * 1024,      256 * 1024});

    const auto issued = p.keys->bootstrapSuperKey();
    check(issued.has_value(), "a fresh database gets a bootstrap key");
    super_key_ = issued->secret;
    tenant_id_ =
        create("POST", "/v1/tenants", R"({"name":"Fuzz Hosting","timezone":"UTC"})", "super");
    ids_["tenant_id"] = tenant_id_;
    const auto key = send(
        "POST", "/v1/api-keys",
        R"({"name":"fuzz","role":"tenant_admin","tenant_id":")" + tenant_id_ + R"("})", "super");
    check(key.status == 201, "the tenant admin key is made", key.body);
    admin_key_ = core::parseJson(key.body).value().find("secret")->asString();

    const std::string customer = create(
        "POST", "/v1/customers", R"({"name":"Ada Miner","contact_email":"ada@example.com"})");
    ids_["customer_id"] = customer;
    ids_["site_id"] = create("POST", "/v1/sites", R"({"name":"North"})");
    ids_["equipment_id"] =
        create("POST", "/v1/equipment",
               R"({"serial_number":"FZ-1","model":"S19","hashrate_ths":"110","power_w":"3250",)"
               R"("owner_customer_id":")" +
                   customer + R"(","pdu_port":"PDU-A1/01"})");
    ids_["contract_id"] =
        create("POST", "/v1/contracts",
               R"({"customer_id":")" + customer + R"(","type":"hosted","rate_per_kwh":"0.065"})");
}

FuzzApp::~FuzzApp() = default;

http::Api& FuzzApp::api() { return *parts_->api; }
services::Inventory& FuzzApp::inventory() { return *parts_->inventory; }

http::Response FuzzApp::send(const std::string& method, const std::string& path, std::string body,
                             const std::string& role,
                             const std::map<std::string, std::string>& headers) {
    http::RawRequest raw;
    raw.method = method;
    raw.path = path;
    raw.headers = headers;
    raw.headers["authorization"] = "Bearer " + (role == "super" ? super_key_ : admin_key_);
    if (raw.headers.find("content-type") == raw.headers.end())
        raw.headers["content-type"] = "application/json";
    raw.headers["x-request-id"] = "req_fuzz_" + std::to_string(++parts_->requests);
    raw.body = std::move(body);
    return parts_->api->handle(raw);
}

std::string FuzzApp::create(const std::string& method, const std::string& path, std::string body,
                            const std::string& role) {
    const auto response = send(method, path, std::move(body), role);
    check(response.status >= 200 && response.status < 300, "a setup request succeeds",
          path + " -> " + std::to_string(response.status) + " " + response.body);
    const auto parsed = core::parseJson(response.body);
    if (!parsed.ok()) return {};
    const core::JsonValue* id = parsed.value().find("id");
    return id != nullptr && id->isString() ? id->asString() : std::string();
}

void checkResponse(const http::Response& response, const std::string& what) {
    const std::string where =
        what + " -> " + std::to_string(response.status) + " " + response.body.substr(0, 2000);
    check(response.status >= 200 && response.status < 500, "no request gets a 5xx", where);
    if (response.status < 400) {
        if (response.content_type == "application/json" && !response.body.empty())
            check(core::parseJson(response.body).ok(), "a JSON answer is JSON", where);
        return;
    }
    check(response.content_type == "application/problem+json", "a 4xx is problem+json", where);
    const auto parsed = core::parseJson(response.body);
    check(parsed.ok() && parsed.value().isObject(), "a problem is a JSON object", where);
    const core::JsonValue& problem = parsed.value();
    for (const char* member : {"type", "title", "code", "request_id"}) {
        const core::JsonValue* v = problem.find(member);
        check(v != nullptr && v->isString() && !v->asString().empty(),
              "a problem has type, title, code and request_id", where);
    }
    const core::JsonValue* status = problem.find("status");
    check(status != nullptr && status->asInt64() == response.status,
          "a problem's status is the response's", where);
}

}  // namespace billwright::fuzz
