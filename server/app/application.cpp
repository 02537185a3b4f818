#include "app/application.h"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/demo_data.h"
#include "app/openapi_document.h"
#include "app/settings.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/random.h"
#include "core/time_zone.h"
#include "http/api.h"
#include "http/server.h"
#include "jobs/invoice_run_worker.h"
#include "jobs/outbox_delivery.h"
#include "jobs/scheduler.h"
#include "jobs/smtp_mailer.h"
#include "jobs/webhook_sender.h"
#include "plugins/host.h"
#include "plugins/registry.h"
#include "services/api_keys.h"
#include "services/hashprices.h"
#include "services/idempotency.h"
#include "services/outbox.h"
#include "services/platform_billing.h"
#include "services/plugins.h"
#include "services/resolutions.h"
#include "services/revenue_guard.h"
#include "services/secret_box.h"
#include "services/usage_chain.h"
#include "storage/database.h"
#include "storage/database_url.h"
#include "storage/migrations.h"
#include "storage/repositories.h"

extern char** environ;

namespace billwright::app {
namespace {

constexpr int kExitConfig = 78;  // EX_CONFIG

std::map<std::string, std::string> environmentVariables() {
    std::map<std::string, std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string::npos && entry.rfind("BILLWRIGHT_", 0) == 0) {
            out[entry.substr(0, eq)] = entry.substr(eq + 1);
        }
    }
    return out;
}

// <directory of the executable>/../lib/billwright/plugins: where the build puts the first-party
// plugins (build/<preset>/lib/billwright/plugins) and where an install puts them.
std::string defaultPluginDirectory() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "lib/billwright/plugins";
    return (exe.parent_path().parent_path() / "lib" / "billwright" / "plugins").string();
}

// Writes the bootstrap key for automation: created 0600 before any byte is written.
// This process's name as a lease owner: host, pid and a random tag (a restarted process on the
// same host never mistakes an old lease for its own).
std::string nodeId() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return std::string(host) + ":" + std::to_string(::getpid()) + ":" +
           core::base64Url(core::randomBytes(6));
}

bool writeKeyFile(const std::string& path, const std::string& secret) {
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    const bool ok = ::fchmod(fd, 0600) == 0;
    const std::string line = secret + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    return ::close(fd) == 0 && ok && written;
}

jobs::SmtpOptions smtpOptions(const Settings& s) {
    jobs::SmtpOptions o;
    o.host = s.smtp_host;
    o.port = s.smtp_port;
    o.username = s.smtp_username;
    o.password = s.smtp_password;
    o.starttls = s.smtp_starttls;
    o.tls_verify = s.smtp_tls_verify;
    o.timeout = std::chrono::milliseconds(s.smtp_timeout_ms);
    return o;
}

jobs::OutboxOptions outboxOptions(const Settings& s) {
    jobs::OutboxOptions o;
    o.max_attempts = s.outbox_max_attempts;
    o.backoff_seconds = s.outbox_backoff_seconds;
    o.max_backoff_seconds = s.outbox_max_backoff_seconds;
    o.default_sender = {s.smtp_from_name, s.smtp_from_email};
    // A claimed batch must be sent (or time out) well inside its lease: twice the longest a
    // batch can take. It is also how long a crashed node's claimed messages wait before another
    // node (or the restarted one) sends them: 10 minutes with the default 10 s timeouts, 6 s
    // with 100 ms ones.
    const auto batch_ms = static_cast<std::int64_t>(o.batch_size) *
                          std::max(s.smtp_timeout_ms, s.webhooks_timeout_ms) *
                          3;  // connect, TLS / send, data / receive
    o.lease = std::max(
        std::chrono::seconds(5),
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::milliseconds(batch_ms)) * 2);
    return o;
}

