#include "plugins/host.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <deque>
#include <memory>

#include "plugins/registry.h"

// The handle a plugin sees as `bw_call*`: the scope of one entry-point call.
struct bw_call {
    const billwright::plugins::HostEnvironment* env = nullptr;
    billwright::plugins::CallScope scope;
    std::string error;
    std::deque<std::string> strings;       // host-owned strings handed to the plugin
    std::deque<std::vector<char>> blocks;  // bw_alloc memory
    std::size_t handed_out = 0;
};

namespace billwright::plugins {
namespace {

// Caps on what one call may take from the host, so a runaway plugin cannot exhaust memory.
constexpr std::size_t kMaxAllocBytes = std::size_t{64} << 20;
constexpr std::size_t kMaxMessageBytes = 4096;
constexpr std::size_t kMaxKeyBytes = 256;
constexpr std::size_t kMaxHttpBodyBytes = std::size_t{8} << 20;

std::string_view boundedText(const char* s, std::size_t cap) {
    if (s == nullptr) return {};
    return std::string_view(s, ::strnlen(s, cap));
}

std::string pluginId(const bw_call* call) {
    return call->scope.plugin != nullptr ? call->scope.plugin->info.id : std::string("?");
}

std::int64_t nowMs(const bw_call* call) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               call->env->clock.now().time_since_epoch())
        .count();
}

bool pastDeadline(const bw_call* call) {
    return call->scope.deadline_ms > 0 && nowMs(call) > call->scope.deadline_ms;
}

bw_str hand(bw_call* call, std::string value) {
    call->strings.push_back(std::move(value));
    const std::string& kept = call->strings.back();
    return bw_str{kept.data(), kept.size()};
}

void hostLog(bw_call* call, std::int32_t level, const char* message, std::size_t len) {
    if (call == nullptr || message == nullptr) return;
    const std::string text(message, std::min(len, kMaxMessageBytes));
    core::LogLevel lv = core::LogLevel::kInfo;
    if (level <= BW_LOG_DEBUG) lv = core::LogLevel::kDebug;
    if (level == BW_LOG_WARNING) lv = core::LogLevel::kWarning;
    if (level >= BW_LOG_ERROR) lv = core::LogLevel::kError;
    call->env->log.log(
        lv, "plugin",
        {{"plugin", pluginId(call)}, {"tenant", call->scope.tenant_id}, {"message", text}});
}

void setError(bw_call* call, const char* message, std::size_t len) {
    if (call == nullptr) return;
    call->error =
        message == nullptr ? std::string() : std::string(message, std::min(len, kMaxMessageBytes));
}

bw_status lookup(bw_call* call, const std::map<std::string, std::string>& map, const char* key,
                 bw_str* out) {
    if (call == nullptr || key == nullptr || out == nullptr) return BW_ERR_INVALID_ARGUMENT;
    const auto it = map.find(std::string(boundedText(key, kMaxKeyBytes)));
    if (it == map.end()) return BW_ERR_NOT_FOUND;
    *out = hand(call, it->second);
    return BW_OK;
}

bool isSecretKey(const bw_call* call, std::string_view key) {
    if (call->scope.plugin == nullptr) return false;
    const ConfigKeySpec* spec = call->scope.plugin->key(key);
    return spec != nullptr && spec->secret;
}

bw_status configGet(bw_call* call, const char* key, bw_str* out) {
    if (call != nullptr && key != nullptr && isSecretKey(call, boundedText(key, kMaxKeyBytes)))
        return BW_ERR_DENIED;
    return call == nullptr ? BW_ERR_INVALID_ARGUMENT : lookup(call, call->scope.config, key, out);
}

bw_status secretGet(bw_call* call, const char* key, bw_str* out) {
    return call == nullptr ? BW_ERR_INVALID_ARGUMENT : lookup(call, call->scope.secrets, key, out);
}

bw_status paramGet(bw_call* call, const char* key, bw_str* out) {
    return call == nullptr ? BW_ERR_INVALID_ARGUMENT : lookup(call, call->scope.params, key, out);
}

