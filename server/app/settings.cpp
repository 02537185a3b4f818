#include "app/settings.h"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <tuple>
#include <utility>

#include "core/time_zone.h"
#include "storage/database_url.h"

namespace billwright::app {
namespace {

using core::Error;

Error badValue(std::string_view key, std::string message) {
    return Error::validation(std::string(key), "invalid_setting", std::move(message));
}

void collectKeys(const Poco::Util::AbstractConfiguration& config, const std::string& prefix,
                 std::vector<std::string>& out) {
    Poco::Util::AbstractConfiguration::Keys keys;
    config.keys(prefix, keys);
    if (keys.empty() && !prefix.empty()) {
        out.push_back(prefix);
        return;
    }
    for (const auto& k : keys) collectKeys(config, prefix.empty() ? k : prefix + "." + k, out);
}

core::Result<std::int64_t> integerIn(std::string_view key, const std::string& text,
                                     std::int64_t min, std::int64_t max) {
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size() || value < min || value > max) {
        return badValue(
            key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return value;
}

// The non-empty pieces of `text` between `separator`s.
std::vector<std::string> splitNonEmpty(const std::string& text, char separator) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find(separator, start), text.size());
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

core::Result<bool> boolean(std::string_view key, const std::string& text) {
    if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
    if (text == "false" || text == "no" || text == "off" || text == "0") return false;
    return badValue(key, "must be true or false");
}

}  // namespace

std::optional<std::pair<std::string, std::string>> parseMailbox(const std::string& text) {
    std::string name;
    std::string address = text;
    if (const auto open = text.find('<'); open != std::string::npos) {
        if (text.back() != '>') return std::nullopt;
        name = text.substr(0, open);
        while (!name.empty() && name.back() == ' ') name.pop_back();
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
            name = name.substr(1, name.size() - 2);
        address = text.substr(open + 1, text.size() - open - 2);
    }
    const auto at = address.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == address.size()) return std::nullopt;
    for (const char c : address) {
        if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == ',' || c == 0x7F)
            return std::nullopt;
    }
    for (const char c : name) {
        if (c == '\r' || c == '\n' || c == '<' || c == '>') return std::nullopt;
    }
    return std::pair{name, address};
}

