#include <billwright/mock_host.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <billwright/plugin.h>

namespace billwright::mock {
namespace {

constexpr std::int64_t kHourSeconds = 3600;
constexpr std::int64_t kDefaultNowMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kDefaultCallBudgetMs = 30'000;
// What one bill() may take from alloc() and the values the host hands out; alloc() answers
// NULL beyond it, as a real host refusing memory would.
constexpr std::size_t kArenaLimitBytes = 64u << 20;

struct Point {
    std::int64_t ts = 0;
    std::int64_t value = 0;
};

// The samples of one (equipment, kind), kept in the order they were added until served; then
// sorted by ts, and of two samples at one ts the one added last wins (the server stores one
// sample per key, so a plugin never sees two at one ts).
struct Series {
    std::vector<Point> points;
    bool ordered = true;

    const std::vector<Point>& sorted() {
        if (ordered) return points;
        std::stable_sort(points.begin(), points.end(),
                         [](const Point& a, const Point& b) { return a.ts < b.ts; });
        std::vector<Point> unique;
        unique.reserve(points.size());
        for (const Point& p : points) {
            if (!unique.empty() && unique.back().ts == p.ts) {
                unique.back() = p;
            } else {
                unique.push_back(p);
            }
        }
        points = std::move(unique);
        ordered = true;
        return points;
    }
};

struct ArenaBlock {
    std::unique_ptr<unsigned char[]> bytes;
    std::size_t size = 0;
};

std::string lowerCase(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && lowerCase(text.substr(0, prefix.size())) == prefix;
}

// The host of an absolute http(s) URL, lower-cased, or nullopt when the URL is not one.
std::optional<std::string> urlHost(std::string_view url) {
    std::string_view rest;
    if (startsWithNoCase(url, "http://")) {
        rest = url.substr(7);
    } else if (startsWithNoCase(url, "https://")) {
        rest = url.substr(8);
    } else {
        return std::nullopt;
    }
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    const std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string_view host;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
            if (port.empty()) return std::nullopt;
        }
    } else {
        const std::size_t colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) return std::nullopt;
        }
    }
    if (host.empty()) return std::nullopt;
    for (const char c : port) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    return lowerCase(host);
}

struct Digest {
    const char* name;
    std::size_t size;
};

std::optional<Digest> digestOf(std::int32_t algorithm) {
    switch (algorithm) {
        case BW_HASH_SHA256:
            return Digest{"SHA256", 32};
        case BW_HASH_SHA512:
            return Digest{"SHA512", 64};
        case BW_HASH_SHA1:
            return Digest{"SHA1", 20};
        default:
            return std::nullopt;
    }
}

// The checks a host makes on any descriptor before using it; an empty answer means it passed.
std::string descriptorProblem(const bw_plugin_descriptor* d) {
    if (d == nullptr) return "the entry point returned NULL";
    if (!BW_HAS_FIELD(d, bw_plugin_descriptor, billing_method)) {
        return "descriptor size " + std::to_string(d->size) + " is smaller than ABI 1.0's";
    }
    if (d->magic != BW_PLUGIN_MAGIC) return "descriptor magic is not BW_PLUGIN_MAGIC";
    if (d->abi_major != BW_ABI_MAJOR) {
        return "plugin ABI major " + std::to_string(d->abi_major) + " is not the host's " +
               std::to_string(BW_ABI_MAJOR);
    }
    if (d->abi_minor > BW_ABI_MINOR) {
        return "plugin ABI minor " + std::to_string(d->abi_minor) + " is newer than the host's " +
               std::to_string(BW_ABI_MINOR);
    }
    if (d->id == nullptr || d->version == nullptr) return "descriptor id or version missing";
    if (d->config_key_count > 0 && d->config_keys == nullptr) return "config_keys is NULL";
    return {};
}

}  // namespace

struct MockHost::State {
    // The request.
    std::string tenant_id = "ten_test";
    std::string contract_id = "ctr_test";
    std::string customer_id = "cus_test";
    std::string currency = "USD";
    std::int32_t currency_exponent = 2;
    std::int64_t period_start = 0;
    std::int64_t period_end = 0;
    std::int64_t max_hold_seconds = 7200;
    std::vector<MockEquipment> equipment;

