#include "modeldownloader.h"

#include "catalogentry.h"
#include "modelslog.h"
#include "systemmemory.h"

#include <QDir>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QStorageInfo>

namespace {

// Bytes per event-loop turn when re-hashing a .part: QCryptographicHash did 165 MiB/s on the
// loaded 2-core build machine, so ~12 ms per turn and the window stays responsive.
constexpr qint64 kRehashChunk = 2 << 20;
constexpr int kProgressIntervalMs = 100;
constexpr int kSpeedWindowMs = 500;
constexpr int kProbeTimeoutMs = 15000;
constexpr int kMaxProbeRedirects = 5;

QString sizeText(qint64 bytes) { return memoryText(bytes); }

// An ETag holding a SHA-256 ("…", W/"…", any case) as 64 lower-case hex digits; anything else
// (a git blob id, an opaque CDN tag) as empty: only a SHA-256 can be checked against the file.
QString normalizedEtag(QByteArray etag)
{
    etag = etag.trimmed();
    if (etag.startsWith("W/"))
        etag = etag.mid(2);
    if (etag.size() >= 2 && etag.startsWith('"') && etag.endsWith('"'))
        etag = etag.mid(1, etag.size() - 2);
    const QString hex = QString::fromLatin1(etag).toLower();
    static const QRegularExpression sha(QStringLiteral("^[0-9a-f]{64}$"));
    return sha.match(hex).hasMatch() ? hex : QString();
}

}   // namespace

ModelDownloader::ModelDownloader(QNetworkAccessManager* nam, const QString& modelsDir, QObject* parent)
    : QObject(parent)
    , m_nam(nam)
    , m_modelsDir(modelsDir)
{
}

ModelDownloader::~ModelDownloader()
{
    if (QNetworkReply* r = detachReply())
        r->deleteLater();
}

QString ModelDownloader::partPath() const
{
    return QDir(m_modelsDir).filePath(m_request.file + QStringLiteral(".part"));
}

QString ModelDownloader::finalPath() const { return QDir(m_modelsDir).filePath(m_request.file); }

void ModelDownloader::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    Q_EMIT stateChanged(s);
}

void ModelDownloader::start(const Request& request)
{
    if (m_state == State::Checking || m_state == State::Downloading)
        return;
    m_request = request;
    m_error.clear();
    m_note.clear();
    m_total = request.size;
    m_received = 0;
    m_existing = 0;
    if (!isSafeModelFileName(request.file)) {
        // Checked before any path is built from it, so nothing outside the folder is touched.
        fail(tr("the file name \"%1\" is not a plain .gguf file name; nothing was downloaded").arg(request.file),
             PartFile::Keep);
        return;
    }
    const QString scheme = request.url.scheme();
    if (!request.url.isValid() || (scheme != QLatin1String("https") && scheme != QLatin1String("http"))) {
        fail(tr("the address \"%1\" is not an http(s) address; nothing was downloaded").arg(request.url.toString()),
             PartFile::Keep);
        return;
    }
    if (!QDir().mkpath(m_modelsDir)) {
        fail(tr("cannot create the model folder %1: check that its parent folder exists and is writable")
                 .arg(QDir::toNativeSeparators(m_modelsDir)),
             PartFile::Keep);
        return;
    }
    // A link or device in place of the .part would make the download write outside the folder.
    const QFileInfo part(partPath());
    if (part.isSymLink() || (part.exists() && !part.isFile())) {
        fail(tr("%1 is a link or not a regular file; remove it and try again").arg(partPath()), PartFile::Keep);
        return;
    }
    m_file.setFileName(partPath());
    // Unbuffered: a full disk fails the write() that hit it, not a later flush.
    if (!m_file.open(QIODevice::ReadWrite | QIODevice::Unbuffered)) {
        fail(tr("cannot write in the model folder %1 (%2): check its permissions or choose another folder")
                 .arg(QDir::toNativeSeparators(m_modelsDir), m_file.errorString()),
             PartFile::Keep);
        return;
    }
    m_existing = m_file.size();
    m_expectedSize = request.size;
    m_expectedSha256 = request.sha256;
    m_hashSource = request.sha256.isEmpty() ? HashSource::None : HashSource::Catalog;
    m_serverCommit.clear();
    m_hash.reset();
    setState(State::Checking);
    ++m_generation;
    if (request.size > 0 && !request.sha256.isEmpty())
        beginTransfer();   // the catalog says all there is to know
    else
        sendProbe(request.url, kMaxProbeRedirects);
}