bool hostAllowed(const bw_call* call, const std::string& host) {
    const auto it = call->env->http_allowlist.find(pluginId(call));
    if (it == call->env->http_allowlist.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(), [&](const std::string& allowed) {
        return Poco::icompare(allowed, host) == 0;
    });
}

bw_status httpRequest(bw_call* call, const bw_http_request* request, bw_http_response* response) {
    if (call == nullptr || request == nullptr || response == nullptr)
        return BW_ERR_INVALID_ARGUMENT;
    if (request->size < offsetof(bw_http_request, timeout_ms) + sizeof(request->timeout_ms) ||
        response->size < offsetof(bw_http_response, body) + sizeof(response->body))
        return BW_ERR_INVALID_ARGUMENT;
    if (request->method == nullptr || request->url == nullptr) return BW_ERR_INVALID_ARGUMENT;
    if (request->body_len > kMaxHttpBodyBytes ||
        (request->body == nullptr && request->body_len > 0))
        return BW_ERR_INVALID_ARGUMENT;
    HttpExchange exchange;
    exchange.method = std::string(boundedText(request->method, 16));
    exchange.url = std::string(boundedText(request->url, 8192));
    if (request->headers != nullptr)
        exchange.headers = std::string(boundedText(request->headers, 65536));
    if (request->body_len > 0)
        exchange.body.assign(static_cast<const char*>(request->body), request->body_len);

    std::string host;
    try {
        const Poco::URI uri(exchange.url);
        if (uri.getScheme() != "http" && uri.getScheme() != "https") {
            static constexpr std::string_view kOnlyHttp = "only http and https URLs are allowed";
            setError(call, kOnlyHttp.data(), kOnlyHttp.size());
            return BW_ERR_INVALID_ARGUMENT;
        }
        host = uri.getHost();
    } catch (const Poco::Exception&) {
        return BW_ERR_INVALID_ARGUMENT;
    }
    const auto record = [&](const std::string& outcome) {
        call->env->metrics.increment("billwright_plugin_http_requests_total",
                                     {{"plugin", pluginId(call)}, {"outcome", outcome}});
    };
    if (call->env->http == nullptr || !hostAllowed(call, host)) {
        call->env->log.warning("plugin http request refused",
                               {{"plugin", pluginId(call)},
                                {"host", host},
                                {"reason", "host not on the plugin's allowlist"}});
        record("denied");
        return BW_ERR_DENIED;
    }
    const std::int64_t now = nowMs(call);
    std::int64_t timeout = call->env->http_timeout_ms;
    if (request->timeout_ms > 0) timeout = std::min<std::int64_t>(timeout, request->timeout_ms);
    if (call->scope.deadline_ms > 0) timeout = std::min(timeout, call->scope.deadline_ms - now);
    if (timeout <= 0) {
        record("timeout");
        return BW_ERR_TIMEOUT;
    }
    const auto started = std::chrono::steady_clock::now();
    HttpOutcome outcome = call->env->http->send(exchange, timeout);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    // Each call is recorded: method, host, path-free outcome and time; never headers or bodies
    // (they carry credentials).
    call->env->log.info(
        "plugin http request",
        {{"plugin", pluginId(call)},
         {"tenant", call->scope.tenant_id},
         {"method", exchange.method},
         {"host", host},
         {"status", outcome.status == BW_OK ? std::to_string(outcome.http_status)
                                            : std::string(statusName(outcome.status))},
         {"micros", std::to_string(micros)}});
    call->env->metrics.observeMicros("billwright_plugin_http_request_seconds",
                                     {{"plugin", pluginId(call)}}, micros);
    if (outcome.status != BW_OK) {
        record(std::string(statusName(outcome.status)));
        setError(call, outcome.error.data(), outcome.error.size());
        return outcome.status;
    }
    record("response");
    response->status = outcome.http_status;
    response->headers = hand(call, std::move(outcome.headers));
    response->body = hand(call, std::move(outcome.body));
    return BW_OK;
}

std::int64_t hostNowMs(bw_call* call) { return call == nullptr ? 0 : nowMs(call); }
std::int64_t hostDeadlineMs(bw_call* call) { return call == nullptr ? 0 : call->scope.deadline_ms; }

