#pragma once
// Errors as values: every fallible engine call returns Result<T>. The message is written
// for the user ("tensor 'blk.3.attn_q.weight': offset 123 is outside the file (size 100)").
// The app's layers use the same template with their own error type E (a QString message:
// storage::StoreResult, documents::DocResult).
#include <string>
#include <utility>
#include <variant>

namespace causerie {

struct Error {
    std::string message;
};

template <class T, class E = Error>
class [[nodiscard]] Result {
public:
    Result(T value)
        : m_v(std::in_place_index<0>, std::move(value))
    {
    }
    Result(E error)
        : m_v(std::in_place_index<1>, std::move(error))
    {
    }

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const E& error() const { return std::get<1>(m_v); }
    // The message, empty when ok.
    auto errorString() const { return ok() ? decltype(error().message)() : error().message; }

private:
    std::variant<T, E> m_v;
};

// For operations that produce nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message) { return Error{std::move(message)}; }

}   // namespace causerie
