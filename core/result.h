// Result<T>: a value or an error message naming the place; domain code returns it instead of throwing.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace crf {

/// An error naming where it happened (a field, a file, a message) and what was wrong.
struct Error {
    std::string where;
    std::string what;
    std::string text() const { return where.empty() ? what : where + ": " + what; }
};

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
