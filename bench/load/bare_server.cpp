// The load test's baseline (bench/load/run, bench/README.md "Load"): a bare Poco HTTPServer
// that answers every request with a fixed string, with the same server parameters billwrightd
// uses (server/http/server.cpp: thread pool, keep-alive, queue), so the difference to
// billwrightd is what Billwright does per request.
//
//   bare_server [--port=N] [--threads=64] [--body=TEXT]
// Prints "listening on PORT" and serves until SIGINT or SIGTERM.

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>

namespace {

class FixedHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit FixedHandler(const std::string& body) : body_(body) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        // Read (and drop) any body, as a real handler would, so keep-alive stays in step.
        request.stream().ignore(static_cast<std::streamsize>(1) << 30);
        response.setContentType("application/json");
        response.sendBuffer(body_.data(), body_.size());  // as billwrightd answers
    }

private:
    const std::string& body_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(std::string body) : body_(std::move(body)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new FixedHandler(body_);
    }

private:
    std::string body_;
};

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    int threads = 64;
    std::string body = "{\"ok\":true}\n";
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.starts_with("--port=")) {
            port = std::atoi(argv[i] + 7);
        } else if (arg.starts_with("--threads=")) {
            threads = std::atoi(argv[i] + 10);
        } else if (arg.starts_with("--body=")) {
            body = std::string(arg.substr(7));
        } else {
            std::fprintf(stderr, "usage: bare_server [--port=N] [--threads=64] [--body=TEXT]\n");
            return 2;
        }
    }
    // SIGINT and SIGTERM blocked before any thread starts, so every thread inherits the mask
    // and main takes them with sigwait.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    try {
        Poco::Net::ServerSocket socket(
            Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), 128);
        auto* params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(threads);
        params->setMaxQueued(256);
        params->setKeepAlive(true);
        params->setMaxKeepAliveRequests(1000);
        params->setKeepAliveTimeout(Poco::Timespan(10, 0));
        params->setTimeout(Poco::Timespan(30, 0));
        Poco::ThreadPool pool(2, threads + 4);
        Poco::Net::HTTPServer server(new Factory(body), pool, socket, params);
        server.start();
        std::printf("listening on %u\n", static_cast<unsigned>(socket.address().port()));
        std::fflush(stdout);
        int signal = 0;
        sigwait(&stop_signals, &signal);
        server.stopAll(false);
        pool.joinAll();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bare_server: %s\n", e.what());
        return 1;
    }
    return 0;
}