    // What the host serves.
    std::map<std::string, std::string> config;
    std::map<std::string, std::string> secrets;
    std::map<std::string, std::string> params;
    std::map<std::pair<std::uint32_t, std::int32_t>, Series> telemetry;
    std::int64_t now_ms = kDefaultNowMs;
    std::optional<std::int64_t> deadline_ms;  // unset: now + kDefaultCallBudgetMs
    std::set<std::string> allowed_hosts;
    std::function<HttpReply(const HttpCall&)> http_handler;

    // The plugin of the last bill(), for its declared keys; and whether bill() is running it.
    const bw_plugin_descriptor* plugin = nullptr;
    std::uint32_t output = 0;
    bool in_bill = false;

    // Results.
    std::vector<std::vector<HourResult>> hours;
    std::vector<std::map<std::string, std::string>> details;
    std::vector<AmountLine> amounts;
    std::string last_error;
    std::vector<LogLine> logs;
    std::vector<HttpCall> http_calls;
    std::size_t telemetry_reads = 0;
    std::uint32_t largest_read_capacity = 0;

    std::vector<ArenaBlock> arena;
    std::size_t arena_bytes = 0;

    ~State() { freeArena(); }

    std::uint32_t hourCount() const {
        if (period_end <= period_start) return 0;
        const auto span =
            static_cast<std::uint64_t>(period_end) - static_cast<std::uint64_t>(period_start);
        return static_cast<std::uint32_t>((span + kHourSeconds - 1) / kHourSeconds);
    }

    std::int64_t hourSeconds(std::uint32_t hour) const {
        const std::int64_t start = period_start + static_cast<std::int64_t>(hour) * kHourSeconds;
        return std::min(kHourSeconds, period_end - start);
    }

    std::int64_t deadline() const { return deadline_ms.value_or(now_ms + kDefaultCallBudgetMs); }
    bool pastDeadline() const { return now_ms > deadline(); }

    // Gives every equipment one (unemitted) entry per hour; keeps what fits the new shape.
    void reshape() {
        hours.resize(equipment.size());
        details.resize(equipment.size());
        for (auto& h : hours) h.resize(hourCount());
    }

    void clearResults() {
        hours.clear();
        details.clear();
        reshape();
        amounts.clear();
        last_error.clear();
        logs.clear();
        http_calls.clear();
        telemetry_reads = 0;
        largest_read_capacity = 0;
        freeArena();
    }

    void freeArena() {
        for (ArenaBlock& block : arena) OPENSSL_cleanse(block.bytes.get(), block.size);
        arena.clear();
        arena_bytes = 0;
    }

    // Zeroed host-owned memory that lives until the next bill(); nullptr beyond the limit.
    unsigned char* allocate(std::size_t len) {
        const std::size_t size = len == 0 ? 1 : len;
        if (size > kArenaLimitBytes - arena_bytes) return nullptr;
        ArenaBlock block{std::make_unique<unsigned char[]>(size), size};
        unsigned char* p = block.bytes.get();
        arena.push_back(std::move(block));
        arena_bytes += size;
        return p;
    }

    // A copy of `value` in host-owned memory (NUL-terminated) as a bw_str.
    bw_status hand(std::string_view value, bw_str* out) {
        unsigned char* p = allocate(value.size() + 1);
        if (p == nullptr) return BW_ERR_INTERNAL;
        if (!value.empty()) std::memcpy(p, value.data(), value.size());
        out->data = reinterpret_cast<const char*>(p);
        out->len = value.size();
        return BW_OK;
    }

    const bw_config_key* declaredKey(std::string_view name) const {
        if (plugin == nullptr) return nullptr;
        for (std::uint32_t i = 0; i < plugin->config_key_count; ++i) {
            const bw_config_key* key = plugin->config_keys[i];
            if (key == nullptr || !BW_HAS_FIELD(key, bw_config_key, name)) continue;
            if (key->name != nullptr && name == key->name) return key;
        }
        return nullptr;
    }

    const std::vector<Point>& series(std::uint32_t equipment_index, std::int32_t kind) {
        static const std::vector<Point> kNone;
        const auto it = telemetry.find({equipment_index, kind});
        return it == telemetry.end() ? kNone : it->second.sorted();
    }
};

