#pragma once
// An API key that cannot end up in a log by accident: it has no conversion to QString, and
// qDebug() << key prints "ApiKey(<redacted>)". The secret is reached only through reveal(),
// so every use is easy to find in review.
#include <QDebug>
#include <QMetaType>
#include <QString>

class ApiKey {
public:
    ApiKey() = default;
    explicit ApiKey(QString secret)
        : m_secret(std::move(secret))
    {
    }

    bool isEmpty() const { return m_secret.isEmpty(); }
    QString reveal() const { return m_secret; }

    friend bool operator==(const ApiKey&, const ApiKey&) = default;

private:
    QString m_secret;
};

inline QDebug operator<<(QDebug debug, const ApiKey& key)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << (key.isEmpty() ? "ApiKey(<empty>)" : "ApiKey(<redacted>)");
    return debug;
}

Q_DECLARE_METATYPE(ApiKey)
