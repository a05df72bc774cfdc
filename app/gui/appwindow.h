#pragma once
// The whole desktop app for one data folder: controllers, QML engine, language. main() adds the
// command line, the single-instance guard and signals; the end-to-end test drives it directly.
#include "appcontroller.h"
#include "codehighlighter.h"

#include <QQmlApplicationEngine>
#include <QTranslator>

class QQuickWindow;

class AppWindow : public QObject
{
    Q_OBJECT
public:
    // lang: "en", "fr", or empty for the saved preference (else the system language).
    AppWindow(const QString& dataDir, const QString& lang, QObject* parent = nullptr);
    ~AppWindow() override;

    bool load();                 // false: the QML could not be created
    // Makes `window`'s controller the App singleton of another engine (QML tests).
    static void exposeTo(QQmlEngine* engine, AppWindow* window);
    AppController& controller() { return m_controller; }
    CodeHighlighter* highlighter() { return &m_highlighter; }
    QQuickWindow* window() const;
    QQmlApplicationEngine& engine() { return m_engine; }

private:
    void applyLanguage(const QString& code);

    AppController m_controller;
    CodeHighlighter m_highlighter;
    QQmlApplicationEngine m_engine;
    QTranslator m_translator;
    QString m_language;
    bool m_languageFixed;
};
