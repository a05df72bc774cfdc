#pragma once
#include <QLoggingCategory>
#include <QString>
#include <QUrl>

// The one category of the remote subsystem ("causerie.remote"). Never log an API key,
// a request body (it holds the conversation) or an Authorization header; log URLs only
// through redactedUrl().
Q_DECLARE_LOGGING_CATEGORY(lcRemote)

// A URL fit for a log line or a message: without user info, query or fragment, which may
// hold credentials ("https://user:pw@host/v1?key=..." → "https://host/v1").
QString redactedUrl(const QUrl& url);
// The same for text a user typed, whether it parses as a URL or not.
QString redactedUrlText(const QString& text);
// `text` (a Qt error string, "Error transferring http://...?sig=... - server replied: ...")
// with every http(s) URL in it redacted.
QString withRedactedUrls(QString text);
