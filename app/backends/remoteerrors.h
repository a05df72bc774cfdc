#pragma once
// Turning HTTP statuses and transport failures into messages a user can act on.
#include "chattypes.h"

#include <QNetworkReply>

struct HttpFailure {
    int status = 0;
    QString serverMessage; // from parseErrorBody(), may be empty
    QString reasonPhrase;  // "Service Unavailable"
    QString model;         // what was asked for, to name it in 404s
    int attempts = 1;      // tries made (429/5xx are retried)
};

BackendError errorForHttpStatus(const HttpFailure& failure);
BackendError errorForNetwork(QNetworkReply::NetworkError code, const QString& qtMessage, const QString& host);

BackendError makeError(BackendError::Kind kind, const QString& message, const QString& detail = {});

// 429 and 5xx may succeed on a later try; everything else will not.
bool isRetryableStatus(int status);
