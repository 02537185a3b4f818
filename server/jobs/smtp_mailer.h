#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "jobs/mailer.h"

namespace billwright::jobs {

struct SmtpOptions {
    std::string host;
    std::uint16_t port = 25;
    std::string username;  // empty: no AUTH
    std::string password;
    bool starttls = false;   // refuse to send unless the server accepts STARTTLS
    bool tls_verify = true;  // false accepts any certificate (a self-signed test server)
    std::chrono::milliseconds timeout{10000};  // connect and each read/write
};

// A Mailer over SMTP (Poco::Net): one connection per email, EHLO, optional STARTTLS, optional
// AUTH LOGIN, then the message: text/plain, or multipart/alternative with the HTML body,
// wrapped in multipart/mixed with the attachment when there is one.
class SmtpMailer final : public Mailer {
public:
    explicit SmtpMailer(SmtpOptions options);
    SendResult send(const Email& email) override;

private:
    SmtpOptions options_;
};

// The MIME document SmtpMailer sends (headers and body, without the SMTP envelope); exposed
// for tests.
std::string renderEmail(const Email& email);

}  // namespace billwright::jobs
