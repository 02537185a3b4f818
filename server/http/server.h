#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "http/api.h"

namespace Poco::Net {
class HTTPServer;
}
namespace Poco {
class ThreadPool;
}

namespace billwright::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;    // 0 picks a free port
    int threads = 64;             // one per keep-alive connection: size above expected clients
    std::string tls_certificate;  // both set: HTTPS
    std::string tls_private_key;
};

// Splits a request target into its percent-decoded path and query parameters (a later
// parameter of the same name wins), as Poco::URI does (unencoded '+' in the query is a space;
// the fragment is dropped). Throws Poco::SyntaxException for a malformed escape. Origin-form
// targets ("/v1/...") are split here without building a Poco::URI; any other form goes through it.
void parseRequestTarget(const std::string& target, std::string& path,
                        std::map<std::string, std::string>& query);

// Poco::Net adapter: reads each request within the body limit, hands it to Api, writes the
// response. Api does everything else.
class Server {
public:
    Server(Api& api, const ServerOptions& options);
    ~Server();
    void start();
    // Stops accepting, lets in-flight requests finish, closes idle keep-alive connections.
    void stop();
    std::uint16_t port() const { return port_; }
    bool tls() const { return tls_; }

private:
    Api& api_;
    ServerOptions options_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    std::uint16_t port_ = 0;
    bool tls_ = false;
};

}  // namespace billwright::http
