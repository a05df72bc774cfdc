import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Causerie.App

// One conversation in the sidebar: open on click, rename in place, pin, delete (confirmed).
ItemDelegate {
    id: root

    required property var conversationId
    required property string title
    required property bool pinned
    property bool current: false
    property bool renaming: false

    highlighted: current
    Accessible.name: title.length > 0 ? title : qsTr("Untitled conversation")
    onClicked: App.openConversation(conversationId)

    // renameField is only focused from the menu, after the item exists.
    contentItem: RowLayout {   // qmllint disable deferred-property-id
        Label {
            visible: !root.renaming
            Layout.fillWidth: true
            objectName: "conversationTitle"
            text: (root.pinned ? "📌 " : "") + (root.title.length > 0 ? root.title : qsTr("Untitled conversation"))
            textFormat: Text.PlainText
            elide: Text.ElideRight
        }
        TextField {
            id: renameField
            visible: root.renaming
            Layout.fillWidth: true
            text: root.title
            Accessible.name: qsTr("New title")
            onAccepted: { App.conversations.rename(root.conversationId, text); root.renaming = false }
            Keys.onEscapePressed: root.renaming = false
            onActiveFocusChanged: if (!activeFocus) root.renaming = false
        }
        ToolButton {
            objectName: "conversationActions"
            text: "⋯"
            Accessible.name: qsTr("Conversation actions")
            onClicked: root.openMenu()
        }
    }

    TapHandler {
        acceptedButtons: Qt.RightButton
        onTapped: root.openMenu()
    }

    // The menu and the confirmation are created the first time they are needed: a sidebar
    // with hundreds of conversations would otherwise build hundreds of popups up front, and
    // every new conversation would wait for them on the GUI thread.
    function openMenu() {
        menuLoader.active = true
        // a Loader's item is a QObject to qmllint; here the Menu below.
        menuLoader.item.popup()   // qmllint disable type
    }

    Loader {
        id: menuLoader
        active: false
        sourceComponent: actionsMenu
    }
    // Markdown: the branch shown, to read or share; JSON: every branch and detail, to import
    // again (here or on another computer).
    function exportTo(suffix, includeFiles) {
        exportLoader.active = true
        const dialog = exportLoader.item
        dialog.suffix = suffix
        dialog.includeFiles = includeFiles === true
        dialog.nameFilters = suffix === "json" ? [qsTr("Causerie conversation (*.json)")]
                                               : [qsTr("Markdown (*.md)")]
        dialog.currentFile = dialog.currentFolder + "/" + App.conversations.exportFileName(root.conversationId, suffix)
        dialog.open()
    }

    Loader {
        id: exportLoader
        objectName: "exportDialogLoader"
        active: false
        sourceComponent: Component {
            FileDialog {
                property string suffix: "md"
                property bool includeFiles: false
                title: qsTr("Export the conversation")
                fileMode: FileDialog.SaveFile
                onAccepted: {
                    let file = selectedFile.toString()
                    if (!file.toLowerCase().endsWith("." + suffix))
                        file += "." + suffix
                    App.conversations.exportTo(root.conversationId, file, includeFiles)
                }
            }
        }
    }

    Loader {
        id: confirmLoader
        active: false
        sourceComponent: confirmDialog
    }

    // The menu and the dialog below are Components: Qt 6.4's qmllint cannot see that `root` and the
    // loaders' ids are in scope inside them (they are: the QML context; Qt 6.5's
    // "pragma ComponentBehavior: Bound" makes it checkable).
    // qmllint disable unqualified
    Component {
        id: actionsMenu
        Menu {
            MenuItem {
                text: qsTr("Rename")
                onTriggered: { root.renaming = true; renameField.forceActiveFocus(); renameField.selectAll() }
            }
            MenuItem {
                text: root.pinned ? qsTr("Unpin") : qsTr("Pin")
                onTriggered: App.conversations.setPinned(root.conversationId, !root.pinned)
            }
            MenuItem {
                text: qsTr("Copy as Markdown")
                onTriggered: App.copyText(App.conversations.exportMarkdown(root.conversationId))
            }
            MenuItem {
                text: qsTr("Export as Markdown…")
                onTriggered: root.exportTo("md")
            }
            MenuItem {
                text: qsTr("Export for import (JSON)…")
                onTriggered: root.exportTo("json")
            }
            MenuItem {
                text: qsTr("Export for import, with attached files (JSON)…")
                onTriggered: root.exportTo("json", true)
            }
            MenuSeparator {}
            MenuItem {
                text: qsTr("Delete…")
                onTriggered: { confirmLoader.active = true; confirmLoader.item.open() }
            }
        }
    }

    Component {
        id: confirmDialog
        Dialog {
            parent: Overlay.overlay
            anchors.centerIn: parent
            modal: true
            title: qsTr("Delete this conversation?")
            standardButtons: Dialog.Cancel | Dialog.Ok
            Label {
                text: qsTr("“%1” will be deleted. You can undo this for a few seconds.").arg(root.title)
                textFormat: Text.PlainText
                wrapMode: Text.Wrap
                width: 360
            }
            onAccepted: App.conversations.remove(root.conversationId)
        }
    }
    // qmllint enable unqualified
}
