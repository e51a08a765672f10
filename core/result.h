// Result<T>: a value or an error message naming the place; domain code returns it instead of throwing.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace crf {

/// An error naming where it happened (a field, a file, a message) and what was wrong.
struct Error {
    std::string where;
    std::string what;
    /// For a screen in another language: the English template of `what` ("%1", "%2"... for the arguments) and its
    /// arguments (messageError); empty when the message was written out directly.
    std::string tmpl = {};
    std::vector<std::string> args = {};
    std::string text() const { return where.empty() ? what : where + ": " + what; }
};

/// `tmpl` with %1..%9 replaced by `args` in one pass (an argument containing "%2" stays as it is).
inline std::string fillTemplate(const std::string& tmpl, const std::vector<std::string>& args)
{
    std::string out;
    for (size_t i = 0; i < tmpl.size(); ++i) {
        const size_t n = i + 1 < tmpl.size() ? static_cast<size_t>(tmpl[i + 1] - '1') : args.size();
        if (tmpl[i] == '%' && n < args.size() && n < 9) {
            out += args[n];
            ++i;
        } else {
            out += tmpl[i];
        }
    }
    return out;
}

/// A sentence for a screen: its English text, and for a screen in another language its template (marked with
/// QT_TRANSLATE_NOOP("Core", ...)) and arguments. Empty `tmpl`: shown as `text`.
struct Message {
    std::string text;
    std::string tmpl = {};
    std::vector<std::string> args = {};
    bool empty() const { return text.empty(); }
};

inline Message message(const char* tmpl, std::vector<std::string> args = {})
{
    std::string text = fillTemplate(tmpl, args);
    return Message{std::move(text), tmpl, std::move(args)};
}

/// An error whose message is a template marked for translation (QT_TRANSLATE_NOOP("Core", ...), core/tr.h) and
/// its arguments: `what` is the English sentence, a screen words it in its language (ui::errorText).
inline Error messageError(std::string where, const char* tmpl, std::vector<std::string> args = {})
{
    std::string what = fillTemplate(tmpl, args);
    return Error{std::move(where), std::move(what), tmpl, std::move(args)};
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
    const T& operator*() const& { return value(); }
    const T* operator->() const { return &value(); }
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
