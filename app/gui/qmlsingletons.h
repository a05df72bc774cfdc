#pragma once
// The objects QML reaches by name: App, ModelCatalog, CodeHighlighter, Links. Each is made by
// the window (one per AppWindow, so the end-to-end test's restart sees its own) and QML never
// creates one: create() hands the engine its window's object (AppWindow::exposeTo), owned by C++.
// Declared here, as foreign types, because their classes live in libraries below the window.
#include "appcontroller.h"
#include "codehighlighter.h"
#include "linkopener.h"
#include "modelcatalog.h"

#include <QtQml/qqml.h>

class QJSEngine;
class QQmlEngine;

struct AppSingleton {
    Q_GADGET
    QML_FOREIGN(AppController)
    QML_NAMED_ELEMENT(App)
    QML_SINGLETON
public:
    static AppController* create(QQmlEngine* engine, QJSEngine*);
};

struct ModelCatalogSingleton {
    Q_GADGET
    QML_FOREIGN(ModelCatalog)
    QML_NAMED_ELEMENT(ModelCatalog)
    QML_SINGLETON
public:
    static ModelCatalog* create(QQmlEngine* engine, QJSEngine*);
};

struct CodeHighlighterSingleton {
    Q_GADGET
    QML_FOREIGN(CodeHighlighter)
    QML_NAMED_ELEMENT(CodeHighlighter)
    QML_SINGLETON
public:
    static CodeHighlighter* create(QQmlEngine* engine, QJSEngine*);
};

struct LinksSingleton {
    Q_GADGET
    QML_FOREIGN(LinkOpener)
    QML_NAMED_ELEMENT(Links)
    QML_SINGLETON
public:
    static LinkOpener* create(QQmlEngine* engine, QJSEngine*);
};
