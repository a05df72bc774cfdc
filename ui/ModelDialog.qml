import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Causerie.App

// The local model: open a .gguf, watch it load, see what it is and where it runs, reopen a
// recent one.
Dialog {
    id: root
    background: DialogBackground {}
    // The title on the dialog's own surface (the style paints it in its dialog colour).
    header: Label {
        text: root.title
        padding: Theme.spaceXl
        bottomPadding: 0
        font.pixelSize: Theme.fontTitle
        font.weight: Font.DemiBold
        color: Theme.colors.text
    }

    function openFile() {
        fileDialog.open()
    }
    function openCatalog() {
        catalogPage.open()
    }

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: Math.min(parent.width * 0.9, Theme.dialogWidth)
    modal: true
    title: qsTr("Local model")
    standardButtons: Dialog.Close

    ModelCatalogPage {
        id: catalogPage
        objectName: "catalogPage"
    }

    FileDialog {
        id: fileDialog
        title: qsTr("Open a model")
        nameFilters: [qsTr("GGUF models (*.gguf)"), qsTr("All files (*)")]
        onAccepted: App.model.open(selectedFile)
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spaceM

        RowLayout {
            spacing: Theme.spaceM
            Button {
                text: qsTr("Open model…")
                Accessible.name: qsTr("Open model file")
                onClicked: fileDialog.open()
            }
            Button {
                objectName: "downloadModelButton"
                text: qsTr("Download a model…")
                Accessible.name: qsTr("Download a model")
                onClicked: catalogPage.open()
            }
        }

        ProgressBar {
            Layout.fillWidth: true
            visible: App.model.state === LocalModel.Loading
            indeterminate: true
            Accessible.name: qsTr("Loading the model")
        }

        Label {
            Layout.fillWidth: true
            visible: App.model.state === LocalModel.Failed
            text: App.model.error
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            color: Theme.colors.danger
        }

        GridLayout {
            visible: App.model.state === LocalModel.Ready
            columns: 2
            columnSpacing: Theme.spaceXl
            Label { text: qsTr("Name"); color: Theme.colors.textMuted }
            Label { text: App.model.name; Layout.fillWidth: true; elide: Text.ElideMiddle; textFormat: Text.PlainText }
            Label { text: qsTr("Architecture"); color: Theme.colors.textMuted }
            Label { text: App.model.architecture; textFormat: Text.PlainText }
            Label { text: qsTr("Parameters"); color: Theme.colors.textMuted }
            Label { text: App.model.parameters; textFormat: Text.PlainText }
            Label { text: qsTr("Quantization"); color: Theme.colors.textMuted }
            Label { text: App.model.quantization; textFormat: Text.PlainText }
            Label { text: qsTr("File size"); color: Theme.colors.textMuted }
            Label { text: App.model.fileSize; textFormat: Text.PlainText }
            Label { text: qsTr("Context"); color: Theme.colors.textMuted }
            Label { text: qsTr("%1 tokens (trained for %2)").arg(App.model.contextSize).arg(App.model.trainedContext) }
            Label { text: qsTr("Chat format"); color: Theme.colors.textMuted }
            Label { text: App.model.chatTemplate; textFormat: Text.PlainText }
            Label { text: ""; visible: App.model.chatTemplateNote.length > 0 }
            Label {
                objectName: "chatTemplateNote"
                visible: App.model.chatTemplateNote.length > 0
                Layout.fillWidth: true
                text: App.model.chatTemplateNote
                textFormat: Text.PlainText
                wrapMode: Text.Wrap
                color: Theme.colors.textMuted
            }
            Label { text: qsTr("Device"); color: Theme.colors.textMuted }
            Label { text: App.model.device; textFormat: Text.PlainText }
            Label { text: ""; visible: App.model.deviceNote.length > 0 }
            Label {
                visible: App.model.deviceNote.length > 0
                Layout.fillWidth: true
                text: App.model.deviceNote
                textFormat: Text.PlainText
                wrapMode: Text.Wrap
                color: Theme.colors.textMuted
            }
        }

        Label {
            visible: App.settings.recentModels.length > 0
            text: qsTr("Recent models")
            font.bold: true
        }
        Repeater {
            model: App.settings.recentModels
            delegate: ItemDelegate {
                id: recent
                required property string modelData
                Layout.fillWidth: true
                text: modelData
                // A file name is shown as it is (a "<b>" in it is not markup).
                contentItem: Label {
                    text: recent.modelData
                    textFormat: Text.PlainText
                    elide: Text.ElideMiddle
                    verticalAlignment: Text.AlignVCenter
                }
                Accessible.name: qsTr("Open %1").arg(modelData)
                onClicked: App.model.openPath(modelData)
            }
        }
    }
}
