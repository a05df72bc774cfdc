#include "remoteerrors.h"

#include <QCoreApplication>

namespace {
// Translation context "RemoteErrors" for lupdate; the messages are free functions' output.
class RemoteErrors {
    Q_DECLARE_TR_FUNCTIONS(RemoteErrors)
};

// "Server says: ..." suffix, only when the server said something.
QString withServerMessage(const QString& message, const QString& server)
{
    if (server.isEmpty())
        return message;
    return message + QLatin1Char(' ') + RemoteErrors::tr("Server says: %1").arg(server);
}
// Only said when the request was retried, so English never reads "tried 1 times".
QString triedSuffix(int attempts)
{
    return attempts > 1 ? QLatin1Char(' ') + RemoteErrors::tr("(Tried %n times.)", nullptr, attempts) : QString();
}
}   // namespace

BackendError makeError(BackendError::Kind kind, const QString& message, const QString& detail)
{
    BackendError e;
    e.kind = kind;
    e.message = message;
    e.detail = detail;
    return e;
}

bool isRetryableStatus(int status) { return status == 429 || (status >= 500 && status <= 504); }

BackendError errorForHttpStatus(const HttpFailure& f)
{
    BackendError e;
    e.httpStatus = f.status;
    e.detail = QStringLiteral("HTTP %1 %2").arg(f.status).arg(f.reasonPhrase).trimmed();
    if (!f.serverMessage.isEmpty())
        e.detail += QStringLiteral(": ") + f.serverMessage;

    switch (f.status) {
    case 400:
        e.kind = BackendError::BadRequest;
        e.message = withServerMessage(RemoteErrors::tr("The server rejected the request."), f.serverMessage);
        break;
    case 401:
        e.kind = BackendError::Unauthorized;
        e.message = RemoteErrors::tr("The API key was refused. Check the key saved for this endpoint in Settings.");
        break;
    case 402:
        e.kind = BackendError::PaymentRequired;
        e.message = RemoteErrors::tr("This account cannot be billed for the request (no credit or no active plan). "
                                     "Check billing in your provider's console.");
        break;
    case 403:
        e.kind = BackendError::Forbidden;
        e.message = withServerMessage(
            RemoteErrors::tr("This API key is not allowed to use model \"%1\" on this endpoint.").arg(f.model),
            f.serverMessage);
        break;
    case 404:
        e.kind = BackendError::NotFound;
        e.message =
            RemoteErrors::tr("Model \"%1\" or the API address was not found. Check the model name and the base URL of "
                             "the endpoint.")
                .arg(f.model);
        break;
    case 422:
        e.kind = BackendError::InvalidParameters;
        e.message =
            withServerMessage(RemoteErrors::tr("The server refused a setting of this request."), f.serverMessage);
        break;
    case 429:
        e.kind = BackendError::RateLimited;
        e.message = RemoteErrors::tr("Rate limit or quota reached. Wait a moment before sending again, or check your "
                                     "plan's limits.") +
                    triedSuffix(f.attempts);
        break;
    default:
        if (f.status >= 500 && f.status <= 599) {
            e.kind = BackendError::ServerError;
            e.message = RemoteErrors::tr("The server had a problem (HTTP %1). Try again later.").arg(f.status) +
                        triedSuffix(f.attempts);
        } else {
            e.kind = BackendError::BadRequest;
            e.message = withServerMessage(
                RemoteErrors::tr("The server answered with unexpected HTTP status %1.").arg(f.status), f.serverMessage);
        }
        break;
    }
    return e;
}

BackendError errorForNetwork(QNetworkReply::NetworkError code, const QString& qtMessage, const QString& host)
{
    switch (code) {
    case QNetworkReply::ConnectionRefusedError:
        return makeError(
            BackendError::ConnectionRefused,
            RemoteErrors::tr("Could not connect to %1: the connection was refused. Is the server running, and is "
                             "the port right?")
                .arg(host),
            qtMessage);
    case QNetworkReply::HostNotFoundError:
        return makeError(
            BackendError::HostNotFound,
            RemoteErrors::tr("Could not find the server \"%1\". Check the address and your internet connection.")
                .arg(host),
            qtMessage);
    case QNetworkReply::SslHandshakeFailedError:
    case QNetworkReply::UnknownNetworkError:   // Qt reports some certificate failures this way
        if (code == QNetworkReply::SslHandshakeFailedError ||
            qtMessage.contains(QLatin1String("SSL"), Qt::CaseInsensitive))
            return makeError(
                BackendError::Tls,
                RemoteErrors::tr("The secure connection to %1 could not be established or its certificate could not "
                                 "be verified, so nothing was sent.")
                    .arg(host),
                qtMessage);
        break;
    case QNetworkReply::RemoteHostClosedError:
        return makeError(BackendError::StreamCut,
                         RemoteErrors::tr("The server closed the connection before the answer was complete."),
                         qtMessage);
    case QNetworkReply::TimeoutError:
        return makeError(BackendError::Stalled, RemoteErrors::tr("The server at %1 stopped responding.").arg(host),
                         qtMessage);
    default: break;
    }
    return makeError(BackendError::Network, RemoteErrors::tr("Network error while talking to %1.").arg(host),
                     qtMessage);
}

QString scrubSecret(QString text, const QString& secret)
{
    if (secret.size() < kMinScrubbedKeyLength)
        return text;
    const auto isTokenChar = [](QChar c) { return c.isLetterOrNumber() || c == QLatin1Char('_'); };
    const QString replacement = QStringLiteral("<redacted>");
    qsizetype from = 0;
    qsizetype at;
    while ((at = text.indexOf(secret, from)) >= 0) {
        const qsizetype end = at + secret.size();
        const bool whole =
            (at == 0 || !isTokenChar(text.at(at - 1))) && (end == text.size() || !isTokenChar(text.at(end)));
        if (whole) {
            text.replace(at, secret.size(), replacement);
            from = at + replacement.size();
        } else {
            from = at + 1;
        }
    }
    return text;
}
