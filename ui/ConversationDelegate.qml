import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Causerie.App

// One conversation in the sidebar: open on click (Ctrl-click / Shift-click: the multi-selection),
// drag into a folder, rename in place, pin, move, export, delete (confirmed).
ItemDelegate {
    id: root

    required property var conversationId
    required property string title
    required property bool pinned
    required property var folderId
    required property bool selected
    property bool current: false
    property bool renaming: false
    // The row being dragged: a ghost of the title follows the pointer (Drag.source is this item).
    readonly property bool dragging: mouse.drag.active

    highlighted: current || selected
    leftPadding: folderId > 0 ? Theme.spaceXl + Theme.spaceM : Theme.spaceM   // qmllint disable type
    font.pixelSize: Theme.fontSmall
    Accessible.name: (title.length > 0 ? title : qsTr("Untitled conversation"))
                     + (pinned ? ", " + qsTr("pinned") : "") + (selected ? ", " + qsTr("selected") : "")
    Accessible.role: Accessible.ListItem

    // A click with its keyboard modifiers: the sidebar opens, or changes the multi-selection.
    signal clickedWith(int modifiers)
    onClicked: root.clickedWith(Qt.NoModifier)   // the keyboard; the mouse goes to the MouseArea

    // Over the row but for the actions button (a negative z would put it behind the delegate,
    // which would take the click): the mouse with its modifiers, and the context menu.
    MouseArea {
        anchors.fill: parent
        anchors.rightMargin: Theme.iconButtonSize
        id: mouse
        z: 1
        enabled: !root.renaming
        acceptedButtons: Qt.LeftButton | Qt.RightButton
        drag.target: ghost
        drag.threshold: Theme.spaceM
        onClicked: (event) => {
            if (event.button === Qt.RightButton)
                root.openMenu()
            else
                root.clickedWith(event.modifiers)
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
        text: root.selected && App.conversations.selectionCount > 1
              ? qsTr("%1 conversations").arg(App.conversations.selectionCount) : root.title
        textFormat: Text.PlainText
        padding: Theme.spaceS
        background: Rectangle { color: Theme.colors.selected; radius: Theme.radiusS }
        Drag.active: root.dragging
        Drag.keys: ["causerie-conversation"]
        Drag.source: root
        Drag.hotSpot.x: Theme.spaceM
        Drag.hotSpot.y: Theme.spaceM
    }

    // renameField is only focused from the menu, after the item exists.
    contentItem: RowLayout {   // qmllint disable deferred-property-id
        spacing: Theme.spaceS
        ThemeIcon {   // in the theme's text colour (a plain Image stays black on the dark theme)
            visible: root.pinned && !root.renaming
            iconName: "pin"
            Accessible.ignored: true
        }
        Label {
            visible: !root.renaming
            Layout.fillWidth: true
            objectName: "conversationTitle"
            text: root.title.length > 0 ? root.title : qsTr("Untitled conversation")
            textFormat: Text.PlainText
            elide: Text.ElideRight
            color: Theme.colors.text
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
        IconButton {
            objectName: "conversationActions"
            iconName: "more"
            text: qsTr("Conversation actions")
            implicitWidth: Theme.iconButtonSize - Theme.spaceM
            implicitHeight: Theme.iconButtonSize - Theme.spaceM
            visible: root.hovered || root.current || root.selected
            focusPolicy: Qt.NoFocus   // the list has the keyboard (Menu key)
            onClicked: root.openMenu()
        }
    }

    // The menu and the confirmation are created the first time they are needed: a sidebar
    // with hundreds of conversations would otherwise build hundreds of popups up front, and
    // every new conversation would wait for them on the GUI thread.
    function openMenu() {
        menuLoader.active = true
        // a Loader's item is a QObject to qmllint; here the Menu below.
        menuLoader.item.popup()   // qmllint disable type
    }

    function startRename() {
        root.renaming = true
        renameField.forceActiveFocus()
        renameField.selectAll()
    }

    // Inside the Loader's Component: Qt 6.4's qmllint cannot see `root` (it is in scope).
    // qmllint disable unqualified
    Loader {
        id: menuLoader
        active: false
        sourceComponent: ConversationMenu {
            conversationId: root.conversationId
            folderId: root.folderId
            pinned: root.pinned
            onRenameRequested: root.startRename()
            onExportRequested: (suffix, includeFiles) => root.exportTo(suffix, includeFiles)
            // a Loader's item is a QObject to qmllint; here the Dialog below.
            onDeleteRequested: { confirmLoader.active = true; confirmLoader.item.open() }   // qmllint disable type
        }
    }
    // qmllint enable unqualified
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
                    // inside the Loader's Component: Qt 6.4's qmllint cannot see the id.
                    App.conversations.exportTo(root.conversationId, file, includeFiles)   // qmllint disable unqualified
                }
            }
        }
    }

    Loader {
        id: confirmLoader
        active: false
        sourceComponent: confirmDialog
    }

    // The dialog below is a Component: Qt 6.4's qmllint cannot see that `root` is in scope
    // inside it (it is: the QML context; Qt 6.5's "pragma ComponentBehavior: Bound" makes it
    // checkable).
    // qmllint disable unqualified
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
                width: Theme.tooltipWidth * 0.7
            }
            onAccepted: App.conversations.remove(root.conversationId)
        }
    }
    // qmllint enable unqualified
}
