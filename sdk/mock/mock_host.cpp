#include <billwright/mock_host.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
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
#include <fcntl.h>
#include <netdb.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

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
    bool in_payment = false;  // a payment entry point runs: no telemetry, no billing results
    std::function<void(std::uint8_t*, std::size_t)> random_fill;

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

// ES256 as the server does it: the P-256 key from its uncompressed point, r || s as DER.
constexpr std::size_t kEs256KeyBytes = 65;
constexpr std::size_t kEs256SignatureBytes = 64;

template <class T, void (*Free)(T*)>
struct Freer {
    void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Freer<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Freer<EVP_MD_CTX, EVP_MD_CTX_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Freer<ECDSA_SIG, ECDSA_SIG_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Freer<BIGNUM, BN_free>>;

PkeyPtr p256Key(const unsigned char* point) {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
    char group[] = "P-256";
    unsigned char key[kEs256KeyBytes];
    std::memcpy(key, point, sizeof key);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, key, sizeof key),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) return nullptr;
    PkeyPtr pkey(raw);
    PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
    return pkey;
}

bw_status verifyEs256(const unsigned char* key, const unsigned char* data, std::size_t data_len,
                      const unsigned char* rs) {
    const PkeyPtr pkey = p256Key(key);
    if (!pkey) return BW_ERR_INVALID_ARGUMENT;
    BnPtr r(BN_bin2bn(rs, 32, nullptr));
    BnPtr sv(BN_bin2bn(rs + 32, 32, nullptr));
    SigPtr sig(ECDSA_SIG_new());
    if (!r || !sv || !sig || ECDSA_SIG_set0(sig.get(), r.get(), sv.get()) != 1) {
        return BW_ERR_INTERNAL;
    }
    (void)r.release();  // owned by sig now
    (void)sv.release();
    const int der_len = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (der_len <= 0) return BW_ERR_INTERNAL;
    std::vector<unsigned char> der(static_cast<std::size_t>(der_len));
    unsigned char* p = der.data();
    if (i2d_ECDSA_SIG(sig.get(), &p) != der_len) return BW_ERR_INTERNAL;
    MdCtxPtr md(EVP_MD_CTX_new());
    if (!md || EVP_DigestVerifyInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, pkey.get(),
                                       nullptr) != 1) {
        return BW_ERR_INTERNAL;
    }
    static const unsigned char kEmpty = 0;
    return EVP_DigestVerify(md.get(), der.data(), der.size(), data_len > 0 ? data : &kEmpty,
                            data_len) == 1
               ? BW_OK
               : BW_ERR_DENIED;
}

bw_status hostVerify(bw_call* call, std::int32_t algorithm, const void* public_key,
                     std::size_t key_len, const void* data, std::size_t data_len,
                     const void* signature, std::size_t signature_len) {
    return guarded(call, [&](State&) {
        if (public_key == nullptr || signature == nullptr || (data == nullptr && data_len > 0) ||
            algorithm != BW_VERIFY_ES256) {
            return BW_ERR_INVALID_ARGUMENT;
        }
        const auto* key = static_cast<const unsigned char*>(public_key);
        if (key_len != kEs256KeyBytes || key[0] != 0x04 || signature_len != kEs256SignatureBytes) {
            return BW_ERR_INVALID_ARGUMENT;
        }
        const bw_status status = verifyEs256(key, static_cast<const unsigned char*>(data), data_len,
                                             static_cast<const unsigned char*>(signature));
        ERR_clear_error();
        return status;
    });
}

