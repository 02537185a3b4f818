#pragma once

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "support/server_process.h"

namespace billwright::testing {

// One server shared by the API tests of this executable; each test makes its own tenants, so
// tests do not see each other's data. Tests that stop or reconfigure the server start their own.
ServerProcess& sharedServer();

// Helpers that fail the calling test on an unexpected status.
struct Api {
    ServerProcess& server;
    std::string key;  // the key requests are sent with

    HttpResult get(const std::string& path) const { return server.get(path, key); }
    HttpResult post(const std::string& path, const std::string& body,
                    const std::map<std::string, std::string>& headers = {}) const {
        return server.post(path, key, body, headers);
    }
    HttpResult put(const std::string& path, const std::string& body) const {
        return server.request("PUT", path, key, body);
    }
    HttpResult patch(const std::string& path, const std::string& body) const {
        return server.request("PATCH", path, key, body);
    }
    HttpResult del(const std::string& path) const { return server.request("DELETE", path, key); }
};

Api asSuper();
Api as(const std::string& key);

// Creates a tenant (and, unless `config` is empty, its billing config); returns the tenant id.
std::string createTenant(
    const std::string& name = "Tenant",
    const std::string& config = R"({"flat_rate_amount":"1500.00","currency":"USD",
    "billing_frequency":"monthly","billing_email":"billing@example.com","billing_day_of_month":1,
    "payment_due_days":15})");
// Creates an API key of `role` for `tenant_id`; returns the secret.
std::string createKey(const std::string& role, const std::string& tenant_id);
// Generates the invoice for a period; returns its id.
std::string generateInvoice(const std::string& tenant_id, const std::string& period_start);

// The problem's stable code, checking the problem+json content type.
std::string problemCode(const HttpResult& result);
// The field named by the first per-field error ("" when there is none).
std::string problemField(const HttpResult& result);
std::string problemFieldCode(const HttpResult& result);

std::string str(const core::JsonValue& object, const std::string& field);

struct Call {
    std::string method;
    std::string path;
    std::string body;  // empty: no body
};
// Sends every call with `key` and checks each answers `status` with problem code `code`
// (any code when `code` is empty).
void expectEveryCall(const std::string& key, const std::vector<Call>& calls, int status,
                     const std::string& code);

}  // namespace billwright::testing
