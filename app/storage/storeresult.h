#pragma once
// Errors as values for the conversation store. The message is written for the user
// ("The conversation file /x/y.db is read-only. ...") and names the file or the item.
#include <QString>
#include <utility>
#include <variant>

namespace causerie::storage {

struct StoreError {
    QString message;
    int sqliteCode = 0;   // extended SQLite result code, 0 when the error is not SQLite's
};

template <class T>
class [[nodiscard]] StoreResult {
public:
    StoreResult(T value)
        : m_v(std::in_place_index<0>, std::move(value))
    {
    }
    StoreResult(StoreError error)
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

    const StoreError& error() const { return std::get<1>(m_v); }
    QString errorString() const { return ok() ? QString() : error().message; }

private:
    std::variant<T, StoreError> m_v;
};

struct Done {};
using StoreStatus = StoreResult<Done>;

}   // namespace causerie::storage

// Returns the error of a StoreResult/StoreStatus expression from the calling function.
#define STORE_TRY(expr)                                                                                                \
    do {                                                                                                               \
        if (auto r_ = (expr); !r_)                                                                                     \
            return r_.error();                                                                                         \
    } while (0)
