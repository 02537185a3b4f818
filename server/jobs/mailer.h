#pragma once

#include <optional>
#include <string>

namespace billwright::jobs {

// One email as a Mailer sends it: plain values, no storage or transport types.
struct Email {
    struct Address {
        std::string name;  // may be empty
        std::string email;
    };
    struct Attachment {
        std::string name;          // file name shown to the reader
        std::string content_type;  // e.g. "text/html"
        std::string bytes;
    };
    Address from;
    std::optional<std::string> reply_to;
    std::string to;
    std::string subject;
    std::string text_body;
    std::optional<std::string> html_body;  // sent as the text/html alternative
    std::optional<Attachment> attachment;
    // The outbox message id: becomes the Message-ID, so a message delivered twice (the
    // outbox is at-least-once) carries the same id both times.
    std::optional<std::string> message_id;
};

// The outcome of one send: ok, or why not (shown to operators as the message's last_error,
// so it never carries a secret).
struct [[nodiscard]] SendResult {
    std::string error;  // empty: accepted by the server
    bool ok() const { return error.empty(); }
    static SendResult failure(std::string why) { return SendResult{std::move(why)}; }
};

// Sends one email. Implementations are called from one worker thread at a time and must not
// throw; a transport failure is a SendResult with the error.
class Mailer {
public:
    virtual ~Mailer() = default;
    virtual SendResult send(const Email& email) = 0;
};

}  // namespace billwright::jobs
