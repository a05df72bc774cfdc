import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// A folder's header in the sidebar: click (or Space) opens or closes it (remembered); its menu
// starts a chat in it, renames it, edits its defaults, moves it up or down, deletes it (its
// conversations go back to the list). Conversations dropped on it move into it; the header
// itself can be dragged onto another folder's rows to take its place.
ItemDelegate {
    id: root

    required property var folderId
    required property string name
    required property bool collapsed
    required property int count

    signal settingsRequested(var folderId)
    signal deleteRequested(var folderId, string name)
    // The header being dragged: a ghost of the name follows the pointer (Drag.source is this item).
    readonly property bool dragging: mouse.drag.active

    font.pixelSize: Theme.fontSmall
    font.bold: true
    Accessible.name: (count === 1 ? qsTr("Folder %1, 1 conversation").arg(name)
                                  : qsTr("Folder %1, %2 conversations").arg(name).arg(count))
                     + ", " + (collapsed ? qsTr("collapsed") : qsTr("expanded"))
    Accessible.role: Accessible.ListItem
    onClicked: App.conversations.setFolderCollapsed(folderId, !collapsed)

    function openMenu() {
        menuLoader.active = true
        // a Loader's item is a QObject to qmllint; here the Menu below.
        menuLoader.item.popup()   // qmllint disable type
    }

    contentItem: RowLayout {
        spacing: Theme.spaceS
        ThemeIcon {   // in the theme's text colour (a plain Image stays black on the dark theme)
            iconName: "expand"
            rotation: root.collapsed ? -90 : 0
            Accessible.ignored: true
            Behavior on rotation { NumberAnimation { duration: Theme.fast } }
        }
        ThemeIcon {
            iconName: "folder"
            Accessible.ignored: true
        }
        Label {
            objectName: "folderName"
            Layout.fillWidth: true
            text: root.name
            textFormat: Text.PlainText
            elide: Text.ElideRight
            color: Theme.colors.text
        }
        Label {
            text: root.count
            color: Theme.colors.textMuted
            font.pixelSize: Theme.fontCaption
            Accessible.ignored: true
        }
        IconButton {
            objectName: "folderActions"
            iconName: "more"
            text: qsTr("Folder actions")
            implicitWidth: Theme.iconButtonSize - Theme.spaceM
            implicitHeight: Theme.iconButtonSize - Theme.spaceM
            focusPolicy: Qt.NoFocus   // the list has the keyboard (Menu key)
            onClicked: root.openMenu()
        }
    }

    // Over the row but for the actions button: open/close, the context menu, and the drag.
    MouseArea {
        id: mouse
        anchors.fill: parent
        anchors.rightMargin: Theme.iconButtonSize
        z: 1
        acceptedButtons: Qt.LeftButton | Qt.RightButton
        drag.target: ghost
        drag.threshold: Theme.spaceM
        onClicked: (event) => {
            if (event.button === Qt.RightButton)
                root.openMenu()
            else
                App.conversations.setFolderCollapsed(root.folderId, !root.collapsed)
        }
        onReleased: {
            if (!drag.active)
                return
            ghost.Drag.drop()
            ghost.x = 0
            ghost.y = 0
        }
    }

    Label {
        id: ghost
        visible: root.dragging
        text: root.name
        textFormat: Text.PlainText
        padding: Theme.spaceS
        background: Rectangle { color: Theme.colors.selected; radius: Theme.radiusS }
        Drag.active: root.dragging
        Drag.keys: ["causerie-folder"]
        Drag.source: root
        Drag.hotSpot.x: Theme.spaceM
        Drag.hotSpot.y: Theme.spaceM
    }

    Loader {
        id: menuLoader
        active: false
        // inside the Loader's Component: Qt 6.4's qmllint cannot see the id.
        // qmllint disable unqualified
        sourceComponent: Menu {
            MenuItem {
                text: qsTr("New chat in this folder")
                onTriggered: App.conversations.newChatInFolder(root.folderId)
            }
            MenuItem {
                text: qsTr("Rename…")
                onTriggered: root.settingsRequested(root.folderId)
            }
            MenuItem {
                text: qsTr("Folder settings…")
                onTriggered: root.settingsRequested(root.folderId)
            }
            MenuItem {
                objectName: "folderMoveUp"
                text: qsTr("Move up")
                enabled: App.conversations.folderIndex(root.folderId) > 0
                onTriggered: App.conversations.moveFolder(root.folderId, -1)
            }
            MenuItem {
                objectName: "folderMoveDown"
                text: qsTr("Move down")
                enabled: App.conversations.folderIndex(root.folderId) < App.conversations.folders.length - 1
                onTriggered: App.conversations.moveFolder(root.folderId, 1)
            }
            MenuSeparator {}
            MenuItem {
                text: qsTr("Delete folder…")
                onTriggered: root.deleteRequested(root.folderId, root.name)
            }
        }
        // qmllint enable unqualified
    }
}