// HEAD without following redirects: Hugging Face puts the file's metadata on the redirect to its
// CDN, not on the CDN's answer. A relative redirect without metadata (a renamed repository) is
// followed, as huggingface_hub does; any other answer ends the probe with what its headers said.
void ModelDownloader::sendProbe(const QUrl& url, int redirectsLeft)
{
    QNetworkRequest req(url);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    req.setTransferTimeout(qMin(m_stallTimeoutMs, kProbeTimeoutMs));
    req.setRawHeader("Accept-Encoding", "identity");
    m_reply = m_nam->head(req);
    QNetworkReply* reply = m_reply.data();
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, redirectsLeft] { onProbeFinished(reply, redirectsLeft); });
}

void ModelDownloader::onProbeFinished(QNetworkReply* reply, int redirectsLeft)
{
    if (reply != m_reply.data())
        return;   // paused or cancelled meanwhile: the reply is already detached
    detachReply()->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString sha = normalizedEtag(reply->rawHeader("X-Linked-Etag"));
    bool sizeOk = false;
    const qint64 size = QString::fromLatin1(reply->rawHeader("X-Linked-Size")).trimmed().toLongLong(&sizeOk);
    const QByteArray commit = reply->rawHeader("X-Repo-Commit").trimmed();
    const QUrl location = QUrl::fromEncoded(reply->rawHeader("Location"));
    const bool hasMetadata = reply->hasRawHeader("X-Linked-Etag") || reply->hasRawHeader("X-Linked-Size") ||
                             reply->hasRawHeader("X-Repo-Commit");
    if (status >= 300 && status < 400 && !hasMetadata && redirectsLeft > 0 && location.isValid() &&
        location.isRelative() && location.host().isEmpty()) {
        sendProbe(reply->url().resolved(location), redirectsLeft - 1);
        return;
    }
    if (reply->error() != QNetworkReply::NoError && status == 0)
        qCInfo(lcModels) << "no answer to the metadata request:" << reply->errorString();
    else
        qCInfo(lcModels) << "metadata: HTTP" << status << "sha256" << sha << "size" << (sizeOk ? size : 0) << "commit"
                         << commit;
    if (QRegularExpression(QStringLiteral("^[0-9a-f]{40}$")).match(QString::fromLatin1(commit)).hasMatch())
        m_serverCommit = QString::fromLatin1(commit);
    const QString pinned = m_serverCommit.isEmpty() ? QString() : tr(" (commit %1)").arg(m_serverCommit.left(12));

    if (!sha.isEmpty()) {
        if (m_hashSource == HashSource::Catalog && sha != m_expectedSha256) {
            fail(tr("the server now has a different file than the catalog describes (SHA-256 %1… instead of %2…%3): "
                    "nothing was downloaded; the catalog needs an update")
                     .arg(sha.left(12), m_expectedSha256.left(12), pinned),
                 PartFile::Keep);
            return;
        }
        if (m_hashSource == HashSource::None) {
            m_expectedSha256 = sha;
            m_hashSource = HashSource::Server;
        }
    }
    if (sizeOk && size > 0) {
        if (m_expectedSize > 0 && size != m_expectedSize) {
            fail(tr("the server's file has %1 bytes but the catalog says %2%3: nothing was downloaded; the catalog "
                    "needs an update")
                     .arg(size)
                     .arg(m_expectedSize)
                     .arg(pinned),
                 PartFile::Keep);
            return;
        }
        m_expectedSize = size;
    }
    beginTransfer();
}

// With the size known: drop a .part longer than the file, refuse to start when the disk cannot
// hold the rest, then re-hash what is already there.
void ModelDownloader::beginTransfer()
{
    m_total = m_expectedSize;
    if (m_expectedSize > 0 && m_existing > m_expectedSize) {
        qCInfo(lcModels) << "partial file longer than the model; starting again:" << partPath();
        m_file.resize(0);
        m_existing = 0;
    }
    if (m_expectedSize > 0) {
        const qint64 missing = m_expectedSize - m_existing;
        const QStorageInfo disk(m_modelsDir);
        if (disk.isValid() && disk.bytesAvailable() >= 0 && disk.bytesAvailable() < missing) {
            fail(tr("not enough free space in %1: the model needs %2 more and %3 is free. Free some space, or choose "
                    "another model folder in Settings, then try again")
                     .arg(QDir::toNativeSeparators(m_modelsDir), sizeText(missing), sizeText(disk.bytesAvailable())),
                 PartFile::Keep);
            return;
        }
    }
    const quint64 generation = m_generation;
    QMetaObject::invokeMethod(
        this, [this, generation] { rehashChunk(generation); }, Qt::QueuedConnection);
}

