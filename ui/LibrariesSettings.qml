import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Causerie.App

// Libraries: folders added once, indexed in the background (the app stays responsive), searched
// by the conversations that tick them in Chat options. Rescanned at every start and on Re-index.
ColumnLayout {
    id: root

    readonly property LibrariesController libraries: App.documents ? App.documents.libraries : null
    property string error: ""
    property url folder

    spacing: Theme.spaceM

    Label {
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        opacity: 0.8
        text: qsTr("A library is a folder of documents (text, Markdown, code, HTML, PDF, DOCX, ODT) that a conversation can search when you tick it in Chat options. Nothing leaves this computer.")
    }

    RowLayout {
        Layout.fillWidth: true
        TextField {
            id: nameField
            objectName: "libraryName"
            Layout.fillWidth: true
            placeholderText: qsTr("Name, e.g. Contracts")
            Accessible.name: qsTr("Library name")
        }
        Button {
            text: qsTr("Choose a folder…")
            enabled: root.libraries !== null
            onClicked: folderDialog.open()
        }
    }
    Label {
        Layout.fillWidth: true
        visible: root.error.length > 0
        textFormat: Text.PlainText
        wrapMode: Text.Wrap
        color: Theme.colors.danger
        text: root.error
    }

    EmbeddingSettings {
        Layout.fillWidth: true
        visible: root.libraries !== null
        libraries: root.libraries
    }

    FolderDialog {
        id: folderDialog
        title: qsTr("Folder of the library")
        onAccepted: {
            root.error = root.libraries.add(nameField.text, selectedFolder)
            if (root.error.length === 0)
                nameField.text = ""
        }
    }

    ListView {
        id: list
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        spacing: Theme.spaceS
        model: root.libraries ? root.libraries.items : []

        delegate: Frame {
            id: item

            required property var modelData

            // The file's ids inside a delegate: Qt 6.4 has no ComponentBehavior: Bound.
            width: list.width   // qmllint disable unqualified

            RowLayout {
                anchors.fill: parent
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 0
                    Label {
                        text: item.modelData.name
                        textFormat: Text.PlainText
                        font.bold: true
                    }
                    Label {
                        Layout.fillWidth: true
                        text: item.modelData.folder
                        textFormat: Text.PlainText
                        elide: Text.ElideMiddle
                        opacity: 0.7
                    }
                    ProgressBar {
                        Layout.fillWidth: true
                        visible: item.modelData.state === "indexing"
                        from: 0
                        to: Math.max(1, item.modelData.total)
                        value: item.modelData.done
                    }
                    Label {
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        wrapMode: Text.Wrap
                        font.pixelSize: Theme.fontCaption
                        opacity: 0.8
                        color: item.modelData.state === "error" ? Theme.colors.danger : Theme.colors.text
                        text: item.modelData.state === "indexing"
                              ? qsTr("Indexing %1 of %2: %3").arg(item.modelData.done + 1).arg(item.modelData.total).arg(item.modelData.file)
                              : item.modelData.state === "waiting" ? qsTr("Waiting to be indexed…")
                              : item.modelData.state === "error" ? item.modelData.message
                              : qsTr("%1 files indexed").arg(item.modelData.total - item.modelData.failed)
                                + (item.modelData.failed > 0 ? " · " + qsTr("%1 could not be read; last: %2").arg(item.modelData.failed).arg(item.modelData.message) : "")
                    }
                }
                Button {
                    text: qsTr("Re-index")
                    // The file's ids inside a delegate: Qt 6.4 has no ComponentBehavior: Bound.
                    onClicked: root.libraries.reindex(item.modelData.name)   // qmllint disable unqualified
                }
                Button {
                    id: removeButton
                    text: qsTr("Remove")
                    onClicked: removeMenu.open()
                    // Keeping the index makes adding the folder back quick; forgetting frees its space.
                    Menu {
                        id: removeMenu
                        y: removeButton.height
                        MenuItem {
                            text: qsTr("Remove, keep its index")
                            // As above.
                            onTriggered: root.libraries.remove(item.modelData.name, false)   // qmllint disable unqualified
                        }
                        MenuItem {
                            text: qsTr("Remove and forget its index")
                            // As above.
                            onTriggered: root.libraries.remove(item.modelData.name, true)   // qmllint disable unqualified
                        }
                    }
                }
            }
        }
    }
}