const std::vector<SettingSpec>& settingSpecs() {
    static const std::vector<SettingSpec> kSpecs = {
        {"http.host", "127.0.0.1", "address to listen on"},
        {"http.port", "8080", "TCP port to listen on (0 picks a free port)"},
        {"http.threads", "64",
         "request threads; one per keep-alive connection, so size above expected clients"},
        {"http.max_body_bytes", "1048576", "largest request body accepted; larger bodies get 413"},
        {"http.max_bulk_body_bytes", "33554432",
         "largest upload (telemetry, CSV imports) accepted; larger bodies get 413"},
        {"http.auth_cache_ms", "1000",
         "how long a node reuses an API key it has read (the secret is still checked every "
         "request); a key revoked or a tenant suspended through another node stops working here "
         "within this time, through this node at once; 0: read the key every request"},
        {"telemetry.future_tolerance_seconds", "300",
         "telemetry samples further ahead of the server clock are rejected"},
        {"telemetry.max_hold_seconds", "7200",
         "how long a power or hashrate sample stands for when no newer one follows"},
        {"tls.certificate", "", "PEM certificate file; with tls.private_key, serve HTTPS"},
        {"tls.private_key", "", "PEM private key file for tls.certificate"},
        {"database.url", "sqlite:var/billwright.db",
         "sqlite:PATH, or mysql://USER:PASSWORD@HOST:PORT/DATABASE for MariaDB 10.6+ (user and "
         "password percent-encoded); TLS to the database with "
         "?ssl-mode=required|verify-ca|verify-identity[&ssl-ca=FILE][&ssl-cert=FILE&ssl-key=FILE]"},
        {"database.pool_size", "8",
         "database connections kept open (per node; MariaDB's max_connections must cover every "
         "node's pool)"},
        {"database.checkpoint_pages", "20000",
         "SQLite: WAL pages a commit may leave before it checkpoints them (SQLite's own default "
         "is 1000)"},
        {"database.cache_mb", "2",
         "SQLite: each pooled connection's page cache (MiB): pages found there cost no read(2); "
         "worth raising when the pages read most outgrow it and memory is plentiful"},
        {"database.mmap_mb", "0",
         "SQLite: read up to this much of the database file (MiB, at most 2047) through one "
         "memory map shared by all connections instead of read(2); each page then costs a WAL "
         "lookup, so it pays only when the pages read most outgrow database.cache_mb"},
        {"plugins.directories", "",
         "comma-separated directories whose *.so plugins are loaded at start; empty means "
         "<directory of billwrightd>/../lib/billwright/plugins"},
        {"plugins.http_allowlist", "",
         "hosts each plugin may call: plugin_id=host,host;plugin_id=host (others are refused)"},
        {"plugins.http_timeout_ms", "10000", "timeout of one outbound HTTP request of a plugin"},
        {"plugins.call_timeout_ms", "120000", "deadline of one call into a plugin"},
        {"secrets.master_key", "",
         "32-byte key (64 hex digits or base64) sealing plugin secrets with AES-256-GCM; prefer "
         "the environment variable over the file"},
        {"log.level", "info", "debug, info, warning or error"},
        {"log.format", "text", "text (key=value) or json (one object per line)"},
        {"log.flush_ms", "10",
         "debug and info lines (one per request) are written together at most this long after "
         "they were logged, by one thread in one write; warnings and errors at once; 0: each "
         "line written at once by the thread that logged it"},
        {"bootstrap.key_file", "",
         "when set and no super key exists, write the first one here (mode 0600)"},
        {"bootstrap.demo_data", "false",
         "seed a demo tenant with a billing config and invoices into an empty database"},
        {"platform.timezone", "UTC", "IANA time zone of the platform (dashboard month)"},
        {"scheduler.interval_seconds", "60", "how often background jobs run"},
        {"scheduler.catch_up_days", "7",
         "auto-generation still creates a period's invoice this many days after it began"},
        {"scheduler.lease_seconds", "600",
         "a scheduler job's subjects leased by a node that stopped are taken over by another after "
         "this long (longer than four subjects take, payment processor calls included)"},
        {"smtp.host", "", "SMTP server that delivers the email outbox; empty: delivery is off"},
        {"smtp.port", "25", "SMTP server port (587 for submission with STARTTLS)"},
        {"smtp.username", "", "AUTH LOGIN user name; empty: no authentication"},
        {"smtp.password", "",
         "AUTH LOGIN password; prefer the environment variable over the file; never logged"},
        {"smtp.starttls", "false", "require STARTTLS before authenticating and sending"},
        {"smtp.tls_verify", "true",
         "verify the SMTP server's certificate and host name (false: accept any, for tests)"},
        {"smtp.from", "Billwright <billing@localhost>",
         "sender of messages that name none: \"Name <address>\" or address"},
        {"smtp.timeout_ms", "10000", "SMTP connect and read/write timeout"},
        {"outbox.interval_ms", "2000",
         "how often the delivery worker looks for due email and webhooks"},
        {"outbox.max_attempts", "8", "attempts before a message becomes failed (dead letter)"},
        {"outbox.backoff_seconds", "30",
         "wait after the first failed attempt; doubles with each further failure"},
        {"outbox.max_backoff_seconds", "3600", "longest wait between two attempts"},
        {"webhooks.timeout_ms", "10000",
         "connect, send and receive timeout of one RevenueGuard webhook POST"},
        {"invoices.cache_mb", "16",
         "JSON of customer invoices kept in memory for GET /v1/invoices/{id} (MiB); each read "
         "still checks the invoice's revision in the database, so a change is never missed; 0 "
         "turns it off"},
        {"invoice_runs.threads", "2", "customers an invoice run computes at once"},
        {"invoice_runs.lease_seconds", "60",
         "a batch of a run whose node stopped is taken over by another after this long"},
        {"invoice_runs.poll_ms", "1000", "how often an idle node looks for queued invoice runs"},
        {"invoice_runs.batch_size", "64",
         "customers a node leases from a run at once, computes in parallel and writes in one "
         "transaction"},
        {"scripts.instructions", "1000000", "Lua instructions one tenant script call may run"},
        {"scripts.memory_bytes", "8388608", "memory one tenant script's Lua state may hold"},
        {"scripts.wall_ms", "250", "wall-clock milliseconds one tenant script call may take"},
        {"scripts.max_call_depth", "200", "nested Lua calls a tenant script may make"},
        {"scripts.max_source_bytes", "65536", "largest tenant script source accepted"},
        {"scripts.quarantine_after", "5",
         "failures of an active tenant script before it is quarantined"},
    };
    return kSpecs;
}

std::string environmentName(std::string_view key) {
    std::string out = "BILLWRIGHT_";
    for (const char c : key) {
        if (c == '.') {
            out.push_back('_');
        } else {
            out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
        }
    }
    return out;
}

