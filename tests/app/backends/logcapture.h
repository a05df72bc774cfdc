#pragma once
// Captures every Qt log message of the process (all categories, debug level enabled for
// causerie.*) so a test can assert that no line holds a secret. Warnings and above are
// still passed on to QTest's handler so they show in the test output.
#include <QLoggingCategory>
#include <QMutex>
#include <QStringList>

class LogCapture {
public:
    static void install()
    {
        QLoggingCategory::setFilterRules(QStringLiteral("causerie.*=true\nqt.network.*=true"));
        s_previous = qInstallMessageHandler(&LogCapture::handler);
    }
    static QStringList lines()
    {
        QMutexLocker lock(&s_mutex);
        return s_lines;
    }

private:
    static void handler(QtMsgType type, const QMessageLogContext& context, const QString& message)
    {
        {
            QMutexLocker lock(&s_mutex);
            s_lines.append(QString::fromLatin1(context.category ? context.category : "") + QLatin1String(": ") +
                           message);
        }
        if (type != QtDebugMsg && type != QtInfoMsg && s_previous)
            s_previous(type, context, message);
    }
    static inline QtMessageHandler s_previous = nullptr;
    static inline QMutex s_mutex;
    static inline QStringList s_lines;
};