// The SHA-256 of the bytes already in the .part, read in chunks between events so that
// resuming a 7 GB download does not freeze the window.
void ModelDownloader::rehashChunk(quint64 generation)
{
    if (generation != m_generation || m_state != State::Checking)
        return;
    if (m_received < m_existing) {
        m_file.seek(m_received);
        const QByteArray chunk = m_file.read(qMin(kRehashChunk, m_existing - m_received));
        if (chunk.isEmpty()) {
            fail(tr("cannot read the partial file %1: %2").arg(partPath(), m_file.errorString()), PartFile::Keep);
            return;
        }
        m_hash.addData(chunk);
        m_received += chunk.size();
        reportProgress(false);
        QMetaObject::invokeMethod(
            this, [this, generation] { rehashChunk(generation); }, Qt::QueuedConnection);
        return;
    }
    if (m_expectedSize > 0 && m_received == m_expectedSize) {
        verifyAndFinish();
        return;
    }
    sendRequest();
}

void ModelDownloader::sendRequest()
{
    QNetworkRequest req(m_request.url);
    // Hugging Face answers with a redirect to its CDN; an https→http hop is refused.
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    req.setMaximumRedirectsAllowed(10);
    req.setTransferTimeout(m_stallTimeoutMs);
    req.setRawHeader("Accept-Encoding", "identity");   // byte offsets must be file offsets
    m_rangeFrom = m_received;
    if (m_rangeFrom > 0)
        req.setRawHeader("Range", "bytes=" + QByteArray::number(m_rangeFrom) + '-');
    m_file.seek(m_received);
    m_headersChecked = false;
    m_discardBody = false;
    m_speedClock.start();
    m_speedBytes = m_received;
    m_speed = 0.0;
    m_progressClock.start();
    qCInfo(lcModels) << "downloading" << m_request.url.toString() << "from byte" << m_rangeFrom;
    m_reply = m_nam->get(req);
    connect(m_reply, &QNetworkReply::readyRead, this, &ModelDownloader::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &ModelDownloader::onFinished);
    setState(State::Downloading);
}

// Decides from the status line and headers whether the body continues the .part, replaces
// it, or is an error. false: the download failed (and the reply is gone).
bool ModelDownloader::checkHeaders()
{
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString reason = m_reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    qint64 total = 0;
    if (status == 206) {
        static const QRegularExpression re(QStringLiteral("^bytes (\\d+)-(\\d+)/(\\d+|\\*)$"));
        const QString range = QString::fromLatin1(m_reply->rawHeader("Content-Range")).trimmed();
        const QRegularExpressionMatch m = re.match(range);
        if (!m.hasMatch() || m.captured(1).toLongLong() != m_rangeFrom) {
            fail(tr("the server did not resume at byte %1 (it sent \"Content-Range: %2\"): the partial file was "
                    "deleted; try again")
                     .arg(m_rangeFrom)
                     .arg(range),
                 PartFile::Delete);
            return false;
        }
        if (m.captured(3) != QLatin1String("*"))
            total = m.captured(3).toLongLong();
    } else if (status == 200) {
        if (m_rangeFrom > 0) {
            // The server ignored the Range header and sends the whole file: start over.
            qCInfo(lcModels) << "server ignored the range request; restarting from byte 0";
            m_file.resize(0);
            m_file.seek(0);
            m_hash.reset();
            m_received = 0;
            m_rangeFrom = 0;
            m_speedBytes = 0;
        }
        const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
        total = length.isValid() ? length.toLongLong() : 0;
    } else if (status == 416) {
        // "bytes */N" with N = the bytes we have: the .part was already complete (its size
        // was not in the catalog), so there is nothing more to fetch, only to verify.
        static const QRegularExpression whole(QStringLiteral("^bytes \\*/(\\d+)$"));
        const QRegularExpressionMatch m =
            whole.match(QString::fromLatin1(m_reply->rawHeader("Content-Range")).trimmed());
        if (m_rangeFrom > 0 && m.hasMatch() && m.captured(1).toLongLong() == m_rangeFrom) {
            m_total = m_rangeFrom;
            m_headersChecked = true;
            m_discardBody = true;
            return true;
        }
        fail(tr("the server refused to resume at byte %1 (HTTP 416): the partial file was deleted; try again")
                 .arg(m_rangeFrom),
             PartFile::Delete);
        return false;
    } else if (status == 404) {
        fail(tr("the file is not on the server (HTTP 404 at %1): the catalog's address may be out of date")
                 .arg(m_request.url.toString()),
             m_received > 0 ? PartFile::Keep : PartFile::Delete);
        return false;
    } else {
        fail(tr("the server answered HTTP %1 %2 for %3").arg(status).arg(reason, m_request.url.toString()),
             m_received > 0 ? PartFile::Keep : PartFile::Delete);
        return false;
    }
    if (m_expectedSize > 0 && total > 0 && total != m_expectedSize) {
        fail((m_request.size > 0 ? tr("the server's file has %1 bytes but the catalog says %2: the catalog may be out "
                                      "of date; the partial file was deleted")
                                 : tr("the server sends %1 bytes but announced %2: the partial file was deleted; try "
                                      "again"))
                 .arg(total)
                 .arg(m_expectedSize),
             PartFile::Delete);
        return false;
    }
    m_total = m_expectedSize > 0 ? m_expectedSize : total;
    m_headersChecked = true;
    return true;
}