bw_status hostRandomBytes(bw_call* call, std::uint8_t* out, std::size_t len) {
    return guarded(call, [&](State& s) {
        if ((out == nullptr && len > 0) || len > (std::size_t{1} << 20)) {
            return BW_ERR_INVALID_ARGUMENT;
        }
        if (len == 0) return BW_OK;
        if (s.random_fill) {
            s.random_fill(out, len);
            return BW_OK;
        }
        if (RAND_bytes(out, static_cast<int>(len)) != 1) {
            ERR_clear_error();
            return BW_ERR_INTERNAL;
        }
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
        if (s.in_payment) return BW_ERR_UNSUPPORTED;
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
        if (s.in_payment) return BW_ERR_UNSUPPORTED;
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
        if (s.in_payment) return BW_ERR_UNSUPPORTED;
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
        if (s.in_payment) return BW_ERR_UNSUPPORTED;
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
        if (s.in_payment) return BW_ERR_UNSUPPORTED;
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
    .verify = &hostVerify,
    .random_bytes = &hostRandomBytes,
};

std::string copyText(const char* text) { return text == nullptr ? std::string() : text; }

bw_payer cPayer(const Payer& p) {
    return bw_payer{sizeof(bw_payer), p.kind.c_str(),  p.id.c_str(),
                    p.name.c_str(),   p.email.c_str(), p.provider_customer.c_str()};
}

bw_money cMoney(const Money& m) { return bw_money{m.amount_minor, m.currency.c_str(), m.exponent}; }

PaymentResult copyPayment(const bw_payment_result& r) {
    PaymentResult out;
    out.status = r.status;
    out.reference = copyText(r.reference);
    out.amount_received_minor = r.amount_received_minor;
    out.fee_minor = r.fee_minor;
    out.failure_code = copyText(r.failure_code);
    out.failure_message = copyText(r.failure_message);
    out.action_url = copyText(r.action_url);
    out.expires_at = r.expires_at;
    return out;
}

MethodResult copyMethod(const bw_method_result& r) {
    MethodResult out;
    out.provider_customer = copyText(r.provider_customer);
    out.reference = copyText(r.reference);
    out.method_type = r.method_type;
    out.status = r.status;
    out.label = copyText(r.label);
    out.client_token = copyText(r.client_token);
    out.client_token_expires_at = r.client_token_expires_at;
    return out;
}

// Starts a payment-processor call: clears the results of an earlier call and returns the
// plugin's processor table, or nullptr with the reason in last_error.
const bw_payment_processor_api* beginPaymentCall(State& s, const bw_plugin_descriptor* plugin) {
    s.clearResults();
    s.plugin = nullptr;
    s.output = 0;
    if (const std::string problem = descriptorProblem(plugin); !problem.empty()) {
        s.last_error = "mock host: " + problem;
        return nullptr;
    }
    if ((plugin->kinds & BW_KIND_PAYMENT_PROCESSOR) == 0 || plugin->abi_minor < 1 ||
        !BW_HAS_FIELD(plugin, bw_plugin_descriptor, payment_processor) ||
        plugin->payment_processor == nullptr ||
        plugin->payment_processor->size < sizeof(bw_payment_processor_api)) {
        s.last_error = "mock host: the plugin is not a payment processor";
        return nullptr;
    }
    s.plugin = plugin;
    return plugin->payment_processor;
}

// Runs init (when there is one), then `entry`, as one payment call; a NULL entry point is
// BW_ERR_UNSUPPORTED.
template <class Fn, class Invoke>
bw_status runPaymentCall(State& s, const bw_plugin_descriptor* plugin, Fn* entry, const char* name,
                         Invoke&& invoke) {
    if (entry == nullptr) {
        s.last_error = std::string("mock host: the plugin has no ") + name;
        return BW_ERR_UNSUPPORTED;
    }
    s.in_payment = true;
    bw_status status = BW_OK;
    if (plugin->init != nullptr) status = plugin->init(toCall(&s), &kHostApi);
    if (status == BW_OK) status = invoke(toCall(&s), &kHostApi);
    s.in_payment = false;
    return status;
}

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
void MockHost::onRandomBytes(std::function<void(std::uint8_t* out, std::size_t len)> fill) {
    state_->random_fill = std::move(fill);
}

bw_status MockHost::beginMethod(const bw_plugin_descriptor* plugin, const MethodRequest& request,
                                MethodResult* result) {
    State& s = *state_;
    const bw_payment_processor_api* api = beginPaymentCall(s, plugin);
    if (api == nullptr) return BW_ERR_INVALID_ARGUMENT;
    const bw_payer payer = cPayer(request.payer);
    const bw_method_request req{sizeof req, &payer, request.token.c_str()};
    bw_method_result res{};
    res.size = sizeof res;
    const bw_status status = runPaymentCall(
        s, plugin, api->begin_method, "begin_method",
        [&](bw_call* c, const bw_host_api* h) { return api->begin_method(c, h, &req, &res); });
    if (status == BW_OK && result != nullptr) *result = copyMethod(res);
    return status;
}

bw_status MockHost::setupMethod(const bw_plugin_descriptor* plugin, const MethodRequest& request,
                                MethodResult* result) {
    State& s = *state_;
    const bw_payment_processor_api* api = beginPaymentCall(s, plugin);
    if (api == nullptr) return BW_ERR_INVALID_ARGUMENT;
    const bw_payer payer = cPayer(request.payer);
    const bw_method_request req{sizeof req, &payer, request.token.c_str()};
    bw_method_result res{};
    res.size = sizeof res;
    const bw_status status = runPaymentCall(
        s, plugin, api->setup_method, "setup_method",
        [&](bw_call* c, const bw_host_api* h) { return api->setup_method(c, h, &req, &res); });
    if (status == BW_OK && result != nullptr) *result = copyMethod(res);
    return status;
}

bw_status MockHost::charge(const bw_plugin_descriptor* plugin, const ChargeRequest& request,
                           PaymentResult* result) {
    State& s = *state_;
    const bw_payment_processor_api* api = beginPaymentCall(s, plugin);
    if (api == nullptr) return BW_ERR_INVALID_ARGUMENT;
    const bw_payer payer = cPayer(request.payer);
    bw_charge_request req{};
    req.size = sizeof req;
    req.payer = &payer;
    req.payment_id = request.payment_id.c_str();
    req.invoice_id = request.invoice_id.c_str();
    req.idempotency_key = request.idempotency_key.c_str();
    req.amount = cMoney(request.amount);
    req.surcharge_minor = request.surcharge_minor;
    req.method_reference = request.method_reference.c_str();
    req.off_session = request.off_session ? 1u : 0u;
    req.description = request.description.c_str();
    req.return_url = request.return_url.c_str();
    bw_payment_result res{};
    res.size = sizeof res;
    const bw_status status = runPaymentCall(
        s, plugin, api->charge, "charge",
        [&](bw_call* c, const bw_host_api* h) { return api->charge(c, h, &req, &res); });
    if (status == BW_OK && result != nullptr) *result = copyPayment(res);
    return status;
}

bw_status MockHost::lookup(const bw_plugin_descriptor* plugin, const LookupRequest& request,
                           PaymentResult* result) {
    State& s = *state_;
    const bw_payment_processor_api* api = beginPaymentCall(s, plugin);
    if (api == nullptr) return BW_ERR_INVALID_ARGUMENT;
    const bw_payer payer = cPayer(request.payer);
    bw_lookup_request req{};
    req.size = sizeof req;
    req.payer = &payer;
    req.payment_id = request.payment_id.c_str();
    req.reference = request.reference.c_str();
    req.amount = cMoney(request.amount);
    bw_payment_result res{};
    res.size = sizeof res;
    const bw_status status = runPaymentCall(
        s, plugin, api->lookup, "lookup",
        [&](bw_call* c, const bw_host_api* h) { return api->lookup(c, h, &req, &res); });
    if (status == BW_OK && result != nullptr) *result = copyPayment(res);
    return status;
}

bw_status MockHost::refund(const bw_plugin_descriptor* plugin, const RefundRequest& request,
                           RefundResult* result) {
    State& s = *state_;
    const bw_payment_processor_api* api = beginPaymentCall(s, plugin);
    if (api == nullptr) return BW_ERR_INVALID_ARGUMENT;
    const bw_payer payer = cPayer(request.payer);
    bw_refund_request req{};
    req.size = sizeof req;
    req.payer = &payer;
    req.refund_id = request.refund_id.c_str();
    req.idempotency_key = request.idempotency_key.c_str();
    req.payment_reference = request.payment_reference.c_str();
    req.amount = cMoney(request.amount);
    req.reason = request.reason.c_str();
    bw_refund_result res{};
    res.size = sizeof res;
    const bw_status status = runPaymentCall(
        s, plugin, api->refund, "refund",
        [&](bw_call* c, const bw_host_api* h) { return api->refund(c, h, &req, &res); });
    if (status == BW_OK && result != nullptr) {
        result->status = res.status;
        result->reference = copyText(res.reference);
        result->failure_code = copyText(res.failure_code);
    }
    return status;
}

bw_status MockHost::webhook(const bw_plugin_descriptor* plugin, const WebhookRequest& request,
                            WebhookResult* result) {
    State& s = *state_;
    const bw_payment_processor_api* api = beginPaymentCall(s, plugin);
    if (api == nullptr) return BW_ERR_INVALID_ARGUMENT;
    bw_webhook_request req{};
    req.size = sizeof req;
    req.headers = request.headers.c_str();
    req.body = bw_str{request.body.data(), request.body.size()};
    req.received_at = request.received_at != 0 ? request.received_at : s.now_ms / 1000;
    bw_payment_result payment{};
    payment.size = sizeof payment;
    bw_webhook_result res{};
    res.size = sizeof res;
    res.payment = &payment;
    const bw_status status = runPaymentCall(
        s, plugin, api->webhook, "webhook",
        [&](bw_call* c, const bw_host_api* h) { return api->webhook(c, h, &req, &res); });
    if (status == BW_OK && result != nullptr) {
        result->event = res.event;
        result->event_id = copyText(res.event_id);
        result->occurred_at = res.occurred_at;
        result->payment_id = copyText(res.payment_id);
        result->payment = copyPayment(payment);
        result->refund_reference = copyText(res.refund_reference);
        result->refund_status = res.refund_status;
        result->method_reference = copyText(res.method_reference);
        result->method_status = res.method_status;
        result->method_failure_code = copyText(res.method_failure_code);
    }
    return status;
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

namespace {

// ---- plainHttpHandler: HTTP/1.1 over one TCP connection, no TLS ----

constexpr std::size_t kMaxPlainHttpReply = std::size_t{16} << 20;

using Clock = std::chrono::steady_clock;

HttpReply transportFailure(bw_status status) {
    HttpReply reply;
    reply.failure = status;
    return reply;
}

int msLeft(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

// Waits until `fd` is ready for `events`; false on timeout or a poll error.
bool waitFor(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int left = msLeft(deadline);
        if (left == 0) return false;
        const int n = ::poll(&p, 1, left);
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
}

class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

struct PlainUrl {
    std::string host;
    std::string port = "80";
    std::string host_header;
    std::string target = "/";
};

std::optional<PlainUrl> parsePlainUrl(std::string_view url) {
    if (!startsWithNoCase(url, "http://")) return std::nullopt;
    std::string_view rest = url.substr(7);
    const std::size_t end = rest.find_first_of("/?#");
    const std::string_view authority = rest.substr(0, end);
    PlainUrl out;
    if (end != std::string_view::npos) {
        std::string_view target = rest.substr(end);
        target = target.substr(0, target.find('#'));
        out.target =
            target.empty() || target[0] != '/' ? "/" + std::string(target) : std::string(target);
    }
    if (authority.find('@') != std::string_view::npos || authority.empty()) return std::nullopt;
    out.host_header = std::string(authority);
    if (authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return std::nullopt;
            out.port = std::string(authority.substr(close + 2));
        }
    } else {
        const std::size_t colon = authority.find(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
    }
    if (out.host.empty() || out.port.empty()) return std::nullopt;
    for (const char c : out.port) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    return out;
}

// A connected non-blocking socket, or -1 (`status` says why).
int connectTo(const PlainUrl& url, Clock::time_point deadline, bw_status& status) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    status = BW_ERR_NETWORK;
    if (::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found) != 0) return -1;
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, ::freeaddrinfo);
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        const int fd =
            ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
        if (errno == EINPROGRESS) {
            if (!waitFor(fd, POLLOUT, deadline)) {
                ::close(fd);
                status = BW_ERR_TIMEOUT;
                return -1;
            }
            int error = 0;
            socklen_t len = sizeof error;
            if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0) return fd;
        }
        ::close(fd);
    }
    return -1;
}