const EVP_MD* digestOf(std::int32_t algorithm) {
    switch (algorithm) {
        case BW_HASH_SHA256:
            return EVP_sha256();
        case BW_HASH_SHA512:
            return EVP_sha512();
        case BW_HASH_SHA1:
            return EVP_sha1();
        default:
            return nullptr;
    }
}

bw_status hostHmac(bw_call* call, std::int32_t algorithm, const void* key, std::size_t key_len,
                   const void* data, std::size_t data_len, std::uint8_t* out, std::size_t out_cap,
                   std::size_t* out_len) {
    const EVP_MD* md = digestOf(algorithm);
    if (call == nullptr || md == nullptr || out == nullptr || out_len == nullptr ||
        (key == nullptr && key_len > 0) || (data == nullptr && data_len > 0) ||
        key_len > static_cast<std::size_t>(INT32_MAX))
        return BW_ERR_INVALID_ARGUMENT;
    if (out_cap < static_cast<std::size_t>(EVP_MD_get_size(md))) return BW_ERR_BUFFER_TOO_SMALL;
    static const unsigned char kEmpty = 0;
    unsigned int len = 0;
    if (HMAC(md, key_len > 0 ? key : &kEmpty, static_cast<int>(key_len),
             data_len > 0 ? static_cast<const unsigned char*>(data) : &kEmpty, data_len, out,
             &len) == nullptr)
        return BW_ERR_INTERNAL;
    *out_len = len;
    return BW_OK;
}

bw_status hostHash(bw_call* call, std::int32_t algorithm, const void* data, std::size_t data_len,
                   std::uint8_t* out, std::size_t out_cap, std::size_t* out_len) {
    const EVP_MD* md = digestOf(algorithm);
    if (call == nullptr || md == nullptr || out == nullptr || out_len == nullptr ||
        (data == nullptr && data_len > 0))
        return BW_ERR_INVALID_ARGUMENT;
    if (out_cap < static_cast<std::size_t>(EVP_MD_get_size(md))) return BW_ERR_BUFFER_TOO_SMALL;
    unsigned int len = 0;
    static const unsigned char kEmpty = 0;
    if (EVP_Digest(data_len > 0 ? data : &kEmpty, data_len, out, &len, md, nullptr) != 1)
        return BW_ERR_INTERNAL;
    *out_len = len;
    return BW_OK;
}

// ES256 (RFC 7518 3.4): ECDSA over P-256 with SHA-256. The key arrives as the uncompressed point
// and the signature as the JWS pair r || s; OpenSSL wants a key object and a DER ECDSA-Sig-Value.
constexpr std::size_t kEs256KeyBytes = 65;
constexpr std::size_t kEs256SignatureBytes = 64;

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct SigFree {
    void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct BnFree {
    void operator()(BIGNUM* p) const { BN_free(p); }
};

// A P-256 public key from 0x04 || X || Y, or nullptr when the bytes are not a point on the curve.
std::unique_ptr<EVP_PKEY, PkeyFree> p256PublicKey(const unsigned char* point) {
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
        EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
    char group[] = "P-256";
    // OSSL_PARAM takes non-const pointers; fromdata only reads them.
    unsigned char key[kEs256KeyBytes];
    std::memcpy(key, point, sizeof key);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, key, sizeof key),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) return nullptr;
    std::unique_ptr<EVP_PKEY, PkeyFree> pkey(raw);
    // Decoding checks the point is on the curve; the public check also refuses the point at
    // infinity and points outside the group.
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(
        EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
    return pkey;
}

// r || s as DER, or empty on failure.
std::vector<unsigned char> derSignature(const unsigned char* rs) {
    std::unique_ptr<BIGNUM, BnFree> r(BN_bin2bn(rs, 32, nullptr));
    std::unique_ptr<BIGNUM, BnFree> s(BN_bin2bn(rs + 32, 32, nullptr));
    std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return {};
    (void)r.release();  // owned by sig now
    (void)s.release();
    const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (len <= 0) return {};
    std::vector<unsigned char> der(static_cast<std::size_t>(len));
    unsigned char* out = der.data();
    if (i2d_ECDSA_SIG(sig.get(), &out) != len) return {};
    return der;
}