bool ModelDownloader::writeData(const QByteArray& data)
{
    if (data.isEmpty())
        return true;
    if (m_expectedSize > 0 && m_received + data.size() > m_expectedSize) {
        fail(tr("the server sent more than the %1 bytes expected: the partial file was deleted; try again")
                 .arg(m_expectedSize),
             PartFile::Delete);
        return false;
    }
    const qint64 written = m_file.write(data);
    if (written != data.size()) {
        // The .part may now end with bytes the hash has not seen; a resume re-hashes it all.
        // A short write (the file-size or disk limit hit mid-chunk) leaves no error code.
        const QString why = m_file.error() != QFileDevice::NoError && written < 0
                                ? m_file.errorString()
                                : tr("only %1 of %2 bytes were written").arg(qMax<qint64>(written, 0)).arg(data.size());
        fail(tr("could not write to %1 (%2): is the disk full? The partial file is kept: free some space and "
                "press Resume")
                 .arg(partPath(), why),
             PartFile::Keep);
        return false;
    }
    m_hash.addData(data);
    m_received += data.size();
    reportProgress(false);
    return true;
}

void ModelDownloader::onReadyRead()
{
    if (!m_reply)
        return;
    if (m_discardBody ||
        (!m_headersChecked && m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() >= 400)) {
        // An error page: judged when the reply finishes, since aborting an HTTP error reply
        // midway makes Qt report its error twice.
        m_reply->readAll();
        return;
    }
    if (!m_headersChecked && !checkHeaders())
        return;
    writeData(m_reply->readAll());
}

void ModelDownloader::onFinished()
{
    if (!m_reply)
        return;
    const QNetworkReply::NetworkError error = m_reply->error();
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (!m_headersChecked && status != 0 && !checkHeaders())
        return;
    if (m_discardBody)
        m_reply->readAll();
    else if (m_headersChecked && !writeData(m_reply->readAll()))
        return;
    const QString errorString = m_reply->errorString();
    detachReply()->deleteLater();

    const qint64 expected = m_expectedSize > 0 ? m_expectedSize : m_total;
    if (error != QNetworkReply::NoError && !m_discardBody) {
        const QString why = error == QNetworkReply::OperationCanceledError
                                ? tr("no data arrived for %1 s").arg(m_stallTimeoutMs / 1000)
                                : errorString;
        if (m_received == 0) {
            fail(tr("the download could not start (%1): check the network connection and try again").arg(why),
                 PartFile::Delete);
            return;
        }
        fail(tr("the download stopped at %1 of %2 (%3). The partial file is kept: press Resume to continue")
                 .arg(sizeText(m_received), expected > 0 ? sizeText(expected) : tr("an unknown size"), why),
             PartFile::Keep);
        return;
    }
    if (expected > 0 && m_received < expected) {
        fail(tr("the connection closed early, at %1 of %2 bytes. The partial file is kept: press Resume to continue")
                 .arg(m_received)
                 .arg(expected),
             PartFile::Keep);
        return;
    }
    verifyAndFinish();
}