std::string settingsHelp() {
    std::string out = "Configuration keys (file, then environment, then -Dkey=value; last wins):\n";
    for (const auto& s : settingSpecs()) {
        out += "  " + std::string(s.key) + " (env " + environmentName(s.key) + ")\n      " +
               std::string(s.description) + "\n      default: " +
               (s.default_value.empty() ? std::string("(empty)") : std::string(s.default_value)) +
               "\n";
    }
    return out;
}

core::Result<Settings> loadSettings(const SettingSources& sources) {
    std::map<std::string, std::string> values;
    for (const auto& s : settingSpecs()) values[std::string(s.key)] = std::string(s.default_value);
    auto known = [&](const std::string& key) { return values.count(key) > 0; };
    // The platform's own configuration of payment processors, which it charges tenants through:
    // platform.plugins.<plugin id>.<config key> (checked against the plugin when it is loaded).
    constexpr std::string_view kPlatformPlugins = "platform.plugins.";
    std::map<std::string, std::string> platform_plugins;
    auto platformKey = [&](const std::string& key) {
        return key.rfind(kPlatformPlugins, 0) == 0 && key.size() > kPlatformPlugins.size();
    };

    if (sources.file) {
        try {
            Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file(
                new Poco::Util::PropertyFileConfiguration(*sources.file));
            std::vector<std::string> keys;
            collectKeys(*file, "", keys);
            for (const auto& key : keys) {
                if (platformKey(key)) {
                    platform_plugins[key] = file->getRawString(key);
                    continue;
                }
                if (!known(key))
                    return badValue(key, "is not a configuration key (in " + *sources.file + ")");
                values[key] = file->getRawString(key);
            }
        } catch (const Poco::Exception& e) {
            return badValue("config", "cannot read " + *sources.file + ": " + e.displayText());
        }
    }
    for (auto& [key, value] : values) {
        const auto it = sources.environment.find(environmentName(key));
        if (it != sources.environment.end()) value = it->second;
    }
    for (const auto& [key, value] : sources.defines) {
        if (platformKey(key)) {
            platform_plugins[key] = value;
            continue;
        }
        if (!known(key)) return badValue(key, "is not a configuration key (from --define)");
        values[key] = value;
    }

    Settings s;
    for (const auto& [key, value] : platform_plugins) {
        const auto rest = key.substr(kPlatformPlugins.size());
        const auto dot = rest.find('.');
        if (dot == std::string::npos || dot == 0 || dot + 1 == rest.size())
            return badValue(key, "must be platform.plugins.<plugin id>.<config key>");
        s.platform_plugin_config[rest.substr(0, dot)][rest.substr(dot + 1)] = value;
    }
    s.http_host = values["http.host"];
    if (s.http_host.empty()) return badValue("http.host", "must not be empty");
    auto port = integerIn("http.port", values["http.port"], 0, 65535);
    if (!port.ok()) return std::move(port).error();
    s.http_port = static_cast<std::uint16_t>(*port);
    auto threads = integerIn("http.threads", values["http.threads"], 4, 1024);
    if (!threads.ok()) return std::move(threads).error();
    s.http_threads = static_cast<int>(*threads);
    auto body =
        integerIn("http.max_body_bytes", values["http.max_body_bytes"], 1024, 64 * 1024 * 1024);
    if (!body.ok()) return std::move(body).error();
    s.http_max_body_bytes = static_cast<std::size_t>(*body);
    auto bulk = integerIn("http.max_bulk_body_bytes", values["http.max_bulk_body_bytes"], 1024,
                          std::int64_t{1024} * 1024 * 1024);
    if (!bulk.ok()) return std::move(bulk).error();
    s.http_max_bulk_body_bytes = static_cast<std::size_t>(*bulk);
    auto auth_cache = integerIn("http.auth_cache_ms", values["http.auth_cache_ms"], 0, 60000);
    if (!auth_cache.ok()) return std::move(auth_cache).error();
    s.http_auth_cache_ms = static_cast<int>(*auth_cache);
    auto tolerance = integerIn("telemetry.future_tolerance_seconds",
                               values["telemetry.future_tolerance_seconds"], 0, 86400);
    if (!tolerance.ok()) return std::move(tolerance).error();
    s.telemetry_future_tolerance_seconds = *tolerance;
    auto hold = integerIn("telemetry.max_hold_seconds", values["telemetry.max_hold_seconds"], 60,
                          7 * 86400);
    if (!hold.ok()) return std::move(hold).error();
    s.telemetry_max_hold_seconds = *hold;

    s.tls_certificate = values["tls.certificate"];
    s.tls_private_key = values["tls.private_key"];
    if (s.tls_certificate.empty() != s.tls_private_key.empty()) {
        return badValue(s.tls_certificate.empty() ? "tls.certificate" : "tls.private_key",
                        "tls.certificate and tls.private_key are set together");
    }
    for (const auto* key : {"tls.certificate", "tls.private_key"}) {
        if (!values[key].empty() && !std::filesystem::is_regular_file(values[key])) {
            return badValue(key, "file not found: " + values[key]);
        }
    }

    s.database_url = values["database.url"];
    if (storage::isMysqlUrl(s.database_url)) {
        storage::MysqlUrl url;
        try {
            url = storage::parseMysqlUrl(s.database_url);
        } catch (const std::invalid_argument& e) {
            return badValue("database.url", e.what());  // never quotes the password
        }
        for (const auto& [option, file] :
             {std::pair{"ssl-ca", url.tls.ca}, std::pair{"ssl-cert", url.tls.cert},
              std::pair{"ssl-key", url.tls.key}}) {
            if (!file.empty() && !std::ifstream(file).good()) {
                return badValue("database.url",
                                std::string("option ") + option + ": cannot read file " + file);
            }
        }
    } else if (s.database_url.rfind("sqlite:", 0) != 0 || s.database_url.size() <= 7 ||
               s.database_url == "sqlite::memory:") {
        return badValue("database.url",
                        "must be sqlite:PATH or mysql://USER:PASSWORD@HOST:PORT/DATABASE");
    }
    auto pool = integerIn("database.pool_size", values["database.pool_size"], 1, 256);
    if (!pool.ok()) return std::move(pool).error();
    s.database_pool_size = static_cast<std::size_t>(*pool);
    auto checkpoint =
        integerIn("database.checkpoint_pages", values["database.checkpoint_pages"], 100, 1000000);
    if (!checkpoint.ok()) return std::move(checkpoint).error();
    s.database_checkpoint_pages = static_cast<int>(*checkpoint);
    auto mmap_mb = integerIn("database.mmap_mb", values["database.mmap_mb"], 0, 2047);
    if (!mmap_mb.ok()) return std::move(mmap_mb).error();
    s.database_mmap_mb = static_cast<int>(*mmap_mb);
    auto cache_mb = integerIn("database.cache_mb", values["database.cache_mb"], 1, 4096);
    if (!cache_mb.ok()) return std::move(cache_mb).error();
    s.database_cache_mb = static_cast<int>(*cache_mb);

    s.plugin_directories = splitNonEmpty(values["plugins.directories"], ',');
    // plugin_id=host,host;plugin_id=host
    for (const auto& entry : splitNonEmpty(values["plugins.http_allowlist"], ';')) {
        const auto eq = entry.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size())
            return badValue("plugins.http_allowlist",
                            "entries are plugin_id=host[,host]; separated by ;");
        auto& hosts = s.plugin_http_allowlist[entry.substr(0, eq)];
        for (auto& host : splitNonEmpty(entry.substr(eq + 1), ','))
            hosts.push_back(std::move(host));
    }
    auto http_timeout =
        integerIn("plugins.http_timeout_ms", values["plugins.http_timeout_ms"], 100, 600000);
    if (!http_timeout.ok()) return std::move(http_timeout).error();
    s.plugin_http_timeout_ms = *http_timeout;
    auto call_timeout =
        integerIn("plugins.call_timeout_ms", values["plugins.call_timeout_ms"], 100, 3600000);
    if (!call_timeout.ok()) return std::move(call_timeout).error();
    s.plugin_call_timeout_ms = *call_timeout;
    s.secrets_master_key = values["secrets.master_key"];

    if (!core::parseLogLevel(values["log.level"], s.log_level)) {
        return badValue("log.level", "must be debug, info, warning or error");
    }
    if (!core::parseLogFormat(values["log.format"], s.log_format)) {
        return badValue("log.format", "must be text or json");
    }
    auto log_flush = integerIn("log.flush_ms", values["log.flush_ms"], 0, 1000);
    if (!log_flush.ok()) return std::move(log_flush).error();
    s.log_flush_ms = static_cast<int>(*log_flush);
    s.bootstrap_key_file = values["bootstrap.key_file"];
    auto demo = boolean("bootstrap.demo_data", values["bootstrap.demo_data"]);
    if (!demo.ok()) return std::move(demo).error();
    s.bootstrap_demo_data = *demo;
    s.platform_timezone = values["platform.timezone"];
    if (!core::TimeZone::load(s.platform_timezone).ok()) {
        return badValue("platform.timezone",
                        "must be an IANA time zone such as UTC or Europe/Berlin");
    }
    auto interval =
        integerIn("scheduler.interval_seconds", values["scheduler.interval_seconds"], 1, 86400);
    if (!interval.ok()) return std::move(interval).error();
    s.scheduler_interval_seconds = static_cast<int>(*interval);
    auto catch_up = integerIn("scheduler.catch_up_days", values["scheduler.catch_up_days"], 1, 28);
    if (!catch_up.ok()) return std::move(catch_up).error();
    s.scheduler_catch_up_days = static_cast<int>(*catch_up);
    auto lease = integerIn("scheduler.lease_seconds", values["scheduler.lease_seconds"], 10, 86400);
    if (!lease.ok()) return std::move(lease).error();
    s.scheduler_lease_seconds = *lease;

    s.smtp_host = values["smtp.host"];
    auto smtp_port = integerIn("smtp.port", values["smtp.port"], 1, 65535);
    if (!smtp_port.ok()) return std::move(smtp_port).error();
    s.smtp_port = static_cast<std::uint16_t>(*smtp_port);
    s.smtp_username = values["smtp.username"];
    s.smtp_password = values["smtp.password"];
    if (s.smtp_username.empty() != s.smtp_password.empty()) {
        return badValue(s.smtp_username.empty() ? "smtp.username" : "smtp.password",
                        "smtp.username and smtp.password are set together");
    }
    auto starttls = boolean("smtp.starttls", values["smtp.starttls"]);
    if (!starttls.ok()) return std::move(starttls).error();
    s.smtp_starttls = *starttls;
    auto tls_verify = boolean("smtp.tls_verify", values["smtp.tls_verify"]);
    if (!tls_verify.ok()) return std::move(tls_verify).error();
    s.smtp_tls_verify = *tls_verify;
    const auto from = parseMailbox(values["smtp.from"]);
    if (!from) return badValue("smtp.from", "must be an address or \"Name <address>\"");
    s.smtp_from_name = from->first;
    s.smtp_from_email = from->second;
    const std::tuple<const char*, std::int64_t*, std::int64_t, std::int64_t> numbers[] = {
        {"smtp.timeout_ms", &s.smtp_timeout_ms, 100, 600000},
        {"outbox.interval_ms", &s.outbox_interval_ms, 10, 3600000},
        {"outbox.max_attempts", &s.outbox_max_attempts, 1, 100},
        {"outbox.backoff_seconds", &s.outbox_backoff_seconds, 1, 86400},
        {"outbox.max_backoff_seconds", &s.outbox_max_backoff_seconds, 1, 7 * 86400},
        {"webhooks.timeout_ms", &s.webhooks_timeout_ms, 100, 600000},
        {"invoices.cache_mb", &s.invoices_cache_mb, 0, 4096},
        {"invoice_runs.threads", &s.invoice_runs_threads, 1, 64},
        {"invoice_runs.lease_seconds", &s.invoice_runs_lease_seconds, 2, 86400},
        {"invoice_runs.poll_ms", &s.invoice_runs_poll_ms, 10, 600000},
        {"invoice_runs.batch_size", &s.invoice_runs_batch_size, 1, 1000},
        {"scripts.instructions", &s.scripts_instructions, 10'000, 1'000'000'000},
        {"scripts.memory_bytes", &s.scripts_memory_bytes, 256 << 10, 1 << 30},
        {"scripts.wall_ms", &s.scripts_wall_ms, 1, 60'000},
        {"scripts.max_call_depth", &s.scripts_max_call_depth, 10, 5'000},
        {"scripts.max_source_bytes", &s.scripts_max_source_bytes, 1 << 10, 1 << 20},
        {"scripts.quarantine_after", &s.scripts_quarantine_after, 1, 1000},
    };
    for (const auto& [key, out, min, max] : numbers) {
        auto value = integerIn(key, values[key], min, max);
        if (!value.ok()) return std::move(value).error();
        *out = *value;
    }
    if (s.outbox_max_backoff_seconds < s.outbox_backoff_seconds) {
        return badValue("outbox.max_backoff_seconds",
                        "must not be less than outbox.backoff_seconds");
    }
    return s;
}

}  // namespace billwright::app
