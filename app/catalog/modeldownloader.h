#pragma once
// Downloads one model file into the models folder, resumably:
//   <models>/<file>.part grows as bytes arrive (SHA-256 computed as they are written);
//   pause = abort the reply, keep the .part; start() again resumes with "Range: bytes=N-"
//   after re-hashing the N bytes already there (in chunks, so the GUI keeps running);
//   the .part becomes <file> only when its size and SHA-256 match and it starts with the GGUF
//   magic. Every failure is a message saying what happened to the partial file.
// When the catalog lacks the SHA-256 or the exact size, a HEAD request first asks the server for
// them: Hugging Face answers /resolve/ URLs with the file's Git LFS object id (its SHA-256) in
// X-Linked-Etag, its size in X-Linked-Size and the commit in X-Repo-Commit. A catalog value the
// server contradicts stops the download before a byte is fetched; a value the server gives fills
// the gap (the note then says where the checksum came from); a server without them changes
// nothing. With the size known, free disk space is checked before downloading.
// GUI thread; QNetworkAccessManager does the I/O without blocking.
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

class ModelDownloader : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Checking, Downloading, Paused, Done, Failed };
    Q_ENUM(State)

    struct Request {
        QUrl url;
        QString file;      // plain file name, checked again here
        qint64 size = 0;   // exact bytes; 0 = ask the server (see above)
        QString sha256;    // lower-case hex; empty = ask the server (see above)
    };

    ModelDownloader(QNetworkAccessManager* nam, const QString& modelsDir, QObject* parent = nullptr);
    ~ModelDownloader() override;

    void start(const Request& request);   // begins, or resumes from an existing .part
    void pause();                         // keeps the .part
    void cancel();                        // removes the .part

    State state() const { return m_state; }
    qint64 received() const { return m_received; }
    qint64 total() const { return m_total; }   // 0 while unknown
    double bytesPerSecond() const { return m_speed; }
    QString errorText() const { return m_error; }
    QString note() const { return m_note; }                       // e.g. "no checksum published…"
    QString expectedSha256() const { return m_expectedSha256; }   // catalog's, else the server's
    QString serverCommit() const { return m_serverCommit; }       // X-Repo-Commit, when given
    QString partPath() const;
    QString finalPath() const;
    // A stalled connection fails after this long without a byte (default 60 s).
    void setStallTimeout(int ms) { m_stallTimeoutMs = ms; }

Q_SIGNALS:
    void progress(qint64 received, qint64 total, double bytesPerSecond);
    void stateChanged(ModelDownloader::State state);
    void finished(const QString& path);
    void failed(const QString& message);

private:
    enum class PartFile { Keep, Delete };

    enum class HashSource { None, Catalog, Server };

    void sendProbe(const QUrl& url, int redirectsLeft);
    void onProbeFinished(QNetworkReply* reply, int redirectsLeft);
    void beginTransfer();
    void rehashChunk(quint64 generation);
    void sendRequest();
    bool checkHeaders();
    void onReadyRead();
    void onFinished();
    bool writeData(const QByteArray& data);
    void verifyAndFinish();
    void fail(const QString& message, PartFile part);
    QNetworkReply* detachReply();
    void setState(State s);
    void reportProgress(bool force);

    QNetworkAccessManager* m_nam;
    QString m_modelsDir;
    Request m_request;
    State m_state = State::Idle;
    QPointer<QNetworkReply> m_reply;
    QFile m_file;
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    quint64 m_generation = 0;   // bumped by pause/cancel so queued re-hash steps stop
    qint64 m_existing = 0;      // bytes of .part found at start()
    qint64 m_rangeFrom = 0;     // first byte asked for; 0 = whole file
    qint64 m_received = 0;      // bytes in the .part (all hashed)
    qint64 m_total = 0;
    bool m_headersChecked = false;
    bool m_discardBody = false;   // a 416 that says the .part is already whole
    qint64 m_expectedSize = 0;    // catalog's size, else the server's; 0 = unknown
    QString m_expectedSha256;     // catalog's SHA-256, else the server's; empty = unknown
    HashSource m_hashSource = HashSource::None;
    QString m_serverCommit;
    int m_stallTimeoutMs = 60000;
    QElapsedTimer m_speedClock;
    qint64 m_speedBytes = 0;   // m_received when m_speedClock started
    double m_speed = 0.0;
    QElapsedTimer m_progressClock;
    QString m_error;
    QString m_note;
};