void ModelDownloader::verifyAndFinish()
{
    m_file.flush();
    if (m_expectedSize > 0 && m_file.size() != m_expectedSize) {
        fail(tr("the downloaded file has %1 bytes instead of %2: it was deleted; try again")
                 .arg(m_file.size())
                 .arg(m_expectedSize),
             PartFile::Delete);
        return;
    }
    const QString digest = QString::fromLatin1(m_hash.result().toHex());
    if (!m_expectedSha256.isEmpty() && digest != m_expectedSha256) {
        qCWarning(lcModels) << "SHA-256 mismatch for" << m_request.file << "got" << digest << "expected"
                            << m_expectedSha256
                            << (m_hashSource == HashSource::Server ? "(the server's)" : "(the catalog's)");
        fail(tr("the downloaded file is damaged (SHA-256 mismatch): it was deleted; try again"), PartFile::Delete);
        return;
    }
    m_file.seek(0);
    if (m_file.read(4) != QByteArrayLiteral("GGUF")) {
        fail(tr("the downloaded file is not a GGUF model (it does not start with \"GGUF\"; the server may have sent "
                "a web page): it was deleted"),
             PartFile::Delete);
        return;
    }
    m_file.close();
    if (m_hashSource == HashSource::Server)
        m_note = tr("checked against the SHA-256 the server publishes for this file; the catalog lists none");
    else if (m_hashSource == HashSource::None)
        m_note = tr("no checksum published, neither in the catalog nor by the server: the file cannot be verified");
    if (QFile::exists(finalPath()))
        QFile::remove(finalPath());
    if (!QFile::rename(partPath(), finalPath())) {
        fail(tr("could not rename %1 to %2; the downloaded file is kept under the first name")
                 .arg(partPath(), finalPath()),
             PartFile::Keep);
        return;
    }
    qCInfo(lcModels) << "downloaded" << finalPath() << m_received << "bytes, sha256" << digest;
    m_total = m_received;
    reportProgress(true);
    setState(State::Done);
    Q_EMIT finished(finalPath());
}

QNetworkReply* ModelDownloader::detachReply()
{
    QNetworkReply* r = m_reply.data();
    m_reply.clear();
    if (r) {
        disconnect(r, nullptr, this, nullptr);
        // An errored reply has already stopped; aborting it again only makes Qt warn.
        if (r->isRunning() && r->error() == QNetworkReply::NoError)
            r->abort();
    }
    return r;
}

void ModelDownloader::pause()
{
    if (m_state == State::Downloading && m_reply) {
        if (m_headersChecked && !writeData(m_reply->readAll()))
            return;
        detachReply()->deleteLater();
    } else if (m_state == State::Checking) {
        if (QNetworkReply* probe = detachReply())   // the metadata request, if still under way
            probe->deleteLater();
    } else {
        return;
    }
    ++m_generation;
    m_file.close();
    m_speed = 0.0;
    qCInfo(lcModels) << "paused at byte" << m_received << partPath();
    setState(State::Paused);
    reportProgress(true);
}

void ModelDownloader::cancel()
{
    ++m_generation;
    if (QNetworkReply* r = detachReply())
        r->deleteLater();
    m_file.close();
    if (!m_request.file.isEmpty() && isSafeModelFileName(m_request.file))
        QFile::remove(partPath());
    m_received = 0;
    m_speed = 0.0;
    m_error.clear();
    setState(State::Idle);
    reportProgress(true);
}

void ModelDownloader::fail(const QString& message, PartFile part)
{
    ++m_generation;
    if (QNetworkReply* r = detachReply())
        r->deleteLater();
    m_file.close();
    if (part == PartFile::Delete && isSafeModelFileName(m_request.file)) {
        QFile::remove(partPath());
        m_received = 0;
    }
    m_speed = 0.0;
    m_error = message;
    qCWarning(lcModels).noquote() << m_request.file << "download failed:" << message;
    setState(State::Failed);
    Q_EMIT failed(message);
}

void ModelDownloader::reportProgress(bool force)
{
    if (m_speedClock.isValid() && m_speedClock.elapsed() >= kSpeedWindowMs) {
        m_speed = double(m_received - m_speedBytes) * 1000.0 / double(m_speedClock.elapsed());
        m_speedBytes = m_received;
        m_speedClock.restart();
    }
    if (!force && m_progressClock.isValid() && m_progressClock.elapsed() < kProgressIntervalMs)
        return;
    m_progressClock.start();
    Q_EMIT progress(m_received, m_total, m_speed);
}
