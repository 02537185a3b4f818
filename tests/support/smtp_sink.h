#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace billwright::testing {

// One message the sink accepted: the envelope and the DATA as received.
struct ReceivedMail {
    std::string mail_from;
    std::vector<std::string> rcpt_tos;
    bool tls = false;
    std::optional<std::string> auth_user;
    std::string data;

    // The first header of that name (case-insensitive), unfolded; "" when missing.
    std::string header(const std::string& name) const;
};

struct SmtpSinkOptions {
    std::uint16_t port = 0;  // 0: a free port
    bool starttls = false;   // a throw-away self-signed certificate; STARTTLS required
    std::string username;    // with password: AUTH required
    std::string password;
};

// A real SMTP server for tests: tests/support/smtp_sink.py (aiosmtpd) under /usr/bin/python3,
// on 127.0.0.1, in its own temporary directory. Started by the constructor (which returns once
// it accepts connections), stopped with SIGTERM by stop() or the destructor.
class SmtpSink {
public:
    explicit SmtpSink(SmtpSinkOptions options = {});
    ~SmtpSink();
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    std::uint16_t port() const { return port_; }
    void stop();
    std::vector<ReceivedMail> messages() const;
    // Polls until `count` messages have arrived; fails the test at the deadline.
    std::vector<ReceivedMail> waitForMessages(
        std::size_t count, std::chrono::seconds deadline = std::chrono::seconds(20)) const;

private:
    std::string dir_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

// A TCP port on 127.0.0.1 that nothing listens on (bound, read, and released).
std::uint16_t unusedPort();

}  // namespace billwright::testing
