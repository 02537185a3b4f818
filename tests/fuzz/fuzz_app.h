#pragma once

// The server's services and API wired in-process, the way app/application.cpp wires them, over a
// fresh SQLite database in a temporary directory, with the first-party plugins loaded. Built
// once per fuzzer process (LLVMFuzzerInitialize); Api::handle on a RawRequest is then the whole
// server minus the socket.

#include <map>
#include <memory>
#include <string>

#include "http/api.h"
#include "services/actor.h"

namespace billwright::fuzz {

class FuzzApp {
public:
    FuzzApp();
    ~FuzzApp();
    FuzzApp(const FuzzApp&) = delete;
    FuzzApp& operator=(const FuzzApp&) = delete;

    http::Api& api();
    services::Inventory& inventory();

    // A request with the key of `role` ("super" or "tenant_admin") and a JSON body.
    http::Response send(const std::string& method, const std::string& path, std::string body,
                        const std::string& role = "tenant_admin",
                        const std::map<std::string, std::string>& headers = {});
    // Sends and aborts unless the answer is 2xx; returns the body's "id" (or "" without one).
    std::string create(const std::string& method, const std::string& path, std::string body,
                       const std::string& role = "tenant_admin");

    const std::string& tenantId() const { return tenant_id_; }
    const std::string& superKey() const { return super_key_; }
    const std::string& adminKey() const { return admin_key_; }
    // An actor for service calls made directly (not through the API).
    services::Actor actor() const { return services::Actor::system("fuzz"); }
    // Ids of the records made at start, by path parameter name ("customer_id" -> "cus_...").
    const std::map<std::string, std::string>& ids() const { return ids_; }

private:
    struct Parts;
    std::unique_ptr<Parts> parts_;
    std::string tenant_id_;
    std::string super_key_;
    std::string admin_key_;
    std::map<std::string, std::string> ids_;
};

// Aborts unless `response` keeps the API's error contract: never a 5xx, and every 4xx is
// application/problem+json with type, title, the same status, a code and a request id.
void checkResponse(const http::Response& response, const std::string& what);

}  // namespace billwright::fuzz
