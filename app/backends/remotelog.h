#pragma once
#include <QLoggingCategory>

// The one category of the remote subsystem ("causerie.remote"). Never log an API key,
// a request body (it holds the conversation) or an Authorization header.
Q_DECLARE_LOGGING_CATEGORY(lcRemote)