bool hasHeader(std::string_view headers, std::string_view name) {
    std::size_t pos = 0;
    while (pos < headers.size()) {
        std::size_t eol = headers.find('\n', pos);
        if (eol == std::string_view::npos) eol = headers.size();
        const std::string_view line = headers.substr(pos, eol - pos);
        const std::size_t colon = line.find(':');
        if (colon != std::string_view::npos && lowerCase(line.substr(0, colon)) == name) {
            return true;
        }
        pos = eol + 1;
    }
    return false;
}

// Decodes a chunked body; nullopt when it is cut short or malformed.
std::optional<std::string> unchunk(std::string_view data) {
    std::string out;
    std::size_t pos = 0;
    for (;;) {
        const std::size_t eol = data.find("\r\n", pos);
        if (eol == std::string_view::npos) return std::nullopt;
        std::string_view size_text = data.substr(pos, eol - pos);
        size_text = size_text.substr(0, size_text.find(';'));
        if (size_text.empty() || size_text.size() > 15) return std::nullopt;
        std::size_t size = 0;
        for (const char c : size_text) {
            int digit = -1;
            if (c >= '0' && c <= '9') digit = c - '0';
            if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
            if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
            if (digit < 0) return std::nullopt;
            size = size * 16 + static_cast<std::size_t>(digit);
        }
        pos = eol + 2;
        if (size == 0) return out;  // trailers, if any, are ignored
        if (data.size() - pos < size + 2) return std::nullopt;
        out.append(data.substr(pos, size));
        pos += size + 2;
    }
}

