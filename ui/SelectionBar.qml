import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Causerie.App

// Shown while conversations are selected (Ctrl/Shift-click, Shift+arrows, Ctrl+A): move them to
// a folder, pin or unpin, export, delete (undoable), or drop the selection.
Pane {
    id: root

    signal deleteRequested()

    padding: Theme.spaceS
    visible: App.conversations.selectionCount > 0
    background: Rectangle { color: Theme.colors.selected; radius: Theme.radiusM }
    Accessible.role: Accessible.ToolBar
    Accessible.name: qsTr("Selected conversations")

    RowLayout {
        anchors.fill: parent
        spacing: Theme.spaceXs
        Label {
            objectName: "selectionCount"
            Layout.fillWidth: true
            text: qsTr("Selected: %1").arg(App.conversations.selectionCount)
            elide: Text.ElideRight
            color: Theme.colors.text
        }
        IconButton {
            objectName: "selectionMove"
            iconName: "folder"
            text: qsTr("Move to folder")
            enabled: App.conversations.folders.length > 0
            onClicked: moveMenu.popup()
            Menu {
                id: moveMenu
                Instantiator {
                    model: App.conversations.folders
                    delegate: MenuItem {
                        required property var modelData
                        text: modelData.name
                        onTriggered: App.conversations.moveSelectionToFolder(modelData.id)
                    }
                    onObjectAdded: (index, object) => moveMenu.insertItem(index, object)
                    onObjectRemoved: (index, object) => moveMenu.removeItem(object)
                }
                MenuSeparator {}
                MenuItem {
                    text: qsTr("No folder")
                    onTriggered: App.conversations.moveSelectionToFolder(0)
                }
            }
        }
        IconButton {
            objectName: "selectionPin"
            iconName: "pin"
            text: qsTr("Pin")
            onClicked: App.conversations.setSelectionPinned(true)
        }
        IconButton {
            objectName: "selectionUnpin"
            iconName: "unpin"
            text: qsTr("Unpin")
            onClicked: App.conversations.setSelectionPinned(false)
        }
        IconButton {
            objectName: "selectionExport"
            iconName: "export"
            text: qsTr("Export for import (JSON)…")
            onClicked: { exportLoader.active = true; exportLoader.item.open() }   // qmllint disable type
        }
        IconButton {
            objectName: "selectionDelete"
            iconName: "delete"
            text: qsTr("Delete…")
            onClicked: root.deleteRequested()
        }
        IconButton {
            objectName: "selectionClear"
            iconName: "close"
            text: qsTr("Clear the selection")
            shortcutHint: "Esc"
            onClicked: App.conversations.clearSelection()
        }
    }

    Loader {
        id: exportLoader
        active: false
        sourceComponent: FolderDialog {
            title: qsTr("Export the selected conversations to a folder")
            onAccepted: App.conversations.exportSelectionTo(selectedFolder)
        }
    }
}