bw_status verifyEs256(const unsigned char* key, const unsigned char* data, std::size_t data_len,
                      const unsigned char* signature) {
    const auto pkey = p256PublicKey(key);
    if (!pkey) return BW_ERR_INVALID_ARGUMENT;
    const std::vector<unsigned char> der = derSignature(signature);
    if (der.empty()) return BW_ERR_INTERNAL;
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
    if (!md || EVP_DigestVerifyInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, pkey.get(),
                                       nullptr) != 1)
        return BW_ERR_INTERNAL;
    static const unsigned char kEmpty = 0;
    // 1: valid. 0 or an error (r or s zero or not below the order): the signature does not verify.
    return EVP_DigestVerify(md.get(), der.data(), der.size(), data_len > 0 ? data : &kEmpty,
                            data_len) == 1
               ? BW_OK
               : BW_ERR_DENIED;
}

bw_status hostVerify(bw_call* call, std::int32_t algorithm, const void* public_key,
                     std::size_t key_len, const void* data, std::size_t data_len,
                     const void* signature, std::size_t signature_len) {
    if (call == nullptr || (data == nullptr && data_len > 0) || public_key == nullptr ||
        signature == nullptr)
        return BW_ERR_INVALID_ARGUMENT;
    if (algorithm != BW_VERIFY_ES256) return BW_ERR_INVALID_ARGUMENT;
    const auto* key = static_cast<const unsigned char*>(public_key);
    if (key_len != kEs256KeyBytes || key[0] != 0x04 || signature_len != kEs256SignatureBytes)
        return BW_ERR_INVALID_ARGUMENT;
    const bw_status status = verifyEs256(key, static_cast<const unsigned char*>(data), data_len,
                                         static_cast<const unsigned char*>(signature));
    // Failed checks leave entries on this thread's OpenSSL error queue, which the TLS code that
    // runs next on the thread would read as its own.
    ERR_clear_error();
    return status;
}

// Plenty for nonces and keys; a bound so one call cannot ask for gigabytes.
constexpr std::size_t kMaxRandomBytes = std::size_t{1} << 20;

bw_status hostRandomBytes(bw_call* call, std::uint8_t* out, std::size_t len) {
    if (call == nullptr || (out == nullptr && len > 0) || len > kMaxRandomBytes)
        return BW_ERR_INVALID_ARGUMENT;
    if (len == 0) return BW_OK;
    if (RAND_bytes(out, static_cast<int>(len)) != 1) {
        ERR_clear_error();
        return BW_ERR_INTERNAL;
    }
    return BW_OK;
}

void* hostAlloc(bw_call* call, std::size_t len) {
    if (call == nullptr || len > kMaxAllocBytes || call->handed_out + len > kMaxAllocBytes)
        return nullptr;
    call->handed_out += len;
    call->blocks.emplace_back(len == 0 ? 1 : len, '\0');
    return call->blocks.back().data();
}

bw_status telemetryRead(bw_call* call, std::uint32_t equipment_index, std::int32_t kind,
                        std::int64_t from, std::int64_t to, std::int64_t* ts, std::int64_t* values,
                        std::uint32_t capacity, std::uint32_t* count) {
    if (call == nullptr || count == nullptr || ts == nullptr || values == nullptr || capacity == 0)
        return BW_ERR_INVALID_ARGUMENT;
    *count = 0;
    if (call->scope.telemetry == nullptr) return BW_ERR_UNSUPPORTED;
    if (pastDeadline(call)) return BW_ERR_TIMEOUT;
    return call->scope.telemetry->read(equipment_index, kind, from, to, ts, values, capacity,
                                       count);
}

bw_status telemetryEdge(bw_call* call, std::uint32_t equipment_index, std::int32_t kind,
                        std::int64_t at, std::int32_t direction, std::int64_t* ts,
                        std::int64_t* value) {
    if (call == nullptr || ts == nullptr || value == nullptr) return BW_ERR_INVALID_ARGUMENT;
    if (direction != BW_EDGE_BEFORE && direction != BW_EDGE_AT_OR_AFTER)
        return BW_ERR_INVALID_ARGUMENT;
    if (call->scope.telemetry == nullptr) return BW_ERR_UNSUPPORTED;
    if (pastDeadline(call)) return BW_ERR_TIMEOUT;
    return call->scope.telemetry->edge(equipment_index, kind, at, direction, ts, value);
}

