#pragma once
// The whole desktop app for one data folder: controllers, QML engine, language. main() adds the
// command line, the single-instance guard and signals; the end-to-end test drives it directly.
#include "appcontroller.h"
#include "codehighlighter.h"
#include "linkopener.h"
#include "networkguard.h"

#include <QQmlApplicationEngine>
#include <QTranslator>

class QQuickWindow;

class AppWindow : public QObject {
    Q_OBJECT
public:
    // lang: "en", "fr", or empty for the saved preference (else the system language).
    AppWindow(const QString& dataDir, const QString& lang, QObject* parent = nullptr);
    ~AppWindow() override;

    bool load();   // false: the QML could not be created
    // Makes `window`'s controller the App singleton of another engine (QML tests).
    static void exposeTo(QQmlEngine* engine, AppWindow* window);
    // The window whose objects `engine` shows (nullptr: none); see qmlsingletons.h.
    static AppWindow* forEngine(QQmlEngine* engine);
    AppController& controller() { return m_controller; }
    CodeHighlighter* highlighter() { return &m_highlighter; }
    QQuickWindow* window() const;
    QQmlApplicationEngine& engine() { return m_engine; }
    // What the window may fetch: nothing but qrc: (tests give it a recorder before load()).
    NetworkGuard& networkGuard() { return m_networkGuard; }
    LinkOpener* linkOpener() { return &m_links; }

private:
    void applyLanguage(const QString& code);

    AppController m_controller;
    CodeHighlighter m_highlighter;
    LinkOpener m_links;
    NetworkGuard m_networkGuard;   // outlives the engine, whose threads hold its managers
    QQmlApplicationEngine m_engine;
    QTranslator m_translator;
    QString m_language;
    bool m_languageFixed;
};
