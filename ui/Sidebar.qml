import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Causerie.App

// New chat, new folder, import, search, and the list: the folders with their conversations,
// then the others by date (pinned first). Ctrl/Shift-click or Shift+arrows select several
// (SelectionBar acts on them); a conversation dragged onto a folder moves into it, onto a
// conversation outside folders moves out.
Pane {
    id: root

    property string currentTitle: ""
    property var searchResults: []

    function focusSearch() {
        search.forceActiveFocus()
        search.selectAll()
    }

    // A click on a conversation: plain opens it; Ctrl adds or removes it from the selection;
    // Shift selects from the last one chosen (else the open one) to it.
    function clickRow(index, conversationId, modifiers) {
        conversationList.currentIndex = index
        if (modifiers & Qt.ShiftModifier) {
            if (App.conversations.selectionCount === 0) {
                const open = App.conversations.rowOf(App.chat.conversationId)
                if (open >= 0)
                    App.conversations.select(open, Conversations.SelectOnly)
            }
            App.conversations.select(index, Conversations.SelectRange)
        } else if (modifiers & Qt.ControlModifier) {
            App.conversations.select(index, Conversations.SelectToggle)
        } else {
            App.conversations.clearSelection()
            App.openConversation(conversationId)
        }
    }

    // A conversation dropped on a row of `folderId` (0: outside folders); a selected one
    // brings the rest of the selection along.
    function dropOn(source, folderId) {
        if (source.selected && App.conversations.selectionCount > 1)
            App.conversations.moveSelectionToFolder(folderId)
        else if (source.folderId !== folderId)
            App.conversations.moveToFolder(source.conversationId, folderId)
    }

    function deleteSelection() {
        if (App.conversations.selectionCount === 0) {
            if (conversationList.currentIndex < 0)
                return
            App.conversations.select(conversationList.currentIndex, Conversations.SelectOnly)
            if (App.conversations.selectionCount === 0)
                return   // a folder row
        }
        confirmSelectionDelete.open()
    }

    padding: Theme.spaceM
    background: Rectangle { color: Theme.colors.sidebar }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spaceM

        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spaceS
            Button {
                objectName: "newChatButton"
                Layout.fillWidth: true
                text: qsTr("New chat")
                icon.source: Theme.icon("new-chat")
                icon.width: Theme.iconSize
                icon.height: Theme.iconSize
                Accessible.name: qsTr("New chat")
                onClicked: { App.conversations.clearSelection(); App.newChat() }
            }
            IconButton {
                objectName: "newFolderButton"
                iconName: "folder-new"
                text: qsTr("New folder")
                onClicked: folderSettings.edit(0)
            }
            IconButton {
                objectName: "importButton"
                iconName: "import"
                text: qsTr("Import a conversation exported as JSON")
                // a Loader's item is a QObject to qmllint; here the FileDialog below.
                onClicked: { importLoader.active = true; importLoader.item.open() }   // qmllint disable type

                // Created on first use, like the other dialogs.
                Loader {
                    id: importLoader
                    objectName: "importDialogLoader"
                    active: false
                    sourceComponent: Component {
                        FileDialog {
                            title: qsTr("Import a conversation")
                            fileMode: FileDialog.OpenFile
                            nameFilters: [qsTr("Causerie conversation (*.json)"), qsTr("All files (*)")]
                            onAccepted: App.conversations.importUrl(selectedFile)
                        }
                    }
                }
            }
        }

        TextField {
            id: search
            objectName: "searchField"
            Layout.fillWidth: true
            placeholderText: qsTr("Search (Ctrl+K)")
            Accessible.name: qsTr("Search conversations")
            selectByMouse: true
            onTextChanged: searchTimer.restart()
            Keys.onEscapePressed: text = ""
            Keys.onDownPressed: (search.text.length > 0 ? resultList : conversationList).forceActiveFocus()
            Timer {
                id: searchTimer
                interval: 150
                onTriggered: root.searchResults = App.conversations.search(search.text)
            }
        }

        SelectionBar {
            objectName: "selectionBar"
            Layout.fillWidth: true
            onDeleteRequested: root.deleteSelection()
        }

        ListView {
            id: conversationList
            objectName: "conversationList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            visible: search.text.length === 0
            clip: true
            activeFocusOnTab: true
            keyNavigationEnabled: false   // Keys below: Shift+arrows extend the selection
            currentIndex: -1
            model: App.conversations.model
            Accessible.name: qsTr("Conversations")
            Accessible.role: Accessible.List
            ScrollBar.vertical: ScrollBar {}

            section.property: "section"
            section.delegate: Label {
                required property string section
                text: section
                textFormat: Text.PlainText
                font.bold: true
                font.pixelSize: Theme.fontCaption
                color: Theme.colors.textMuted
                topPadding: Theme.spaceM
                bottomPadding: Theme.spaceS
            }

            delegate: SidebarRow {
                width: ListView.view.width
                // the list, outside the delegate: Qt 6.4's qmllint cannot see its id.
                focused: ListView.isCurrentItem && conversationList.activeFocus   // qmllint disable unqualified
                // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
                openConversation: App.chat.conversationId   // qmllint disable type
                onClicked: (index, conversationId, modifiers) => root.clickRow(index, conversationId, modifiers)
                onDropped: (source, folderId) => root.dropOn(source, folderId)
                // Dropped on a folder (or a conversation in one): it takes that folder's place.
                onFolderDropped: (moved, folderId) => {
                    if (folderId > 0 && moved !== folderId)   // qmllint disable type
                        App.conversations.moveFolderTo(moved, App.conversations.folderIndex(folderId))
                }
                onTitleShown: (title) => root.currentTitle = title
                onFolderSettingsRequested: (folderId) => folderSettings.edit(folderId)
                onFolderDeleteRequested: (folderId, name) => confirmFolderDelete.ask(folderId, name)
            }

            Keys.onPressed: (event) => {
                const shift = event.modifiers & Qt.ShiftModifier
                const ctrl = event.modifiers & Qt.ControlModifier
                const row = conversationList.currentItem
                if (event.key === Qt.Key_Down || event.key === Qt.Key_Up) {
                    const next = Math.max(0, Math.min(count - 1, currentIndex + (event.key === Qt.Key_Down ? 1 : -1)))
                    if (shift && App.conversations.selectionCount === 0 && currentIndex >= 0)
                        App.conversations.select(currentIndex, Conversations.SelectOnly)
                    currentIndex = next
                    if (shift)
                        App.conversations.select(next, Conversations.SelectRange)
                } else if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter) && row) {
                    row.activate()
                } else if (event.key === Qt.Key_Space && currentIndex >= 0) {
                    App.conversations.select(currentIndex, Conversations.SelectToggle)
                } else if (event.key === Qt.Key_A && ctrl) {
                    App.conversations.selectAll()
                } else if (event.key === Qt.Key_Escape && App.conversations.selectionCount > 0) {
                    App.conversations.clearSelection()
                } else if (event.key === Qt.Key_Delete) {
                    root.deleteSelection()
                } else if ((event.key === Qt.Key_Menu || (event.key === Qt.Key_F10 && shift)) && row) {
                    row.openMenu()
                } else {
                    return
                }
                event.accepted = true
            }

            Label {
                anchors.centerIn: parent
                visible: conversationList.count === 0
                text: qsTr("No conversations yet.")
                color: Theme.colors.textMuted
            }
        }

        ListView {
            id: resultList
            objectName: "searchResults"
            Layout.fillWidth: true
            Layout.fillHeight: true
            visible: search.text.length > 0
            clip: true
            activeFocusOnTab: true
            model: root.searchResults
            Accessible.name: qsTr("Search results")
            Accessible.role: Accessible.List
            ScrollBar.vertical: ScrollBar {}
            // currentItem is an Item to qmllint; here a SearchHitDelegate.
            Keys.onReturnPressed: if (currentItem) currentItem.clicked()   // qmllint disable type

            delegate: SearchHitDelegate {
                width: ListView.view.width
                // the list, outside the delegate: Qt 6.4's qmllint cannot see its id.
                highlighted: ListView.isCurrentItem && resultList.activeFocus   // qmllint disable unqualified
            }

            Label {
                anchors.centerIn: parent
                visible: resultList.count === 0
                text: qsTr("Nothing found.")
                color: Theme.colors.textMuted
            }
        }
    }

    FolderSettingsDialog {
        id: folderSettings
        objectName: "folderSettings"
    }

    Dialog {
        id: confirmFolderDelete
        objectName: "confirmFolderDelete"
        property var folderId: 0
        property string name: ""
        function ask(id, folderName) {
            folderId = id
            name = folderName
            open()
        }
        parent: Overlay.overlay
        anchors.centerIn: parent
        modal: true
        title: qsTr("Delete this folder?")
        standardButtons: Dialog.Cancel | Dialog.Ok
        Label {
            text: qsTr("The folder “%1” will be deleted. Its conversations are kept and go back to the list.")
                  .arg(confirmFolderDelete.name)
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            width: Theme.tooltipWidth * 0.7
        }
        onAccepted: App.conversations.removeFolder(folderId)
    }

    Dialog {
        id: confirmSelectionDelete
        objectName: "confirmSelectionDelete"
        parent: Overlay.overlay
        anchors.centerIn: parent
        modal: true
        title: App.conversations.selectionCount > 1
               ? qsTr("Delete %1 conversations?").arg(App.conversations.selectionCount)
               : qsTr("Delete this conversation?")
        standardButtons: Dialog.Cancel | Dialog.Ok
        Label {
            text: qsTr("You can undo this for a few seconds.")
            wrapMode: Text.Wrap
            width: Theme.tooltipWidth * 0.7
        }
        onAccepted: App.conversations.removeSelection()
    }
}
