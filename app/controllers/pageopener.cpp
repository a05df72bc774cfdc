#include "pageopener.h"

#include <QDesktopServices>
#include <QPointer>
#include <QProcess>
#include <QStandardPaths>
#include <QTimer>

std::optional<ViewerCommand> viewerAtPage(const QString& desktopId, const QString& file, int page)
{
    if (page < 1 || file.isEmpty())
        return std::nullopt;
    const QString id = desktopId.toLower();
    const QString n = QString::number(page);
    auto has = [&](const char* name) { return id.contains(QLatin1String(name)); };
    // Each viewer's own page option, from its manual page.
    for (const char* name : {"evince", "atril", "xreader"}) {
        if (has(name))
            return ViewerCommand{QString::fromLatin1(name), {QStringLiteral("--page-index=") + n, file}};
    }
    if (has("okular"))
        return ViewerCommand{QStringLiteral("okular"), {QStringLiteral("-p"), n, file}};
    if (has("zathura"))
        return ViewerCommand{QStringLiteral("zathura"), {QStringLiteral("-P"), n, file}};
    if (has("qpdfview"))
        return ViewerCommand{QStringLiteral("qpdfview"), {file + QLatin1Char('#') + n}};
    if (has("mupdf"))
        return ViewerCommand{QStringLiteral("mupdf"), {file, n}};
    return std::nullopt;
}

PageOpener::PageOpener(QObject* parent)
    : QObject(parent)
{
    m_query = [](QObject* context, std::function<void(const QString&)> done) {
        auto* process = new QProcess(context);
        auto finish = std::make_shared<std::function<void(const QString&)>>(std::move(done));
        auto once = [process, finish](const QString& id) {
            if (*finish) {
                auto f = std::exchange(*finish, {});
                f(id);
            }
            process->deleteLater();
        };
        QObject::connect(process, &QProcess::finished, context, [process, once](int code, QProcess::ExitStatus st) {
            once(code == 0 && st == QProcess::NormalExit
                     ? QString::fromLocal8Bit(process->readAllStandardOutput()).trimmed()
                     : QString());
        });
        QObject::connect(process, &QProcess::errorOccurred, context, [once](QProcess::ProcessError e) {
            if (e == QProcess::FailedToStart)
                once(QString());
        });
        // A hung query is given up: the file opens at its start.
        QTimer::singleShot(3000, process, [process, once] {
            process->kill();
            once(QString());
        });
        process->start(QStringLiteral("xdg-mime"),
                       {QStringLiteral("query"), QStringLiteral("default"), QStringLiteral("application/pdf")});
    };
    m_launcher = [](const ViewerCommand& c) {
        const QString program = QStandardPaths::findExecutable(c.program);
        return !program.isEmpty() && QProcess::startDetached(program, c.arguments);
    };
    m_opener = [](const QUrl& url) { return QDesktopServices::openUrl(url); };
}

bool PageOpener::open(const QString& file, int page)
{
    const QUrl url = QUrl::fromLocalFile(file);
    if (page < 1 || !file.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive))
        return m_opener(url);
    QPointer<PageOpener> self(this);
    m_query(this, [self, file, page, url](const QString& desktopId) {
        if (!self)
            return;
        const auto command = viewerAtPage(desktopId, file, page);
        if (!command || !self->m_launcher(*command))
            self->m_opener(url);
    });
    return true;
}
