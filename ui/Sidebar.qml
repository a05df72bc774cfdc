import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Causerie.App

// New chat, search, and the conversations grouped by date (pinned first).
Pane {
    id: root

    property string currentTitle: ""
    property var searchResults: []

    function focusSearch() {
        search.forceActiveFocus()
        search.selectAll()
    }

    padding: 8

    ColumnLayout {
        anchors.fill: parent
        spacing: 8

        RowLayout {
            Layout.fillWidth: true
            spacing: 4
            Button {
                Layout.fillWidth: true
                text: qsTr("New chat")
                icon.name: "document-new"
                Accessible.name: qsTr("New chat")
                onClicked: App.newChat()
            }
            ToolButton {
                objectName: "importButton"
                text: qsTr("Import…")
                Accessible.name: qsTr("Import a conversation exported as JSON")
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Import a conversation exported as JSON")
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
            placeholderText: qsTr("Search conversations (Ctrl+K)")
            Accessible.name: qsTr("Search conversations")
            selectByMouse: true
            onTextChanged: searchTimer.restart()
            Keys.onEscapePressed: text = ""
            Timer {
                id: searchTimer
                interval: 150
                onTriggered: root.searchResults = App.conversations.search(search.text)
            }
        }

        ListView {
            id: conversationList
            Layout.fillWidth: true
            Layout.fillHeight: true
            visible: search.text.length === 0
            clip: true
            model: App.conversations.model
            Accessible.name: qsTr("Conversations")
            ScrollBar.vertical: ScrollBar {}

            section.property: "section"
            section.delegate: Label {
                required property string section
                text: section
                textFormat: Text.PlainText
                font.bold: true
                opacity: 0.6
                topPadding: 8
                bottomPadding: 4
            }

            delegate: ConversationDelegate {
                width: ListView.view.width
                // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
                current: conversationId === App.chat.conversationId   // qmllint disable type
                // the sidebar, outside the delegate: Qt 6.4's qmllint cannot see its id.
                onCurrentChanged: if (current) root.currentTitle = title   // qmllint disable unqualified
            }

            Label {
                anchors.centerIn: parent
                visible: conversationList.count === 0
                text: qsTr("No conversations yet.")
                opacity: 0.6
            }
        }

        ListView {
            id: resultList
            Layout.fillWidth: true
            Layout.fillHeight: true
            visible: search.text.length > 0
            clip: true
            model: root.searchResults
            Accessible.name: qsTr("Search results")
            ScrollBar.vertical: ScrollBar {}

            delegate: ItemDelegate {
                id: hit
                required property var modelData
                width: ListView.view.width
                Accessible.name: modelData.title
                contentItem: ColumnLayout {
                    spacing: 2
                    Label {
                        Layout.fillWidth: true
                        text: hit.modelData.title
                        textFormat: Text.PlainText
                        font.bold: true
                        elide: Text.ElideRight
                    }
                    Label {
                        Layout.fillWidth: true
                        // The matched words are bold; the store escapes everything else, so
                        // markup in a message is shown as written (tested in tst_offline).
                        objectName: "searchSnippet"
                        text: hit.modelData.snippetHtml
                        textFormat: Text.StyledText
                        wrapMode: Text.Wrap
                        maximumLineCount: 3
                        elide: Text.ElideRight
                        opacity: 0.8
                    }
                }
                onClicked: App.openConversation(modelData.conversationId)
            }

            Label {
                anchors.centerIn: parent
                visible: resultList.count === 0
                text: qsTr("Nothing found.")
                opacity: 0.6
            }
        }
    }
}
