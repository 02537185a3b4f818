#include "support/server_process.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace billwright::testing {
namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

pid_t spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path, const std::map<std::string, std::string>& environment) {
    // Everything the child needs is prepared before fork: only async-signal-safe calls after.
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
        // The test's own BILLWRIGHT_* variables must not leak into the server under test.
        if (std::string(*e).rfind("BILLWRIGHT_", 0) != 0) env_strings.emplace_back(*e);
    }
    for (const auto& [k, v] : environment) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd < 0 || err_fd < 0)
        throw std::runtime_error("cannot open output files for " + args[0]);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // A test binary that crashes must not leave servers behind.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out_fd);
    ::close(err_fd);
    if (pid < 0) throw std::runtime_error("cannot start " + args[0]);
    return pid;
}

int waitExit(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

}  // namespace

std::string billwrightdPath() { return BILLWRIGHTD_PATH; }
std::string sourceDir() { return BILLWRIGHT_SOURCE_DIR; }

std::string makeTempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bwtest-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

const core::JsonValue& HttpResult::json() const {
    if (!parsed_) {
        auto parsed = core::parseJson(body);
        BOOST_REQUIRE_MESSAGE(parsed.ok(), "response is not JSON: " + body);
        parsed_ = std::move(parsed).value();
    }
    return *parsed_;
}

std::string HttpResult::header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

ServerProcess::ServerProcess(std::vector<std::string> extra_defines)
    : defines_(std::move(extra_defines)),
      dir_(makeTempDir()),
      database_(std::make_unique<TestDatabase>(dir_)) {
    start();
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) stop();
    database_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void ServerProcess::start() {
    std::vector<std::string> args = {billwrightdPath(), "-Dhttp.port=0",
                                     "-Ddatabase.url=" + database_->url(),
                                     "-Dbootstrap.key_file=" + dir_ + "/super.key",
                                     "-Dscheduler.interval_seconds=86400", "-Dlog.level=info",
                                     // Each line written before its request is answered, so a
                                     // check that a secret is absent from stderrText() has read
                                     // every line; the queued writer (the default) has its own
                                     // tests (lifecycle_api_test, log_test).
                                     "-Dlog.flush_ms=0"};
    for (const auto& d : defines_) args.push_back("-D" + d);
    pid_ = spawn(args, dir_ + "/stdout.txt", dir_ + "/stderr.txt", {});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string out = readFile(dir_ + "/stdout.txt");
        const auto at = out.find("listening on http");
        if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
            const auto colon = out.rfind(':', out.find('\n', at));
            port_ = static_cast<std::uint16_t>(std::stoi(out.substr(colon + 1)));
            if (super_key_.empty()) {
                std::string key = readFile(dir_ + "/super.key");
                while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
                super_key_ = key;
            }
            return;
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("billwrightd exited during start: " + stderrText());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("billwrightd did not start: " + stderrText());
}

int ServerProcess::stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const int code = waitExit(pid_);
    pid_ = -1;
    return code;
}

int ServerProcess::kill(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    const int code = waitExit(pid_);
    pid_ = -1;
    return code;
}

std::string ServerProcess::stderrText() const { return readFile(dir_ + "/stderr.txt"); }

HttpResult ServerProcess::request(const std::string& method, const std::string& path,
                                  const std::string& key, const std::optional<std::string>& body,
                                  const std::map<std::string, std::string>& headers) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!key.empty()) req.set("Authorization", "Bearer " + key);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (body) {
        if (!req.has("Content-Type")) req.setContentType("application/json");
        req.setContentLength64(static_cast<Poco::Int64>(body->size()));
        session.sendRequest(req) << *body;
    } else {
        session.sendRequest(req);
    }
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);
    HttpResult out;
    out.status = static_cast<int>(res.getStatus());
    out.reason = res.getReason();
    for (const auto& [k, v] : res) {
        std::string lower = k;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[lower] = v;
    }
    Poco::StreamCopier::copyToString(in, out.body);
    return out;
}

CommandResult runBillwrightd(const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& environment) {
    const std::string dir = makeTempDir();
    std::vector<std::string> argv = {billwrightdPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult result;
    const pid_t pid = spawn(argv, dir + "/out", dir + "/err", environment);
    result.exit_code = waitExit(pid);
    result.out = readFile(dir + "/out");
    result.err = readFile(dir + "/err");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return result;
}

}  // namespace billwright::testing