namespace {

using State = MockHost::State;

bw_call* toCall(State* state) { return reinterpret_cast<bw_call*>(state); }
State* toState(bw_call* call) { return reinterpret_cast<State*>(call); }

bool validKind(std::int32_t kind) { return kind >= BW_SAMPLE_ENERGY && kind <= BW_SAMPLE_STATUS; }

// Runs a host function body; an exception (a throwing HTTP handler, bad_alloc) becomes
// BW_ERR_INTERNAL with its message in the log, never an exception through the plugin's frames.
template <class F>
bw_status guarded(bw_call* call, F&& body) noexcept {
    if (call == nullptr) return BW_ERR_INVALID_ARGUMENT;
    try {
        return body(*toState(call));
    } catch (const std::exception& e) {
        toState(call)->logs.push_back({BW_LOG_ERROR, std::string("mock host: ") + e.what()});
        return BW_ERR_INTERNAL;
    } catch (...) {
        toState(call)->logs.push_back({BW_LOG_ERROR, "mock host: unknown exception"});
        return BW_ERR_INTERNAL;
    }
}

std::string copyText(const char* text, std::size_t len) {
    return text == nullptr ? std::string() : std::string(text, len);
}

void hostLog(bw_call* call, std::int32_t level, const char* message, std::size_t len) noexcept {
    if (call == nullptr) return;
    toState(call)->logs.push_back({level, copyText(message, len)});
}

void hostSetError(bw_call* call, const char* message, std::size_t len) noexcept {
    if (call == nullptr) return;
    toState(call)->last_error = copyText(message, len);
}

bw_status hostConfigGet(bw_call* call, const char* key, bw_str* out) {
    return guarded(call, [&](State& s) {
        if (key == nullptr || out == nullptr) return BW_ERR_INVALID_ARGUMENT;
        const bw_config_key* declared = s.declaredKey(key);
        const bool declared_secret = declared != nullptr &&
                                     BW_HAS_FIELD(declared, bw_config_key, flags) &&
                                     (declared->flags & BW_CONFIG_SECRET) != 0;
        if (declared_secret) return BW_ERR_DENIED;
        if (const auto it = s.config.find(key); it != s.config.end())
            return s.hand(it->second, out);
        if (s.secrets.contains(key)) return BW_ERR_DENIED;
        if (declared != nullptr && BW_HAS_FIELD(declared, bw_config_key, default_value) &&
            declared->default_value != nullptr) {
            return s.hand(declared->default_value, out);
        }
        return BW_ERR_NOT_FOUND;
    });
}

bw_status lookupIn(State& s, const std::map<std::string, std::string>& values, const char* key,
                   bw_str* out) {
    if (key == nullptr || out == nullptr) return BW_ERR_INVALID_ARGUMENT;
    const auto it = values.find(key);
    if (it == values.end()) return BW_ERR_NOT_FOUND;
    return s.hand(it->second, out);
}

bw_status hostSecretGet(bw_call* call, const char* key, bw_str* out) {
    return guarded(call, [&](State& s) { return lookupIn(s, s.secrets, key, out); });
}

bw_status hostParamGet(bw_call* call, const char* key, bw_str* out) {
    return guarded(call, [&](State& s) { return lookupIn(s, s.params, key, out); });
}

bw_status hostHttpRequest(bw_call* call, const bw_http_request* request,
                          bw_http_response* response) {
    return guarded(call, [&](State& s) {
        if (request == nullptr || response == nullptr) return BW_ERR_INVALID_ARGUMENT;
        if (!BW_HAS_FIELD(request, bw_http_request, url)) return BW_ERR_INVALID_ARGUMENT;
        if (!BW_HAS_FIELD(response, bw_http_response, status)) return BW_ERR_INVALID_ARGUMENT;
        if (request->method == nullptr || request->method[0] == '\0' || request->url == nullptr) {
            return BW_ERR_INVALID_ARGUMENT;
        }
        const std::optional<std::string> host = urlHost(request->url);
        if (!host) return BW_ERR_INVALID_ARGUMENT;
        if (s.pastDeadline()) return BW_ERR_TIMEOUT;
        // A refused call never reaches the handler, so it is not in httpCalls().
        if (!s.allowed_hosts.empty() && !s.allowed_hosts.contains(*host)) return BW_ERR_DENIED;

        HttpCall sent;
        sent.method = request->method;
        sent.url = request->url;
        if (BW_HAS_FIELD(request, bw_http_request, headers) && request->headers != nullptr) {
            sent.headers = request->headers;
        }
        if (BW_HAS_FIELD(request, bw_http_request, body_len) && request->body_len > 0) {
            if (request->body == nullptr) return BW_ERR_INVALID_ARGUMENT;
            sent.body.assign(static_cast<const char*>(request->body), request->body_len);
        }
        if (BW_HAS_FIELD(request, bw_http_request, timeout_ms)) {
            sent.timeout_ms = request->timeout_ms;
        }
        s.http_calls.push_back(sent);
        if (!s.http_handler) return BW_ERR_NETWORK;
        const HttpReply reply = s.http_handler(sent);
        if (reply.failure != BW_OK) return reply.failure;

        // Filled only as far as the plugin's struct reaches.
        response->status = reply.status;
        if (BW_HAS_FIELD(response, bw_http_response, headers)) {
            const bw_status st = s.hand(reply.headers, &response->headers);
            if (st != BW_OK) return st;
        }
        if (BW_HAS_FIELD(response, bw_http_response, body)) {
            const bw_status st = s.hand(reply.body, &response->body);
            if (st != BW_OK) return st;
        }
        return BW_OK;
    });
}

std::int64_t hostNowMs(bw_call* call) {
    return call == nullptr ? kDefaultNowMs : toState(call)->now_ms;
}

std::int64_t hostDeadlineMs(bw_call* call) {
    return call == nullptr ? kDefaultNowMs : toState(call)->deadline();
}

bw_status hostHmac(bw_call* call, std::int32_t algorithm, const void* key, std::size_t key_len,
                   const void* data, std::size_t data_len, std::uint8_t* out, std::size_t out_cap,
                   std::size_t* out_len) {
    return guarded(call, [&](State&) {
        if (out_len == nullptr || (out == nullptr && out_cap > 0) ||
            (key == nullptr && key_len > 0) || (data == nullptr && data_len > 0)) {
            return BW_ERR_INVALID_ARGUMENT;
        }
        const std::optional<Digest> digest = digestOf(algorithm);
        if (!digest) return BW_ERR_INVALID_ARGUMENT;
        *out_len = digest->size;
        if (out_cap < digest->size) return BW_ERR_BUFFER_TOO_SMALL;
        static const unsigned char kEmpty[1] = {0};
        std::size_t len = 0;
        if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest->name, nullptr, key_len > 0 ? key : kEmpty,
                      key_len, data_len > 0 ? static_cast<const unsigned char*>(data) : kEmpty,
                      data_len, out, out_cap, &len) == nullptr) {
            return BW_ERR_INTERNAL;
        }
        *out_len = len;
        return BW_OK;
    });
}

