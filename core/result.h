// Result<T>: a value or an error message naming the place; domain code returns it instead of throwing.
#pragma once

#include "tr.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace crf {

/// A sentence for a screen: its English text, and for a screen in another language its template (marked with
/// QT_TRANSLATE_NOOP("Core", ...), core/tr.h) and arguments. Empty `tmpl`: shown as `text`. An argument is data (a
/// number, an id: text only) or a sentence of its own (a gateway's refusal inside "gateway refused this tablet: %1"),
/// worded in the screen's language in turn (ui::messageText).
struct Message {
    std::string text;
    std::string tmpl;
    std::vector<Message> args;

    Message() = default;
    Message(std::string plain) : text(std::move(plain)) {}
    Message(const char* plain) : text(plain) {}
    Message(std::string english, std::string tmpl_, std::vector<Message> args_)
        : text(std::move(english)), tmpl(std::move(tmpl_)), args(std::move(args_))
    {
    }
    bool empty() const { return text.empty(); }
    bool operator==(const Message& o) const { return text == o.text && tmpl == o.tmpl && args == o.args; }
};

/// `tmpl` with %1..%9 replaced by the English text of `args` in one pass (an argument containing "%2" stays as it is).
inline std::string fillTemplate(const std::string& tmpl, const std::vector<Message>& args)
{
    std::string out;
    for (size_t i = 0; i < tmpl.size(); ++i) {
        const size_t n = i + 1 < tmpl.size() ? static_cast<size_t>(tmpl[i + 1] - '1') : args.size();
        if (tmpl[i] == '%' && n < args.size() && n < 9) {
            out += args[n].text;
            ++i;
        } else {
            out += tmpl[i];
        }
    }
    return out;
}

inline Message message(const char* tmpl, std::vector<Message> args = {})
{
    std::string text = fillTemplate(tmpl, args);
    return Message{std::move(text), tmpl, std::move(args)};
}

/// An error naming where it happened (a field, a file, a message) and what was wrong.
struct Error {
    std::string where;
    std::string what;
    /// For a screen in another language: the English template of `what` ("%1", "%2"... for the arguments) and its
    /// arguments (messageError); empty when the message was written out directly.
    std::string tmpl = {};
    std::vector<Message> args = {};
    std::string text() const { return where.empty() ? what : where + ": " + what; }
    /// What was wrong, as a sentence (with its template when it has one), without the place.
    Message message() const { return Message{what, tmpl, args}; }
    /// The whole error as one sentence, the place first (text()), worded in parts.
    Message sentence() const
    {
        if (where.empty())
            return message();
        return Message{text(), QT_TRANSLATE_NOOP("Core", "%1: %2"), {Message(where), message()}};
    }
};

/// An error whose message is a template marked for translation (QT_TRANSLATE_NOOP("Core", ...), core/tr.h) and
/// its arguments: `what` is the English sentence, a screen words it in its language (ui::errorText).
inline Error messageError(std::string where, const char* tmpl, std::vector<Message> args = {})
{
    std::string what = fillTemplate(tmpl, args);
    return Error{std::move(where), std::move(what), tmpl, std::move(args)};
}

/// An error whose message is `what` (a sentence of its own, perhaps with a template) at `where`.
inline Error messageError(std::string where, Message what)
{
    return Error{std::move(where), std::move(what.text), std::move(what.tmpl), std::move(what.args)};
}

/// Value-or-error. Thread-compatible; cheap to move.
template <typename T> class Result {
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error error) : m_v(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_v); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<T>(m_v); }
    T& value() & { return std::get<T>(m_v); }
    T&& value() && { return std::get<T>(std::move(m_v)); }
    // Non-const access too: `std::move(*result)` or `for (auto& x : *result) use(std::move(x))` must move, not
    // silently copy through a const reference.
    const T& operator*() const& { return value(); }
    T& operator*() & { return value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }
    const Error& error() const { return std::get<Error>(m_v); }

private:
    std::variant<T, Error> m_v;
};

/// Result without a value.
class Status {
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error)) {}
    static Status success() { return {}; }
    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

} // namespace crf
