#include "support/smtp_sink.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/json.h"
#include "support/server_process.h"

namespace billwright::testing {
namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

pid_t spawn(const std::vector<std::string>& args, const std::string& log_path) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed test binary
        if (::getppid() != parent) ::_exit(127);
        if (std::freopen(log_path.c_str(), "w", stdout) == nullptr) ::_exit(127);
        ::dup2(::fileno(stdout), 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    if (pid < 0) throw std::runtime_error("cannot start " + args[0]);
    return pid;
}

int runToEnd(const std::vector<std::string>& args, const std::string& log_path) {
    const pid_t pid = spawn(args, log_path);
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string ReceivedMail::header(const std::string& name) const {
    const std::string wanted = lower(name) + ":";
    std::istringstream in(data);
    std::string line;
    std::string value;
    bool found = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) break;  // end of the headers
        if (found) {
            if (line[0] == ' ' || line[0] == '\t') {
                value += " " + line.substr(line.find_first_not_of(" \t"));
                continue;
            }
            break;
        }
        if (lower(line.substr(0, wanted.size())) == wanted) {
            found = true;
            const auto start = line.find_first_not_of(' ', wanted.size());
            value = start == std::string::npos ? "" : line.substr(start);
        }
    }
    return value;
}

SmtpSink::SmtpSink(SmtpSinkOptions options) : dir_(makeTempDir()) {
    std::filesystem::create_directories(dir_ + "/mail");
    std::vector<std::string> args = {"/usr/bin/python3",
                                     sourceDir() + "/tests/support/smtp_sink.py",
                                     "--dir",
                                     dir_ + "/mail",
                                     "--port-file",
                                     dir_ + "/port",
                                     "--port",
                                     std::to_string(options.port)};
    if (options.starttls) {
        const int made = runToEnd(
            {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-keyout", dir_ + "/key.pem", "-out", dir_ + "/cert.pem"},
            dir_ + "/openssl.log");
        if (made != 0)
            throw std::runtime_error("openssl failed: " + readFile(dir_ + "/openssl.log"));
        args.insert(args.end(), {"--cert", dir_ + "/cert.pem", "--key", dir_ + "/key.pem"});
    }
    if (!options.username.empty()) {
        args.insert(args.end(), {"--user", options.username, "--password", options.password});
    }
    pid_ = spawn(args, dir_ + "/sink.log");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string port = readFile(dir_ + "/port");
        if (!port.empty()) {
            port_ = static_cast<std::uint16_t>(std::stoi(port));
            return;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("smtp_sink.py exited: " + readFile(dir_ + "/sink.log"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("smtp_sink.py did not start: " + readFile(dir_ + "/sink.log"));
}

SmtpSink::~SmtpSink() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void SmtpSink::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::vector<ReceivedMail> SmtpSink::messages() const {
    std::vector<std::string> envelopes;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/mail")) {
        if (entry.path().extension() == ".json") envelopes.push_back(entry.path().string());
    }
    std::sort(envelopes.begin(), envelopes.end());
    std::vector<ReceivedMail> out;
    for (const auto& path : envelopes) {
        auto json = core::parseJson(readFile(path));
        if (!json.ok()) throw std::runtime_error("bad envelope " + path);
        auto field = [&](const char* name) -> const core::JsonValue& {
            const core::JsonValue* v = json->find(name);
            if (v == nullptr) throw std::runtime_error(std::string("envelope without ") + name);
            return *v;
        };
        ReceivedMail mail;
        mail.mail_from = field("mail_from").asString();
        for (const auto& r : field("rcpt_tos").items()) mail.rcpt_tos.push_back(r.asString());
        mail.tls = field("tls").asBool();
        if (!field("auth_user").isNull()) mail.auth_user = field("auth_user").asString();
        mail.data = readFile(path.substr(0, path.size() - 5) + ".eml");
        out.push_back(std::move(mail));
    }
    return out;
}

std::vector<ReceivedMail> SmtpSink::waitForMessages(std::size_t count,
                                                    std::chrono::seconds deadline) const {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (true) {
        auto mails = messages();
        if (mails.size() >= count) return mails;
        if (std::chrono::steady_clock::now() >= until) {
            BOOST_FAIL("the SMTP sink received " + std::to_string(mails.size()) + " of " +
                       std::to_string(count) + " messages: " + readFile(dir_ + "/sink.log"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::uint16_t unusedPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

}  // namespace billwright::testing