bw_status emitHours(bw_call* call, std::uint32_t equipment_index, std::uint32_t first_hour,
                    std::uint32_t count, const std::int64_t* energy_mwh,
                    const std::int64_t* covered_seconds) {
    if (call == nullptr || (count > 0 && (energy_mwh == nullptr || covered_seconds == nullptr)))
        return BW_ERR_INVALID_ARGUMENT;
    if (call->scope.sink == nullptr) return BW_ERR_UNSUPPORTED;
    return call->scope.sink->hours(equipment_index, first_hour, count, energy_mwh, covered_seconds);
}

bw_status emitDetail(bw_call* call, std::uint32_t equipment_index, const char* key,
                     const char* value) {
    if (call == nullptr || key == nullptr || value == nullptr) return BW_ERR_INVALID_ARGUMENT;
    if (call->scope.sink == nullptr) return BW_ERR_UNSUPPORTED;
    return call->scope.sink->detail(equipment_index, boundedText(key, kMaxKeyBytes),
                                    boundedText(value, kMaxMessageBytes));
}

bw_status emitAmount(bw_call* call, std::int64_t amount_minor, const char* description) {
    if (call == nullptr || description == nullptr) return BW_ERR_INVALID_ARGUMENT;
    if (call->scope.sink == nullptr) return BW_ERR_UNSUPPORTED;
    return call->scope.sink->amount(amount_minor, boundedText(description, kMaxMessageBytes));
}

constexpr bw_host_api kHostApi = {
    .size = sizeof(bw_host_api),
    .abi_major = BW_ABI_MAJOR,
    .abi_minor = BW_ABI_MINOR,
    .log = hostLog,
    .set_error = setError,
    .config_get = configGet,
    .secret_get = secretGet,
    .param_get = paramGet,
    .http_request = httpRequest,
    .now_ms = hostNowMs,
    .deadline_ms = hostDeadlineMs,
    .hmac = hostHmac,
    .hash = hostHash,
    .alloc = hostAlloc,
    .telemetry_read = telemetryRead,
    .telemetry_edge = telemetryEdge,
    .emit_hours = emitHours,
    .emit_detail = emitDetail,
    .emit_amount = emitAmount,
    .verify = hostVerify,
    .random_bytes = hostRandomBytes,
};

}  // namespace

std::string_view statusName(bw_status status) {
    switch (status) {
        case BW_OK:
            return "ok";
        case BW_ERR_INVALID_ARGUMENT:
            return "invalid_argument";
        case BW_ERR_NOT_FOUND:
            return "not_found";
        case BW_ERR_UNAVAILABLE:
            return "unavailable";
        case BW_ERR_TIMEOUT:
            return "timeout";
        case BW_ERR_DENIED:
            return "denied";
        case BW_ERR_INTERNAL:
            return "internal";
        case BW_ERR_UNSUPPORTED:
            return "unsupported";
        case BW_ERR_BUFFER_TOO_SMALL:
            return "buffer_too_small";
        case BW_ERR_NETWORK:
            return "network";
        default:
            return "unknown_status";
    }
}

PluginCall::PluginCall(const HostEnvironment& env, CallScope scope)
    : call_(std::make_unique<bw_call>()) {
    call_->env = &env;
    call_->scope = std::move(scope);
}

PluginCall::~PluginCall() {
    // Secrets and anything derived from them were handed out in these buffers: wipe them.
    for (auto& s : call_->strings) OPENSSL_cleanse(s.data(), s.size());
    for (auto& b : call_->blocks) OPENSSL_cleanse(b.data(), b.size());
    for (auto& [key, value] : call_->scope.secrets) OPENSSL_cleanse(value.data(), value.size());
}

bw_call* PluginCall::handle() { return call_.get(); }
const bw_host_api* PluginCall::api() const { return &kHostApi; }
const std::string& PluginCall::errorMessage() const { return call_->error; }

std::string PluginCall::describe(bw_status status) const {
    std::string out(statusName(status));
    if (!call_->error.empty()) out += ": " + call_->error;
    return out;
}

}  // namespace billwright::plugins