class Billwrightd final : public Poco::Util::ServerApplication {
protected:
    void defineOptions(Poco::Util::OptionSet& options) override {
        ServerApplication::defineOptions(options);
        options.addOption(
            Poco::Util::Option("help", "h", "print options and configuration keys")
                .required(false)
                .repeatable(false)
                .callback(Poco::Util::OptionCallback<Billwrightd>(this, &Billwrightd::onHelp)));
        options.addOption(
            Poco::Util::Option("define", "D", "set a configuration key: -Dkey=value")
                .required(false)
                .repeatable(true)
                .argument("key=value")
                .callback(Poco::Util::OptionCallback<Billwrightd>(this, &Billwrightd::onDefine)));
        options.addOption(
            Poco::Util::Option("config", "c", "read configuration from a properties file")
                .required(false)
                .repeatable(false)
                .argument("file")
                .callback(Poco::Util::OptionCallback<Billwrightd>(this, &Billwrightd::onConfig)));
        options.addOption(
            Poco::Util::Option("migrate", "", "apply pending database migrations and exit")
                .required(false)
                .repeatable(false)
                .callback(Poco::Util::OptionCallback<Billwrightd>(this, &Billwrightd::onMigrate)));
        options.addOption(
            Poco::Util::Option("create-super-key", "", "create a new super key, print it and exit")
                .required(false)
                .repeatable(false)
                .argument("name")
                .callback(
                    Poco::Util::OptionCallback<Billwrightd>(this, &Billwrightd::onCreateKey)));
        options.addOption(Poco::Util::Option("list-routes", "", "print every API route and exit")
                              .required(false)
                              .repeatable(false)
                              .callback(Poco::Util::OptionCallback<Billwrightd>(
                                  this, &Billwrightd::onListRoutes)));
    }

