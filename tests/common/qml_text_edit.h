#pragma once
// A QML TextEdit for the tests of C++ that writes into a TextEdit's document
// (CodeHighlighter::showRow, ProseDocument): made by its own QML engine, deleted before it.
#include <QByteArray>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickTextDocument>
#include <QString>
#include <QUrl>

#include <memory>

namespace causerie::testing {

class QmlTextEdit {
public:
    // `properties`: the TextEdit's own, e.g. "textFormat: TextEdit.PlainText".
    explicit QmlTextEdit(const QByteArray& properties)
    {
        QQmlComponent component(&m_engine);
        component.setData("import QtQuick\nTextEdit { " + properties + " }", QUrl());
        m_edit.reset(component.create());
        m_error = component.errorString();
        if (m_edit)
            m_textDocument = m_edit->property("textDocument").value<QQuickTextDocument*>();
    }

    // Null when the TextEdit could not be made (error() says why).
    QQuickTextDocument* textDocument() const { return m_textDocument; }
    QString error() const { return m_error; }

private:
    QQmlEngine m_engine;
    std::unique_ptr<QObject> m_edit;
    QQuickTextDocument* m_textDocument = nullptr;
    QString m_error;
};

}   // namespace causerie::testing
