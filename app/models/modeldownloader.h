#pragma once
// Downloads one model file into the models folder, resumably:
//   <models>/<file>.part grows as bytes arrive (SHA-256 computed as they are written);
//   pause = abort the reply, keep the .part; start() again resumes with "Range: bytes=N-"
//   after re-hashing the N bytes already there (in chunks, so the GUI keeps running);
//   the .part becomes <file> only when its size and SHA-256 match the catalog and it starts
//   with the GGUF magic. Every failure is a message saying what happened to the partial file.
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

class ModelDownloader : public QObject
{
    Q_OBJECT
public:
    enum class State { Idle, Checking, Downloading, Paused, Done, Failed };
    Q_ENUM(State)

    struct Request {
        QUrl url;
        QString file;      // plain file name, checked again here
        qint64 size = 0;   // exact bytes, 0 = unknown
        QString sha256;    // lower-case hex, empty = cannot be verified
    };

    ModelDownloader(QNetworkAccessManager* nam, const QString& modelsDir, QObject* parent = nullptr);
    ~ModelDownloader() override;

    void start(const Request& request);   // begins, or resumes from an existing .part
    void pause();                         // keeps the .part
    void cancel();                        // removes the .part

    State state() const { return m_state; }
    qint64 received() const { return m_received; }
    qint64 total() const { return m_total; }           // 0 while unknown
    double bytesPerSecond() const { return m_speed; }
    QString errorText() const { return m_error; }
    QString note() const { return m_note; }            // e.g. "no checksum published…"
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
    bool m_discardBody = false;  // a 416 that says the .part is already whole
    int m_stallTimeoutMs = 60000;
    QElapsedTimer m_speedClock;
    qint64 m_speedBytes = 0;    // m_received when m_speedClock started
    double m_speed = 0.0;
    QElapsedTimer m_progressClock;
    QString m_error;
    QString m_note;
};