bw_status hostHash(bw_call* call, std::int32_t algorithm, const void* data, std::size_t data_len,
                   std::uint8_t* out, std::size_t out_cap, std::size_t* out_len) {
    return guarded(call, [&](State&) {
        if (out_len == nullptr || (out == nullptr && out_cap > 0) ||
            (data == nullptr && data_len > 0)) {
            return BW_ERR_INVALID_ARGUMENT;
        }
        const std::optional<Digest> digest = digestOf(algorithm);
        if (!digest) return BW_ERR_INVALID_ARGUMENT;
        *out_len = digest->size;
        if (out_cap < digest->size) return BW_ERR_BUFFER_TOO_SMALL;
        static const unsigned char kEmpty[1] = {0};
        std::size_t len = 0;
        if (EVP_Q_digest(nullptr, digest->name, nullptr, data_len > 0 ? data : kEmpty, data_len,
                         out, &len) != 1) {
            return BW_ERR_INTERNAL;
        }
        *out_len = len;
        return BW_OK;
    });
}

void* hostAlloc(bw_call* call, std::size_t len) noexcept {
    if (call == nullptr) return nullptr;
    try {
        return toState(call)->allocate(len);
    } catch (const std::bad_alloc&) {
        return nullptr;  // the documented answer to a refused allocation
    }
}

