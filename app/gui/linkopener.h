#pragma once
// Links in content the user did not write (a model's answer, an imported conversation) open
// only in a browser or mail program, and only after the user saw where they lead: the QML
// asks check() for what to show in its confirmation, then open() once the user agreed.
#include <QObject>
#include <QUrl>
#include <QVariantMap>

#include <functional>

class LinkOpener : public QObject {
    Q_OBJECT
public:
    explicit LinkOpener(QObject* parent = nullptr);

    // http, https (with a host) and mailto; every other scheme (file, javascript, data, a
    // relative link, a custom handler) is refused.
    static bool isOpenable(const QUrl& url);

    // {openable: bool, target: the full URL as it will be opened (encoded: a look-alike host
    // shows as punycode), scheme: the link's scheme or ""}.
    Q_INVOKABLE QVariantMap check(const QString& link) const;
    // Opens `link` if it is openable (checked again); false otherwise or if the desktop refused.
    Q_INVOKABLE bool open(const QString& link);

    // Tests replace the desktop (QDesktopServices::openUrl).
    void setOpener(std::function<bool(const QUrl&)> opener) { m_opener = std::move(opener); }

private:
    std::function<bool(const QUrl&)> m_opener;
};
