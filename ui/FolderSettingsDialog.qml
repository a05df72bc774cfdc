import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Causerie.App

// Creates a folder (folderId 0) or edits one: its name, and the system prompt, libraries and
// documents the conversations created in it start with. Documents added or removed here are
// applied on Save (read and stored in the background; a file that cannot be read says why here).
Dialog {
    id: dialog

    property var folderId: 0
    property var libraries: []   // the ticked libraries' names
    property var documents: []   // [{id (0: to add), name, sizeText, url}] as the list shows them
    property var removedDocuments: []   // ids of stored documents to remove on Save
    property string documentError: ""

    // Fills the fields for `id` (0: a new folder) and opens.
    function edit(id) {
        folderId = id
        nameField.text = id > 0 ? App.conversations.folderName(id) : ""
        promptField.text = id > 0 ? App.conversations.folderSystemPrompt(id) : ""
        libraries = id > 0 ? App.conversations.folderLibraries(id) : []
        documents = id > 0 && App.documents ? App.documents.folderFiles(id) : []
        removedDocuments = []
        documentError = ""
        open()
        nameField.forceActiveFocus()
    }

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: Math.min(Theme.tooltipWidth, parent ? parent.width - Theme.spaceXxl : Theme.tooltipWidth)
    modal: true
    // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
    title: folderId > 0 ? qsTr("Folder settings") : qsTr("New folder")   // qmllint disable type
    standardButtons: Dialog.Cancel | Dialog.Save

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spaceM
        Label {
            text: qsTr("Name")
        }
        TextField {
            id: nameField
            objectName: "folderNameField"
            Layout.fillWidth: true
            Accessible.name: qsTr("Folder name")
            selectByMouse: true
            onAccepted: dialog.accept()
        }
        Label {
            text: qsTr("Default system prompt")
        }
        ScrollView {
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.readingWidth / 6
            TextArea {
                id: promptField
                objectName: "folderPromptField"
                Accessible.name: qsTr("Default system prompt")
                placeholderText: qsTr("None: the app's default")
                wrapMode: TextEdit.Wrap
                selectByMouse: true
            }
        }
        Label {
            Layout.fillWidth: true
            text: qsTr("New conversations in this folder start with this system prompt.")
            wrapMode: Text.Wrap
            color: Theme.colors.textMuted
            font.pixelSize: Theme.fontCaption
        }
        Label {
            visible: libraryRepeater.count > 0
            text: qsTr("Libraries its new conversations search")
        }
        Repeater {
            id: libraryRepeater
            model: App.documents && App.documents.libraries ? App.documents.libraries.names : []
            delegate: CheckBox {
                id: libraryBox
                required property string modelData
                objectName: "folderLibrary"
                text: libraryBox.modelData
                // The file's ids inside a delegate: Qt 6.4 has no ComponentBehavior: Bound.
                checked: dialog.libraries.indexOf(libraryBox.modelData) >= 0   // qmllint disable unqualified
                onToggled: {
                    // As above.
                    const names = dialog.libraries.filter(n => n !== libraryBox.modelData)   // qmllint disable unqualified
                    if (libraryBox.checked)
                        names.push(libraryBox.modelData)
                    dialog.libraries = names   // qmllint disable unqualified
                }
            }
        }
        Label {
            text: qsTr("Documents its new conversations start with")
        }
        Repeater {
            model: dialog.documents
            delegate: RowLayout {
                id: documentRow
                required property var modelData
                required property int index
                Layout.fillWidth: true
                Label {
                    Layout.fillWidth: true
                    elide: Text.ElideMiddle
                    textFormat: Text.PlainText
                    text: documentRow.modelData.name + (documentRow.modelData.sizeText ? " · " + documentRow.modelData.sizeText : "")
                }
                IconButton {
                    iconName: "close"
                    text: qsTr("Remove %1").arg(documentRow.modelData.name)
                    onClicked: {
                        // The file's ids inside a delegate: Qt 6.4 has no ComponentBehavior: Bound.
                        if (documentRow.modelData.id > 0)
                            dialog.removedDocuments = dialog.removedDocuments.concat([documentRow.modelData.id])   // qmllint disable unqualified
                        const kept = dialog.documents.slice()   // qmllint disable unqualified
                        kept.splice(documentRow.index, 1)
                        dialog.documents = kept   // qmllint disable unqualified
                    }
                }
            }
        }
        Button {
            objectName: "folderAddDocuments"
            text: qsTr("Add documents…")
            enabled: App.documents !== null
            onClicked: documentDialog.open()
        }
        Label {
            Layout.fillWidth: true
            visible: dialog.documentError.length > 0
            text: dialog.documentError
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            color: Theme.colors.danger
            font.pixelSize: Theme.fontCaption
        }
    }

    FileDialog {
        id: documentDialog
        title: qsTr("Documents for this folder")
        fileMode: FileDialog.OpenFiles
        onAccepted: {
            const added = dialog.documents.slice()
            for (const url of selectedFiles) {
                const path = url.toString()
                added.push({id: 0, name: decodeURIComponent(path.substring(path.lastIndexOf("/") + 1)), sizeText: "", url: url})
            }
            dialog.documents = added
        }
    }

    Connections {
        target: App.documents
        function onFolderFileFailed(folderId, message) {
            dialog.documentError = message
        }
    }

    function applyDocuments(id) {
        if (!App.documents)
            return
        for (const fileId of removedDocuments)
            App.documents.removeFolderFile(id, fileId)
        const urls = documents.filter(d => d.id === 0).map(d => d.url)
        if (urls.length > 0)
            App.documents.addFolderFiles(id, urls)
    }

    onAccepted: {
        // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
        if (folderId > 0) {   // qmllint disable type
            if (App.conversations.renameFolder(folderId, nameField.text)) {
                App.conversations.setFolderSystemPrompt(folderId, promptField.text)
                App.conversations.setFolderLibraries(folderId, libraries)
                applyDocuments(folderId)
            }
        } else {
            const id = App.conversations.createFolder(nameField.text, promptField.text)
            if (id > 0 && libraries.length > 0)
                App.conversations.setFolderLibraries(id, libraries)
            if (id > 0)
                applyDocuments(id)
        }
    }
}