bw_status hostTelemetryRead(bw_call* call, std::uint32_t equipment_index, std::int32_t kind,
                            std::int64_t from, std::int64_t to, std::int64_t* ts,
                            std::int64_t* values, std::uint32_t capacity, std::uint32_t* count) {
    return guarded(call, [&](State& s) {
        if (count == nullptr) return BW_ERR_INVALID_ARGUMENT;
        *count = 0;
        if (equipment_index >= s.equipment.size() || !validKind(kind) || capacity == 0 ||
            ts == nullptr || values == nullptr) {
            return BW_ERR_INVALID_ARGUMENT;
        }
        if (s.pastDeadline()) return BW_ERR_TIMEOUT;
        ++s.telemetry_reads;
        s.largest_read_capacity = std::max(s.largest_read_capacity, capacity);
        const std::vector<Point>& points = s.series(equipment_index, kind);
        auto it = std::lower_bound(points.begin(), points.end(), from,
                                   [](const Point& p, std::int64_t t) { return p.ts < t; });
        std::uint32_t n = 0;
        for (; it != points.end() && it->ts < to && n < capacity; ++it, ++n) {
            ts[n] = it->ts;
            values[n] = it->value;
        }
        *count = n;
        return BW_OK;
    });
}

bw_status hostTelemetryEdge(bw_call* call, std::uint32_t equipment_index, std::int32_t kind,
                            std::int64_t at, std::int32_t direction, std::int64_t* ts,
                            std::int64_t* value) {
    return guarded(call, [&](State& s) {
        if (equipment_index >= s.equipment.size() || !validKind(kind) || ts == nullptr ||
            value == nullptr) {
            return BW_ERR_INVALID_ARGUMENT;
        }
        if (direction != BW_EDGE_BEFORE && direction != BW_EDGE_AT_OR_AFTER) {
            return BW_ERR_INVALID_ARGUMENT;
        }
        if (s.pastDeadline()) return BW_ERR_TIMEOUT;
        const std::vector<Point>& points = s.series(equipment_index, kind);
        const auto it = std::lower_bound(points.begin(), points.end(), at,
                                         [](const Point& p, std::int64_t t) { return p.ts < t; });
        const Point* found = nullptr;
        if (direction == BW_EDGE_BEFORE) {
            if (it != points.begin()) found = &*std::prev(it);
        } else if (it != points.end()) {
            found = &*it;
        }
        if (found == nullptr) return BW_ERR_NOT_FOUND;
        *ts = found->ts;
        *value = found->value;
        return BW_OK;
    });
}

bw_status hostEmitHours(bw_call* call, std::uint32_t equipment_index, std::uint32_t first_hour,
                        std::uint32_t count, const std::int64_t* energy_mwh,
                        const std::int64_t* covered_seconds) {
    return guarded(call, [&](State& s) {
        if (equipment_index >= s.equipment.size()) return BW_ERR_INVALID_ARGUMENT;
        if (s.in_bill && s.output != BW_BILLING_OUTPUT_ENERGY) return BW_ERR_INVALID_ARGUMENT;
        const std::uint64_t end = static_cast<std::uint64_t>(first_hour) + count;
        if (end > s.hourCount()) return BW_ERR_INVALID_ARGUMENT;
        if (count == 0) return BW_OK;
        if (energy_mwh == nullptr || covered_seconds == nullptr) return BW_ERR_INVALID_ARGUMENT;
        // All or nothing: every hour is checked before any is recorded.
        for (std::uint32_t i = 0; i < count; ++i) {
            const std::int64_t covered = covered_seconds[i];
            if (energy_mwh[i] < 0 || covered < 0 || covered > s.hourSeconds(first_hour + i)) {
                return BW_ERR_INVALID_ARGUMENT;
            }
        }
        std::vector<HourResult>& hours = s.hours[equipment_index];
        for (std::uint32_t i = 0; i < count; ++i) {
            hours[first_hour + i] = HourResult{true, energy_mwh[i], covered_seconds[i]};
        }
        return BW_OK;
    });
}

bw_status hostEmitDetail(bw_call* call, std::uint32_t equipment_index, const char* key,
                         const char* value) {
    return guarded(call, [&](State& s) {
        if (equipment_index >= s.equipment.size() || key == nullptr || key[0] == '\0' ||
            value == nullptr) {
            return BW_ERR_INVALID_ARGUMENT;
        }
        s.details[equipment_index][key] = value;
        return BW_OK;
    });
}

