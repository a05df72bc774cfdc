#pragma once
// Opening a source's file at its page. For a PDF, the desktop's viewer is asked for
// (`xdg-mime query default application/pdf`, an asynchronous process: the GUI thread never
// waits) and, when it is one whose command line takes a page (Evince, Atril, Xreader, Okular,
// Zathura, qpdfview, MuPDF) and it is installed, started at that page. Any other file or viewer
// goes to the desktop's usual opener (QDesktopServices), at its start.
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <optional>

struct ViewerCommand {
    QString program;
    QStringList arguments;
};

// The command that opens `file` at `page` (from 1) with the viewer of the desktop entry
// `desktopId` (as xdg-mime names it, e.g. "org.gnome.Evince.desktop"), when that viewer takes a
// page on its command line; none otherwise.
std::optional<ViewerCommand> viewerAtPage(const QString& desktopId, const QString& file, int page);

class PageOpener : public QObject {
    Q_OBJECT
public:
    // Asks for the desktop entry of the PDF viewer and calls `done` with it ("" when unknown).
    using Query = std::function<void(QObject* context, std::function<void(const QString&)> done)>;
    // Starts a viewer detached; false when it could not (not installed, …).
    using Launcher = std::function<bool(const ViewerCommand&)>;
    using Opener = std::function<bool(const QUrl&)>;

    explicit PageOpener(QObject* parent = nullptr);

    // Tests replace the desktop.
    void setQuery(Query query) { m_query = std::move(query); }
    void setLauncher(Launcher launcher) { m_launcher = std::move(launcher); }
    void setOpener(Opener opener) { m_opener = std::move(opener); }

    // `file`: an existing local file, checked by the caller. `page` 0: no page. False when
    // nothing could be started (for a PDF at a page, known once the viewer is known: true).
    bool open(const QString& file, int page);

private:
    Query m_query;
    Launcher m_launcher;
    Opener m_opener;
};
