import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Creates a folder (folderId 0) or edits one: its name, and the system prompt and libraries the
// conversations created in it start with.
Dialog {
    id: dialog

    property var folderId: 0
    property var libraries: []   // the ticked libraries' names

    // Fills the fields for `id` (0: a new folder) and opens.
    function edit(id) {
        folderId = id
        nameField.text = id > 0 ? App.conversations.folderName(id) : ""
        promptField.text = id > 0 ? App.conversations.folderSystemPrompt(id) : ""
        libraries = id > 0 ? App.conversations.folderLibraries(id) : []
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
    }

    onAccepted: {
        // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
        if (folderId > 0) {   // qmllint disable type
            if (App.conversations.renameFolder(folderId, nameField.text)) {
                App.conversations.setFolderSystemPrompt(folderId, promptField.text)
                App.conversations.setFolderLibraries(folderId, libraries)
            }
        } else {
            const id = App.conversations.createFolder(nameField.text, promptField.text)
            if (id > 0 && libraries.length > 0)
                App.conversations.setFolderLibraries(id, libraries)
        }
    }
}