bw_status hostEmitAmount(bw_call* call, std::int64_t amount_minor, const char* description) {
    return guarded(call, [&](State& s) {
        if (description == nullptr) return BW_ERR_INVALID_ARGUMENT;
        if (s.in_bill && s.output != BW_BILLING_OUTPUT_AMOUNT) return BW_ERR_INVALID_ARGUMENT;
        s.amounts.push_back({amount_minor, description});
        return BW_OK;
    });
}

const bw_host_api kHostApi = {
    .size = sizeof(bw_host_api),
    .abi_major = BW_ABI_MAJOR,
    .abi_minor = BW_ABI_MINOR,
    .log = &hostLog,
    .set_error = &hostSetError,
    .config_get = &hostConfigGet,
    .secret_get = &hostSecretGet,
    .param_get = &hostParamGet,
    .http_request = &hostHttpRequest,
    .now_ms = &hostNowMs,
    .deadline_ms = &hostDeadlineMs,
    .hmac = &hostHmac,
    .hash = &hostHash,
    .alloc = &hostAlloc,
    .telemetry_read = &hostTelemetryRead,
    .telemetry_edge = &hostTelemetryEdge,
    .emit_hours = &hostEmitHours,
    .emit_detail = &hostEmitDetail,
    .emit_amount = &hostEmitAmount,
};

}  // namespace

MockHost::MockHost() : state_(std::make_unique<State>()) {}
MockHost::~MockHost() = default;

void MockHost::setPeriod(std::int64_t start, std::int64_t end) {
    state_->period_start = start;
    state_->period_end = end;
    state_->reshape();
}

void MockHost::setTenant(std::string tenant_id) { state_->tenant_id = std::move(tenant_id); }

void MockHost::setContract(std::string contract_id, std::string customer_id) {
    state_->contract_id = std::move(contract_id);
    state_->customer_id = std::move(customer_id);
}

void MockHost::setCurrency(std::string currency, std::int32_t exponent) {
    state_->currency = std::move(currency);
    state_->currency_exponent = exponent;
}

void MockHost::setMaxHoldSeconds(std::int64_t seconds) { state_->max_hold_seconds = seconds; }

std::uint32_t MockHost::addEquipment(MockEquipment equipment) {
    state_->equipment.push_back(std::move(equipment));
    state_->reshape();
    return static_cast<std::uint32_t>(state_->equipment.size() - 1);
}

void MockHost::setConfig(const std::string& key, std::string value) {
    state_->config[key] = std::move(value);
}

void MockHost::setSecret(const std::string& key, std::string value) {
    state_->secrets[key] = std::move(value);
}

void MockHost::setParam(const std::string& key, std::string value) {
    state_->params[key] = std::move(value);
}

void MockHost::addSample(std::uint32_t equipment_index, std::int32_t kind, std::int64_t ts,
                         std::int64_t value) {
    if (equipment_index >= state_->equipment.size()) {
        throw std::out_of_range("MockHost::addSample: no equipment " +
                                std::to_string(equipment_index));
    }
    if (!validKind(kind)) {
        throw std::invalid_argument("MockHost::addSample: unknown kind " + std::to_string(kind));
    }
    Series& series = state_->telemetry[{equipment_index, kind}];
    if (!series.points.empty() && series.points.back().ts >= ts) series.ordered = false;
    series.points.push_back({ts, value});
}

void MockHost::setNowMs(std::int64_t now_ms) { state_->now_ms = now_ms; }
void MockHost::setDeadlineMs(std::int64_t deadline_ms) { state_->deadline_ms = deadline_ms; }
void MockHost::allowHttpHost(std::string host) { state_->allowed_hosts.insert(lowerCase(host)); }
void MockHost::onHttp(std::function<HttpReply(const HttpCall&)> handler) {
    state_->http_handler = std::move(handler);
}

