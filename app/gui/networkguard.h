#pragma once
// The QML engine's access to the network, closed: every request it makes (an Image or
// AnimatedImage source, an <img> in rich or styled text, a Markdown image, an XMLHttpRequest, a
// remote component) reaches NetworkGuard's access manager, which refuses all of them but qrc:
// resources. The app's own network use (remote endpoints, model downloads) has its own managers
// and does not go through the engine. Local files need no manager (the engine reads them
// itself) and none is allowed through it: nothing the app shows loads a file it did not choose.
#include <QList>
#include <QLoggingCategory>
#include <QMutex>
#include <QQmlNetworkAccessManagerFactory>
#include <QSet>
#include <QUrl>

Q_DECLARE_LOGGING_CATEGORY(lcNetworkGuard)

// Every request the engine attempted, refused or not (tests). Thread-safe: the engine asks
// from its image-loading and XMLHttpRequest threads.
class NetworkRecorder {
public:
    void record(const QUrl& url);
    int attempts() const;
    QList<QUrl> urls() const;

private:
    mutable QMutex m_mutex;
    QList<QUrl> m_urls;
};

class NetworkGuard : public QQmlNetworkAccessManagerFactory {
public:
    // Called by the engine on each thread that needs a manager.
    QNetworkAccessManager* create(QObject* parent) override;

    // Not owned; must outlive the engine's requests. nullptr stops recording.
    void setRecorder(NetworkRecorder* recorder);

    static bool isAllowed(const QUrl& url);   // qrc: only
    // What a refused URL is logged as: no user info, query or fragment (they may carry secrets).
    static QString loggable(const QUrl& url);

    // Records the attempt; a refused URL is logged the first time only.
    void attempted(const QUrl& url, bool refused);

private:
    QMutex m_mutex;
    NetworkRecorder* m_recorder = nullptr;
    QSet<QString> m_logged;
};