HttpReply sendPlainHttp(const HttpCall& call) {
    if (startsWithNoCase(call.url, "https://")) return transportFailure(BW_ERR_UNSUPPORTED);
    const std::optional<PlainUrl> url = parsePlainUrl(call.url);
    if (!url) return transportFailure(BW_ERR_INVALID_ARGUMENT);
    const auto deadline =
        Clock::now() + std::chrono::milliseconds(call.timeout_ms == 0 ? 10'000 : call.timeout_ms);
    bw_status status = BW_OK;
    const Socket socket(connectTo(*url, deadline, status));
    if (socket.fd() < 0) return transportFailure(status);

    std::string request = call.method + " " + url->target + " HTTP/1.1\r\n";
    std::string headers = call.headers;
    if (!headers.empty() && headers.back() != '\n') headers += "\r\n";
    if (!hasHeader(headers, "host")) request += "Host: " + url->host_header + "\r\n";
    request += "Connection: close\r\n";
    if (!hasHeader(headers, "content-length") && (!call.body.empty() || call.method == "POST" ||
                                                  call.method == "PUT" || call.method == "PATCH")) {
        request += "Content-Length: " + std::to_string(call.body.size()) + "\r\n";
    }
    request += headers + "\r\n" + call.body;
    for (std::size_t sent = 0; sent < request.size();) {
        const ssize_t n =
            ::send(socket.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (!waitFor(socket.fd(), POLLOUT, deadline)) return transportFailure(BW_ERR_TIMEOUT);
        } else {
            return transportFailure(BW_ERR_NETWORK);
        }
    }

    std::string answer;
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, 0);
        if (n > 0) {
            answer.append(buffer, static_cast<std::size_t>(n));
            if (answer.size() > kMaxPlainHttpReply) return transportFailure(BW_ERR_NETWORK);
        } else if (n == 0) {
            break;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (!waitFor(socket.fd(), POLLIN, deadline)) return transportFailure(BW_ERR_TIMEOUT);
        } else {
            return transportFailure(BW_ERR_NETWORK);
        }
    }

    const std::size_t head_end = answer.find("\r\n\r\n");
    if (head_end == std::string::npos || answer.compare(0, 5, "HTTP/") != 0) {
        return transportFailure(BW_ERR_NETWORK);
    }
    const std::size_t status_end = answer.find("\r\n");
    const std::size_t space = answer.find(' ');
    if (space == std::string::npos || space + 4 > status_end) {
        return transportFailure(BW_ERR_NETWORK);
    }
    HttpReply reply;
    reply.status = 0;
    for (std::size_t i = space + 1; i < space + 4; ++i) {
        if (answer[i] < '0' || answer[i] > '9') return transportFailure(BW_ERR_NETWORK);
        reply.status = reply.status * 10 + (answer[i] - '0');
    }
    reply.headers = answer.substr(status_end + 2, head_end + 2 - (status_end + 2));
    std::string_view body = std::string_view(answer).substr(head_end + 4);
    if (hasHeader(reply.headers, "transfer-encoding") &&
        lowerCase(reply.headers).find("chunked") != std::string::npos) {
        std::optional<std::string> decoded = unchunk(body);
        if (!decoded) return transportFailure(BW_ERR_NETWORK);
        reply.body = std::move(*decoded);
        return reply;
    }
    reply.body = std::string(body);
    return reply;
}

}  // namespace

std::function<HttpReply(const HttpCall&)> plainHttpHandler() { return &sendPlainHttp; }

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