bw_status MockHost::bill(const bw_plugin_descriptor* plugin) {
    State& s = *state_;
    s.clearResults();
    s.plugin = nullptr;
    s.output = 0;
    if (const std::string problem = descriptorProblem(plugin); !problem.empty()) {
        s.last_error = "mock host: " + problem;
        return BW_ERR_INVALID_ARGUMENT;
    }
    const bw_billing_method_api* method = plugin->billing_method;
    if ((plugin->kinds & BW_KIND_BILLING_METHOD) == 0 || method == nullptr ||
        !BW_HAS_FIELD(method, bw_billing_method_api, bill) || method->bill == nullptr) {
        s.last_error = "mock host: the plugin is not a billing method";
        return BW_ERR_INVALID_ARGUMENT;
    }
    s.plugin = plugin;
    s.output = method->output;

    std::vector<bw_equipment> equipment(s.equipment.size());
    std::vector<const bw_equipment*> pointers(s.equipment.size());
    for (std::size_t i = 0; i < s.equipment.size(); ++i) {
        const MockEquipment& e = s.equipment[i];
        equipment[i] = bw_equipment{sizeof(bw_equipment), e.id.c_str(),   e.model.c_str(),
                                    e.power_mw,           e.hashrate_mth, e.efficiency_mjth};
        pointers[i] = &equipment[i];
    }
    bw_billing_request request{};
    request.size = sizeof request;
    request.tenant_id = s.tenant_id.c_str();
    request.contract_id = s.contract_id.c_str();
    request.customer_id = s.customer_id.c_str();
    request.currency = s.currency.c_str();
    request.currency_exponent = s.currency_exponent;
    request.period_start = s.period_start;
    request.period_end = s.period_end;
    request.hour_count = s.hourCount();
    request.equipment_count = static_cast<std::uint32_t>(pointers.size());
    request.equipment = pointers.data();
    request.max_hold_seconds = s.max_hold_seconds;

    s.in_bill = true;
    bw_status status = BW_OK;
    if (plugin->init != nullptr) status = plugin->init(toCall(&s), &kHostApi);
    if (status == BW_OK) status = method->bill(toCall(&s), &kHostApi, &request);
    s.in_bill = false;
    return status;
}

const std::vector<HourResult>& MockHost::hours(std::uint32_t equipment_index) const {
    if (equipment_index >= state_->hours.size()) {
        throw std::out_of_range("MockHost::hours: no equipment " + std::to_string(equipment_index));
    }
    return state_->hours[equipment_index];
}

std::optional<std::string> MockHost::detail(std::uint32_t equipment_index,
                                            const std::string& key) const {
    if (equipment_index >= state_->details.size()) {
        throw std::out_of_range("MockHost::detail: no equipment " +
                                std::to_string(equipment_index));
    }
    const auto& details = state_->details[equipment_index];
    const auto it = details.find(key);
    if (it == details.end()) return std::nullopt;
    return it->second;
}

const std::vector<AmountLine>& MockHost::amounts() const { return state_->amounts; }
const std::string& MockHost::lastError() const { return state_->last_error; }
const std::vector<LogLine>& MockHost::logs() const { return state_->logs; }
const std::vector<HttpCall>& MockHost::httpCalls() const { return state_->http_calls; }
std::size_t MockHost::telemetryReads() const { return state_->telemetry_reads; }
std::uint32_t MockHost::largestReadCapacity() const { return state_->largest_read_capacity; }

const bw_host_api* MockHost::api() const { return &kHostApi; }
bw_call* MockHost::call() { return toCall(state_.get()); }

const bw_plugin_descriptor* loadPlugin(const std::string& path, std::string* error) {
    const auto fail = [&](const std::string& message) -> const bw_plugin_descriptor* {
        if (error != nullptr) *error = path + ": " + message;
        return nullptr;
    };
    // Never dlclose()d: descriptors must outlive every use, as in the server.
    void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* why = dlerror();
        return fail(why != nullptr ? why : "dlopen failed");
    }
    dlerror();
    void* symbol = dlsym(library, BW_PLUGIN_ENTRY_NAME);
    if (symbol == nullptr) return fail("no " BW_PLUGIN_ENTRY_NAME " symbol");
    bw_plugin_entry_fn entry = nullptr;
    static_assert(sizeof entry == sizeof symbol);
    std::memcpy(&entry, &symbol, sizeof entry);
    const bw_plugin_descriptor* descriptor = entry();
    if (const std::string problem = descriptorProblem(descriptor); !problem.empty()) {
        return fail(problem);
    }
    if (error != nullptr) error->clear();
    return descriptor;
}

}  // namespace billwright::mock