    int main(const std::vector<std::string>&) override {
        if (help_) {
            Poco::Util::HelpFormatter formatter(options());
            formatter.setCommand(commandName());
            formatter.setUsage("[options]");
            formatter.setHeader("Billwright billing platform server.");
            formatter.format(std::cout);
            std::cout << "\n" << settingsHelp();
            return EXIT_OK;
        }
        if (!bad_define_.empty()) {
            std::cerr << "billwrightd: configuration error: --define " << bad_define_
                      << ": expected key=value\n";
            return kExitConfig;
        }
        SettingSources sources;
        if (!config_file_.empty()) {
            sources.file = config_file_;
        } else if (const char* env = std::getenv("BILLWRIGHT_CONFIG");
                   env != nullptr && *env != '\0') {
            sources.file = env;
        } else if (std::filesystem::exists("conf/billwright.properties")) {
            sources.file = "conf/billwright.properties";
        }
        sources.environment = environmentVariables();
        sources.environment.erase("BILLWRIGHT_CONFIG");
        sources.defines = defines_;
        auto settings = loadSettings(sources);
        if (!settings.ok()) {
            const auto& f = settings.error().fields.at(0);
            std::cerr << "billwrightd: configuration error: " << f.field << ": " << f.message
                      << "\n";
            return kExitConfig;
        }
        try {
            return serve(*settings);
        } catch (const std::exception& e) {
            log_.error("fatal", {{"error", e.what()}});
            return EXIT_SOFTWARE;
        }
    }

private:
    int serve(const Settings& settings) {
        log_.configure(settings.log_level, settings.log_format);
        log_.startWriter(std::chrono::milliseconds{settings.log_flush_ms});
        // Queued lines are written when serve() ends, however it ends.
        const std::unique_ptr<core::Logger, void (*)(core::Logger*)> writer_stop(
            &log_, [](core::Logger* log) { log->stopWriter(); });
        core::SystemClock clock;
        storage::DatabaseOptions db_options;
        db_options.pool_size = settings.database_pool_size;
        db_options.checkpoint_pages = settings.database_checkpoint_pages;
        db_options.mmap_mb = settings.database_mmap_mb;
        db_options.cache_mb = settings.database_cache_mb;
        auto database = storage::openDatabase(settings.database_url, db_options);
        const auto now = clock.nowSeconds().time_since_epoch().count();
        const auto report = storage::applyMigrations(*database, now);
        for (const int v : report.applied_now)
            log_.info("migration applied", {{"version", std::to_string(v)}});
        if (migrate_only_) {
            std::cout << "schema version " << report.current_version << "\n";
            return EXIT_OK;
        }
        auto store = storage::makeSqlStore(*database);
        core::Metrics metrics;

        // Plugins: loaded once, before anything can call them; never unloaded.
        auto transport = plugins::makePocoTransport();
        plugins::HostEnvironment plugin_env{log_,
                                            metrics,
                                            clock,
                                            transport.get(),
                                            settings.plugin_http_allowlist,
                                            settings.plugin_http_timeout_ms};
        plugins::Registry registry(plugin_env);
        registry.loadDirectories(settings.plugin_directories.empty()
                                     ? std::vector<std::string>{defaultPluginDirectory()}
                                     : settings.plugin_directories);
        std::optional<services::SecretBox> secret_box;
        if (!settings.secrets_master_key.empty()) {
            auto box = services::SecretBox::fromText(settings.secrets_master_key);
            if (!box.ok()) {
                std::cerr << "billwrightd: configuration error: secrets.master_key: "
                          << box.error().fields.at(0).message << "\n";
                return kExitConfig;
            }
            secret_box = std::move(*box);
        }
        services::Plugins plugin_service(*store, clock, registry, plugin_env, secret_box,
                                         settings.plugin_call_timeout_ms);
        if (auto checked = plugin_service.setPlatformConfig(settings.platform_plugin_config);
            !checked.ok()) {
            std::cerr << "billwrightd: configuration error: " << checked.error().fields.at(0).field
                      << ": " << checked.error().fields.at(0).message << "\n";
            return kExitConfig;
        }
        if (auto checked = plugin_service.checkMasterKey(); !checked.ok()) {
            std::cerr << "billwrightd: configuration error: secrets.master_key: "
                      << checked.error().fields.at(0).message << "\n";
            return kExitConfig;
        }

        auto platform_zone = core::TimeZone::load(settings.platform_timezone);
        services::PlatformBilling billing(*store, clock, plugin_service, platform_zone.value(),
                                          settings.scheduler_catch_up_days);
        services::ApiKeys keys(*store, clock,
                               std::chrono::milliseconds{settings.http_auth_cache_ms});
        services::Idempotency idempotency(*store, clock);
        if (!new_key_name_.empty()) {
            const auto issued = keys.createSuperKey(new_key_name_);
            std::cout << issued.secret << std::endl;
            return EXIT_OK;
        }
        services::Inventory inventory(*store, clock);
        services::TelemetryOptions telemetry_options;
        telemetry_options.future_tolerance_seconds = settings.telemetry_future_tolerance_seconds;
        telemetry_options.max_hold_seconds = settings.telemetry_max_hold_seconds;
        services::Telemetry telemetry(*store, clock, telemetry_options);
        services::Contracts contracts(*store, clock);
        services::BillingChain chain(*store, plugin_service, settings.telemetry_max_hold_seconds);
        services::Hashprices hashprices(*store, clock);
        services::Outbox outbox(*store, clock);
        services::ScriptDefaults script_defaults;
        script_defaults.limits.instructions = settings.scripts_instructions;
        script_defaults.limits.memory_bytes =
            static_cast<std::size_t>(settings.scripts_memory_bytes);
        script_defaults.limits.wall_ms = settings.scripts_wall_ms;
        script_defaults.limits.max_call_depth = static_cast<int>(settings.scripts_max_call_depth);
        script_defaults.limits.max_source_bytes =
            static_cast<std::size_t>(settings.scripts_max_source_bytes);
        script_defaults.quarantine_after = settings.scripts_quarantine_after;
        services::Scripts scripts(*store, clock, metrics, script_defaults);
        services::Invoicing invoicing(*store, clock, chain, &scripts);
        invoicing.keepTexts(static_cast<std::size_t>(settings.invoices_cache_mb) << 20);
        // This process's name as the owner of every lease it takes (run items, job subjects).
        const std::string node_id = nodeId();
        services::RunWorkerOptions run_options;
        run_options.node_id = node_id;
        run_options.lease_seconds = settings.invoice_runs_lease_seconds;
        run_options.threads = static_cast<int>(settings.invoice_runs_threads);
        run_options.batch_size = static_cast<std::size_t>(settings.invoice_runs_batch_size);
        services::InvoiceRuns invoice_runs(*store, clock, invoicing, run_options);
        services::Payments payments(*store, clock, plugin_service, log_, metrics);
        services::RevenueGuard revenue_guard(*store, clock, telemetry,
                                             secret_box ? &*secret_box : nullptr);
        services::Resolutions resolutions(*store, clock, invoicing, payments);
        http::Api api({billing,
                       keys,
                       idempotency,
                       inventory,
                       telemetry,
                       contracts,
                       plugin_service,
                       chain,
                       hashprices,
                       outbox,
                       invoicing,
                       invoice_runs,
                       scripts,
                       payments,
                       revenue_guard,
                       resolutions,
                       *store,
                       metrics,
                       log_,
                       std::string(openapiDocument()),
                       settings.http_max_body_bytes,
                       settings.http_max_bulk_body_bytes});
        if (list_routes_) {
            for (const auto& r : api.router().routes())
                std::cout << r.method << " " << r.pattern << "\n";
            return EXIT_OK;
        }
        if (auto issued = keys.bootstrapSuperKey()) {
            std::cout << "Super-admin API key (shown once, only its hash is stored):\n  "
                      << issued->secret << std::endl;
            if (!settings.bootstrap_key_file.empty()) {
                if (!writeKeyFile(settings.bootstrap_key_file, issued->secret)) {
                    log_.error("cannot write bootstrap.key_file",
                               {{"path", settings.bootstrap_key_file}});
                    return kExitConfig;
                }
                log_.info("bootstrap key written", {{"path", settings.bootstrap_key_file}});
            }
        }
        if (settings.bootstrap_demo_data) {
            if (const auto tenant = seedDemoData(billing, *store)) {
                std::cout << "Demo tenant: " << *tenant << std::endl;
            }
        }

        http::ServerOptions server_options;
        server_options.host = settings.http_host;
        server_options.port = settings.http_port;
        server_options.threads = settings.http_threads;
        server_options.tls_certificate = settings.tls_certificate;
        server_options.tls_private_key = settings.tls_private_key;
        http::Server server(api, server_options);
        server.start();
        services::LeaseOptions lease_options;
        lease_options.node_id = node_id;
        lease_options.lease_seconds = settings.scheduler_lease_seconds;
        services::WorkLeases leases(*store, clock, lease_options);
        jobs::Scheduler scheduler(log_, metrics);
        jobs::addPlatformJobs(scheduler, leases, billing, idempotency);
        jobs::addContractJobs(scheduler, leases, contracts);
        jobs::addInvoicingJobs(scheduler, leases, invoicing, invoice_runs,
                               settings.scheduler_catch_up_days);
        jobs::addPaymentJobs(scheduler, leases, payments);
        scheduler.start(std::chrono::seconds(settings.scheduler_interval_seconds));
        jobs::InvoiceRunWorker run_worker(invoice_runs, log_, metrics);
        run_worker.start(std::chrono::milliseconds(settings.invoice_runs_poll_ms));
        // The outbox has its own thread, so a message does not wait for the scheduler's tick.
        // Webhooks are always delivered; email only when an SMTP server is configured.
        std::unique_ptr<jobs::SmtpMailer> mailer;
        if (settings.smtp_host.empty()) {
            log_.info("email delivery is off (smtp.host is empty); messages stay pending");
        } else {
            mailer = std::make_unique<jobs::SmtpMailer>(smtpOptions(settings));
            log_.info("email delivery on",
                      {{"smtp_host", settings.smtp_host},
                       {"smtp_port", std::to_string(settings.smtp_port)},
                       {"starttls", settings.smtp_starttls ? "true" : "false"}});
        }
        jobs::HttpWebhookSender webhook_sender(
            std::chrono::milliseconds(settings.webhooks_timeout_ms));
        jobs::WebhookChannel webhooks{webhook_sender, [&revenue_guard](const std::string& tenant) {
                                          return revenue_guard.webhookEndpoint(tenant);
                                      }};
        auto delivery = std::make_unique<jobs::OutboxDelivery>(
            *store, clock, mailer.get(), webhooks, log_, metrics, outboxOptions(settings));
        delivery->start(std::chrono::milliseconds(settings.outbox_interval_ms));

        const std::string url = std::string(server.tls() ? "https" : "http") + "://" +
                                settings.http_host + ":" + std::to_string(server.port());
        std::cout << "billwrightd listening on " << url << std::endl;
        log_.info("listening", {{"url", url},
                                {"database", storage::redactedDatabaseUrl(settings.database_url)}});

        waitForTerminationRequest();
        log_.info("shutting down");
        server.stop();
        scheduler.stop();
        run_worker.stop();
        delivery->stop();
        log_.info("stopped");
        return EXIT_OK;
    }

    void onHelp(const std::string&, const std::string&) {
        help_ = true;
        stopOptionsProcessing();
    }
    void onDefine(const std::string&, const std::string& value) {
        const auto eq = value.find('=');
        if (eq == std::string::npos || eq == 0) {
            bad_define_ = value;
            return;
        }
        defines_[value.substr(0, eq)] = value.substr(eq + 1);
    }
    void onConfig(const std::string&, const std::string& value) { config_file_ = value; }
    void onMigrate(const std::string&, const std::string&) { migrate_only_ = true; }
    void onCreateKey(const std::string&, const std::string& value) { new_key_name_ = value; }
    void onListRoutes(const std::string&, const std::string&) { list_routes_ = true; }

    core::Logger log_;
    bool help_ = false;
    bool migrate_only_ = false;
    bool list_routes_ = false;
    std::string new_key_name_;
    std::string config_file_;
    std::string bad_define_;
    std::map<std::string, std::string> defines_;
};

}  // namespace

int runServer(int argc, char** argv) {
    Billwrightd app;
    return app.run(argc, argv);
}

}  // namespace billwright::app
