#include "qmlsingletons.h"

#include "appwindow.h"

namespace {

template <typename T>
T* cppOwned(T* object)
{
    if (object)
        QJSEngine::setObjectOwnership(object, QJSEngine::CppOwnership);
    return object;
}

}   // namespace

AppController* AppSingleton::create(QQmlEngine* engine, QJSEngine*)
{
    AppWindow* w = AppWindow::forEngine(engine);
    return cppOwned(w ? &w->controller() : nullptr);
}

ModelCatalog* ModelCatalogSingleton::create(QQmlEngine* engine, QJSEngine*)
{
    AppWindow* w = AppWindow::forEngine(engine);
    return cppOwned(w ? w->findChild<ModelCatalog*>() : nullptr);   // made in its constructor
}

CodeHighlighter* CodeHighlighterSingleton::create(QQmlEngine* engine, QJSEngine*)
{
    AppWindow* w = AppWindow::forEngine(engine);
    return cppOwned(w ? w->highlighter() : nullptr);
}

LinkOpener* LinksSingleton::create(QQmlEngine* engine, QJSEngine*)
{
    AppWindow* w = AppWindow::forEngine(engine);
    return cppOwned(w ? w->linkOpener() : nullptr);
}
