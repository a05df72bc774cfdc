#include "remoteembedder.h"

#include "endpointpolicy.h"
#include "remoteerrors.h"
#include "remotelog.h"
#include "remoteprotocol.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

#include <cmath>

namespace {

QString tr(const char* text) { return QCoreApplication::translate("RemoteEmbeddings", text); }

}   // namespace

RemoteEmbeddings::RemoteEmbeddings(RemoteEndpoint endpoint, QString model, ApiKey key, int timeoutMs)
    : m_endpoint(std::move(endpoint))
    , m_model(std::move(model))
    , m_key(std::move(key))
    , m_timeoutMs(timeoutMs)
{
}

QString RemoteEmbeddings::modelId() const
{
    const QUrl u(m_endpoint.baseUrl);
    return QStringLiteral("remote:%1://%2:%3/%4")
        .arg(u.scheme(), u.host())
        .arg(u.port(u.scheme() == QLatin1String("http") ? 80 : 443))
        .arg(m_model);
}

RemoteEmbeddings::Result parseEmbeddingsResponse(const QByteArray& body, qsizetype count)
{
    RemoteEmbeddings::Result r;
    const QString bad = tr("The endpoint's answer to /v1/embeddings is not a list of vectors.");
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject() ||
        !doc.object().value(QLatin1String("data")).isArray()) {
        r.error = bad;
        return r;
    }
    const QJsonArray data = doc.object().value(QLatin1String("data")).toArray();
    if (data.size() != count) {
        r.error = tr("The endpoint gave %1 vectors for %2 texts.").arg(data.size()).arg(count);
        return r;
    }
    r.vectors.resize(count);
    for (qsizetype i = 0; i < data.size(); ++i) {
        const QJsonObject o = data[i].toObject();
        // Without an index, the answer's own order.
        const qsizetype index = o.contains(QLatin1String("index")) ? o.value(QLatin1String("index")).toInteger(-1) : i;
        const QJsonArray values = o.value(QLatin1String("embedding")).toArray();
        if (index < 0 || index >= count || !r.vectors[index].isEmpty() || values.isEmpty()) {
            r.vectors.clear();
            r.error = bad;
            return r;
        }
        QVector<float> v;
        v.reserve(values.size());
        double norm = 0;
        for (const QJsonValue& x : values) {
            if (!x.isDouble() || !std::isfinite(x.toDouble())) {
                r.vectors.clear();
                r.error = bad;
                return r;
            }
            v.append(float(x.toDouble()));
            norm += x.toDouble() * x.toDouble();
        }
        // Most services send unit vectors already; the index's cosine needs them.
        if (norm > 0)
            for (float& f : v)
                f = float(f / std::sqrt(norm));
        r.vectors[index] = std::move(v);
    }
    return r;
}

RemoteEmbeddings::Result RemoteEmbeddings::embed(const QStringList& texts)
{
    Result r;
    const QUrl url = remoteApiUrl(m_endpoint.baseUrl, QStringLiteral("embeddings"));
    if (const QString problem = baseUrlProblem(m_endpoint.baseUrl); !problem.isEmpty() || !url.isValid()) {
        r.error =
            problem.isEmpty() ? tr("The endpoint address \"%1\" is not usable.").arg(m_endpoint.baseUrl) : problem;
        return r;
    }
    if (const QString insecure =
            insecureKeyProblem(url, !m_key.isEmpty(), m_endpoint.allowInsecureHttp, m_endpoint.name);
        !insecure.isEmpty()) {
        r.error = insecure;
        return r;
    }
    if (m_model.isEmpty()) {
        r.error = tr("No embedding model is named for the endpoint %1.").arg(m_endpoint.name);
        return r;
    }
    QJsonObject body;
    body.insert(QLatin1String("model"), m_model);
    body.insert(QLatin1String("input"), QJsonArray::fromStringList(texts));

    QNetworkAccessManager nam;
    QNetworkRequest req(url);
    req.setHeader(QNetworkRequest::UserAgentHeader,
                  QStringLiteral("Causerie/%1").arg(QCoreApplication::applicationVersion()));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    req.setRawHeader("Accept", "application/json");
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    // A redirect to another host must not carry the key there.
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::SameOriginRedirectPolicy);
    req.setTransferTimeout(m_timeoutMs);
    if (!m_key.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + m_key.reveal().toUtf8());
    qCInfo(lcRemote).noquote() << "POST" << redactedUrl(url) << texts.size() << "texts to embed";
    QNetworkReply* reply = nam.post(req, QJsonDocument(body).toJson(QJsonDocument::Compact));
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QByteArray answer = reply->readAll();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString scrubbed = scrubSecret(reply->errorString(), m_key.reveal());
    const QNetworkReply::NetworkError netError = reply->error();
    const bool redirected = status >= 300 && status < 400 && reply->hasRawHeader("Location");
    const QString reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    delete reply;
    if (redirected) {
        r.error = tr("The server at %1 redirected the request to another server. Causerie does not follow it, so "
                     "the API key was not sent there.")
                      .arg(url.host());
        return r;
    }
    if (status != 0 && (status < 200 || status >= 300)) {
        HttpFailure f;
        f.status = status;
        f.serverMessage = scrubSecret(parseErrorBody(answer), m_key.reveal());
        f.reasonPhrase = reason;
        f.model = m_model;
        r.error = errorForHttpStatus(f).message;
        return r;
    }
    if (netError != QNetworkReply::NoError) {
        r.error = errorForNetwork(netError, scrubbed, url.host()).message;
        return r;
    }
    return parseEmbeddingsResponse(answer, texts.size());
}
