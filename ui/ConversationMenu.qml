import QtQuick
import QtQuick.Controls
import Causerie.App

// A conversation's actions (its "more" button and right click): rename, pin, move to a folder,
// copy and export, delete.
Menu {
    id: menu

    required property var conversationId
    required property var folderId
    required property bool pinned

    signal renameRequested()
    signal exportRequested(string suffix, bool includeFiles)
    signal deleteRequested()

    MenuItem {
        text: qsTr("Rename")
        onTriggered: menu.renameRequested()
    }
    MenuItem {
        text: menu.pinned ? qsTr("Unpin") : qsTr("Pin")
        onTriggered: App.conversations.setPinned(menu.conversationId, !menu.pinned)
    }
    Menu {
        id: moveMenu
        objectName: "moveToFolderMenu"
        title: qsTr("Move to folder")
        enabled: App.conversations.folders.length > 0
        Instantiator {
            model: App.conversations.folders
            delegate: MenuItem {
                required property var modelData
                text: modelData.name
                enabled: modelData.id !== menu.folderId
                // inside the Instantiator's delegate, qmllint takes `menu` for a plain Menu.
                onTriggered: App.conversations.moveToFolder(menu.conversationId, modelData.id)   // qmllint disable type
            }
            onObjectAdded: (index, object) => moveMenu.insertItem(index, object)
            onObjectRemoved: (index, object) => moveMenu.removeItem(object)
        }
    }
    MenuItem {
        // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
        visible: menu.folderId > 0   // qmllint disable type
        height: visible ? implicitHeight : 0
        text: qsTr("Remove from folder")
        onTriggered: App.conversations.moveToFolder(menu.conversationId, 0)
    }
    MenuItem {
        text: qsTr("Copy as Markdown")
        onTriggered: App.copyText(App.conversations.exportMarkdown(menu.conversationId))
    }
    MenuItem {
        text: qsTr("Export as Markdown…")
        onTriggered: menu.exportRequested("md", false)
    }
    MenuItem {
        text: qsTr("Export for import (JSON)…")
        onTriggered: menu.exportRequested("json", false)
    }
    MenuItem {
        text: qsTr("Export for import, with attached files (JSON)…")
        onTriggered: menu.exportRequested("json", true)
    }
    MenuSeparator {}
    MenuItem {
        text: qsTr("Delete…")
        onTriggered: menu.deleteRequested()
    }
}
