import QtQuick
import Causerie.App

// One row of the sidebar's list: a folder's header or a conversation (ConversationListModel's
// roles), and where a dragged conversation can be dropped (into this row's folder, or out of
// any for a row outside folders), or a dragged folder (to this row's folder's place).
Item {
    id: row

    required property int index
    required property var conversationId
    required property string title
    required property bool pinned
    required property bool isFolder
    required property var folderId
    required property bool collapsed
    required property int folderCount
    required property bool selected
    property var openConversation: 0
    property bool focused: false   // the keyboard's current row while the list has focus

    signal clicked(int index, var conversationId, int modifiers)
    signal dropped(var source, var folderId)
    signal folderDropped(var movedFolderId, var folderId)
    signal titleShown(string title)   // the open conversation's title, for the window's
    signal folderSettingsRequested(var folderId)
    signal folderDeleteRequested(var folderId, string name)

    // Enter on the keyboard's row: open the conversation, or open/close the folder.
    function activate() {
        if (isFolder)
            App.conversations.setFolderCollapsed(folderId, !collapsed)
        else
            row.clicked(index, conversationId, Qt.NoModifier)
    }
    function openMenu() {
        // a Loader's item is a QObject to qmllint; here one of the two delegates.
        if (loader.item)
            loader.item.openMenu()   // qmllint disable type
    }

    // a Loader's item is a QObject to qmllint; here one of the two delegates.
    implicitHeight: loader.item ? loader.item.implicitHeight : 0   // qmllint disable type
    height: implicitHeight

    Loader {
        id: loader
        width: parent.width
        sourceComponent: row.isFolder ? folderRow : conversationRow
    }

    DropArea {
        id: drop
        anchors.fill: parent
        keys: ["causerie-conversation", "causerie-folder"]
        onDropped: (event) => {
            if (event.keys.indexOf("causerie-folder") >= 0)
                row.folderDropped(event.source.folderId, row.folderId)
            else
                row.dropped(event.source, row.folderId)
        }
    }

    Rectangle {
        anchors.fill: parent
        color: "transparent"
        radius: Theme.radiusS
        border.width: drop.containsDrag || row.focused ? Theme.focusWidth : 0
        border.color: Theme.colors.focus
    }

    // Inside the Components: Qt 6.4's qmllint cannot see `row` (it is in scope: the QML context).
    // qmllint disable unqualified
    Component {
        id: folderRow
        FolderDelegate {
            folderId: row.folderId
            name: row.title
            collapsed: row.collapsed
            count: row.folderCount
            focusPolicy: Qt.NoFocus   // the list has the keyboard (arrows, Enter, Menu)
            onSettingsRequested: (id) => row.folderSettingsRequested(id)
            onDeleteRequested: (id, name) => row.folderDeleteRequested(id, name)
        }
    }
    Component {
        id: conversationRow
        ConversationDelegate {
            conversationId: row.conversationId
            title: row.title
            pinned: row.pinned
            folderId: row.folderId
            selected: row.selected
            focusPolicy: Qt.NoFocus   // the list has the keyboard (arrows, Enter, Menu)
            // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
            current: row.conversationId === row.openConversation   // qmllint disable type
            onCurrentChanged: if (current) row.titleShown(row.title)
            onTitleChanged: if (current) row.titleShown(row.title)
            onClickedWith: (modifiers) => row.clicked(row.index, row.conversationId, modifiers)
        }
    }
    // qmllint enable unqualified
}
