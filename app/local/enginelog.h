#pragma once
// The engine thread's logging category ("causerie.engine"), shared by the worker and its caches.
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcEngine)
