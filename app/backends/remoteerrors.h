#pragma once
// Turning HTTP statuses and transport failures into messages a user can act on.
#include "chattypes.h"

#include <QNetworkReply>

struct HttpFailure {
    int status = 0;
    QString serverMessage;   // from parseErrorBody(), may be empty
    QString reasonPhrase;    // "Service Unavailable"
    QString model;           // what was asked for, to name it in 404s
    int attempts = 1;        // tries made (429/5xx are retried)
};

BackendError errorForHttpStatus(const HttpFailure& failure);
BackendError errorForNetwork(QNetworkReply::NetworkError code, const QString& qtMessage, const QString& host);

BackendError makeError(BackendError::Kind kind, const QString& message, const QString& detail = {});

// 429 and 5xx may succeed on a later try; everything else will not.
bool isRetryableStatus(int status);

// Keys shorter than this are not secrets worth hiding: local servers accept any dummy ("x"),
// and scrubbing one would mangle every word containing it ("e<redacted>ceeds").
constexpr qsizetype kMinScrubbedKeyLength = 8;

// `text` with every whole occurrence of `secret` replaced by "<redacted>": an occurrence
// is whole when no letter, digit or '_' touches it on either side (so "key: SECRET." is
// scrubbed, a longer token merely containing it is not). Secrets shorter than
// kMinScrubbedKeyLength are left alone.
QString scrubSecret(QString text, const QString& secret);
