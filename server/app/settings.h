#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/log.h"

namespace billwright::app {

struct SettingSpec {
    std::string_view key;
    std::string_view default_value;
    std::string_view description;
};

// Every configuration key, its default and what it does (shown by --help).
const std::vector<SettingSpec>& settingSpecs();

struct Settings {
    std::string http_host;
    std::uint16_t http_port = 8080;
    int http_threads = 64;
    std::size_t http_max_body_bytes = 0;
    int http_auth_cache_ms = 1000;
    std::size_t http_max_bulk_body_bytes = 0;
    std::int64_t telemetry_future_tolerance_seconds = 300;
    std::int64_t telemetry_max_hold_seconds = 7200;
    std::string tls_certificate;
    std::string tls_private_key;
    std::string database_url;
    std::size_t database_pool_size = 8;
    int database_checkpoint_pages = 20000;
    int database_cache_mb = 2;
    int database_mmap_mb = 0;
    std::vector<std::string> plugin_directories;  // empty: next to the executable
    std::map<std::string, std::vector<std::string>> plugin_http_allowlist;
    // platform.plugins.<plugin>.<key>: the platform's configuration of the payment processors
    // it charges tenants through (plugin id -> key -> value; secrets among them).
    std::map<std::string, std::map<std::string, std::string>> platform_plugin_config;
    std::int64_t plugin_http_timeout_ms = 10000;
    std::int64_t plugin_call_timeout_ms = 120000;
    std::string secrets_master_key;  // validated by services::SecretBox at start
    core::LogLevel log_level = core::LogLevel::kInfo;
    core::LogFormat log_format = core::LogFormat::kText;
    int log_flush_ms = 10;
    std::string bootstrap_key_file;
    bool bootstrap_demo_data = false;
    std::string platform_timezone;
    int scheduler_interval_seconds = 60;
    int scheduler_catch_up_days = 7;
    std::int64_t scheduler_lease_seconds = 600;
    // Email delivery (docs/email.md); an empty smtp_host turns delivery off.
    std::string smtp_host;
    std::uint16_t smtp_port = 25;
    std::string smtp_username;
    std::string smtp_password;
    bool smtp_starttls = false;
    bool smtp_tls_verify = true;
    std::string smtp_from_name = "Billwright";  // smtp.from, split
    std::string smtp_from_email = "billing@localhost";
    std::int64_t smtp_timeout_ms = 10000;
    std::int64_t outbox_interval_ms = 2000;
    std::int64_t webhooks_timeout_ms = 10000;
    std::int64_t outbox_max_attempts = 8;
    std::int64_t outbox_backoff_seconds = 30;
    std::int64_t outbox_max_backoff_seconds = 3600;
    // Invoice representations kept for reads (services/invoice_text_cache.h).
    std::int64_t invoices_cache_mb = 16;
    // Invoice runs (docs/invoicing.md).
    std::int64_t invoice_runs_threads = 2;
    std::int64_t invoice_runs_lease_seconds = 60;
    std::int64_t invoice_runs_poll_ms = 1000;
    std::int64_t invoice_runs_batch_size = 64;
    // Tenant Lua scripts: the defaults of tenants without limits of their own
    // (docs/scripting.md).
    std::int64_t scripts_instructions = 1'000'000;
    std::int64_t scripts_memory_bytes = 8 << 20;
    std::int64_t scripts_wall_ms = 250;
    std::int64_t scripts_max_call_depth = 200;
    std::int64_t scripts_max_source_bytes = 64 << 10;
    std::int64_t scripts_quarantine_after = 5;
};

// Layers, later wins: defaults, the properties file, the environment (BILLWRIGHT_HTTP_PORT for
// http.port), then --define/-D on the command line. An unknown key or a bad value is an error
// naming the key, and the server refuses to start.
struct SettingSources {
    std::optional<std::string> file;  // a .properties file
    std::map<std::string, std::string> environment;
    std::map<std::string, std::string> defines;
};

core::Result<Settings> loadSettings(const SettingSources& sources);
std::string environmentName(std::string_view key);  // "http.port" -> "BILLWRIGHT_HTTP_PORT"
std::string settingsHelp();
// "Name <address>" or "address" -> {name, address}; nullopt when the address is not plausible.
std::optional<std::pair<std::string, std::string>> parseMailbox(const std::string& text);

}  // namespace billwright::app
