#pragma once
// Errors as values for documents: the message is written for the user and names the file
// ("/x/report.pdf is encrypted (password-protected): not read.").
#include <QString>
#include <utility>
#include <variant>

namespace causerie::documents {

struct DocError {
    QString message;
};

template <class T>
class [[nodiscard]] DocResult {
public:
    DocResult(T value)
        : m_v(std::in_place_index<0>, std::move(value))
    {
    }
    DocResult(DocError error)
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

    const DocError& error() const { return std::get<1>(m_v); }
    QString errorString() const { return ok() ? QString() : error().message; }

private:
    std::variant<T, DocError> m_v;
};

}   // namespace causerie::documents

namespace causerie::documents {
struct DocOk {};
using DocStatus = DocResult<DocOk>;
}   // namespace causerie::documents
