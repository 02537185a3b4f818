#include "jobs/smtp_mailer.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartWriter.h>
#include <Poco/Net/QuotedPrintableEncoder.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StringPartSource.h>

#include <memory>
#include <sstream>

namespace billwright::jobs {
namespace {

using Poco::Net::MailMessage;

constexpr const char* kTextType = "text/plain; charset=UTF-8";
constexpr const char* kHtmlType = "text/html; charset=UTF-8";

bool isAscii(const std::string& text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) > 127) return false;
    }
    return true;
}

// A display name as a header phrase: RFC 2047 for non-ASCII, otherwise a quoted string.
std::string phrase(const std::string& name) {
    if (!isAscii(name)) return MailMessage::encodeWord(name, "UTF-8");
    std::string out = "\"";
    for (const char c : name) {
        if (c == '"' || c == '\\') out.push_back('\\');
        if (c != '\r' && c != '\n') out.push_back(c);
    }
    return out + "\"";
}

std::string mailbox(const Email::Address& address) {
    if (address.name.empty()) return "<" + address.email + ">";
    return phrase(address.name) + " <" + address.email + ">";
}

std::string quotedPrintable(const std::string& text) {
    std::ostringstream out;
    Poco::Net::QuotedPrintableEncoder encoder(out);
    encoder << text;
    encoder.close();
    return out.str();
}

// multipart/alternative (text, then HTML) as one part of a multipart/mixed message: Poco's
// MailMessage has one level of parts, so the inner level is written here.
std::pair<std::string, std::string> alternativePart(const std::string& text,
                                                    const std::string& html) {
    const std::string boundary = Poco::Net::MultipartWriter::createBoundary();
    std::ostringstream out;
    Poco::Net::MultipartWriter writer(out, boundary);
    for (const auto& [type, content] : {std::pair{kTextType, &text}, std::pair{kHtmlType, &html}}) {
        Poco::Net::MessageHeader header;
        header.set("Content-Type", type);
        header.set("Content-Transfer-Encoding", "quoted-printable");
        writer.nextPart(header);
        writer.stream() << quotedPrintable(*content);
    }
    writer.close();
    return {"multipart/alternative; boundary=\"" + boundary + "\"", out.str()};
}

void build(const Email& email, MailMessage& message) {
    message.setSender(mailbox(email.from));
    message.addRecipient(
        Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, email.to));
    message.setSubject(MailMessage::encodeWord(email.subject, "UTF-8"));
    if (email.reply_to) message.set("Reply-To", "<" + *email.reply_to + ">");
    if (email.message_id) {
        const auto at = email.from.email.find('@');
        const std::string domain =
            at == std::string::npos ? "billwright" : email.from.email.substr(at + 1);
        message.set("Message-ID", "<" + *email.message_id + "@" + domain + ">");
    }
    using Poco::Net::StringPartSource;
    if (!email.attachment) {
        if (!email.html_body) {
            message.setContentType(kTextType);
            message.setContent(email.text_body, MailMessage::ENCODING_QUOTED_PRINTABLE);
            return;
        }
        message.setContentType("multipart/alternative");
        message.addContent(new StringPartSource(email.text_body, kTextType),
                           MailMessage::ENCODING_QUOTED_PRINTABLE);
        message.addContent(new StringPartSource(*email.html_body, kHtmlType),
                           MailMessage::ENCODING_QUOTED_PRINTABLE);
        return;
    }
    message.setContentType("multipart/mixed");
    if (email.html_body) {
        auto [type, body] = alternativePart(email.text_body, *email.html_body);
        // Already encoded inside: every line is 7-bit quoted-printable.
        message.addContent(new StringPartSource(body, type), MailMessage::ENCODING_7BIT);
    } else {
        message.addContent(new StringPartSource(email.text_body, kTextType),
                           MailMessage::ENCODING_QUOTED_PRINTABLE);
    }
    const auto& a = *email.attachment;
    const std::string file_name = MailMessage::encodeWord(a.name, "UTF-8");
    message.addAttachment(file_name, new StringPartSource(a.bytes, a.content_type, file_name),
                          MailMessage::ENCODING_BASE64);
}

}  // namespace

std::string renderEmail(const Email& email) {
    MailMessage message;
    build(email, message);
    std::ostringstream out;
    message.write(out);
    return out.str();
}

SmtpMailer::SmtpMailer(SmtpOptions options) : options_(std::move(options)) {}

SendResult SmtpMailer::send(const Email& email) {
    try {
        MailMessage message;
        build(email, message);
        const Poco::Timespan timeout(
            std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count());
        std::unique_ptr<Poco::Net::SecureSMTPClientSession> session;
        if (options_.starttls && options_.tls_verify) {
            // This constructor keeps the host name, which the certificate is checked against.
            session =
                std::make_unique<Poco::Net::SecureSMTPClientSession>(options_.host, options_.port);
        } else {
            Poco::Net::StreamSocket socket;
            socket.connect(Poco::Net::SocketAddress(options_.host, options_.port), timeout);
            session = std::make_unique<Poco::Net::SecureSMTPClientSession>(socket);
        }
        session->setTimeout(timeout);
        session->login();  // greeting and EHLO
        if (options_.starttls) {
            Poco::Net::Context::Ptr context =
                new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                       options_.tls_verify ? Poco::Net::Context::VERIFY_RELAXED
                                                           : Poco::Net::Context::VERIFY_NONE,
                                       9, options_.tls_verify);
            context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
            if (!options_.tls_verify) context->enableExtendedCertificateVerification(false);
            if (!session->startTLS(context))
                return SendResult::failure("the SMTP server refused STARTTLS");
        }
        if (!options_.username.empty()) {
            // EHLO again (after STARTTLS the session starts over), then AUTH LOGIN.
            session->login(Poco::Net::SMTPClientSession::AUTH_LOGIN, options_.username,
                           options_.password);
        } else if (options_.starttls) {
            session->login();
        }
        session->sendMessage(message);
        session->close();
        return {};
    } catch (const Poco::Exception& e) {
        return SendResult::failure(e.displayText());
    } catch (const std::exception& e) {
        return SendResult::failure(e.what());
    }
}

}  // namespace billwright::jobs
