#pragma once
// The app's window on a fresh data folder, its network guard reporting every request to
// `recorder`: how the tests that prove the window asks nothing of the network begin (they call
// app.load() next). Destroyed in the reverse order: recorder, window, folder.
#include "appwindow.h"
#include "networkguard.h"

#include <QTemporaryDir>

struct RecordedWindow {
    RecordedWindow() { app.networkGuard().setRecorder(&recorder); }

    QTemporaryDir dir;
    AppWindow app{dir.filePath(QStringLiteral("data")), QStringLiteral("en")};
    NetworkRecorder recorder;
};
