import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Recommended models: what each needs, whether it fits this machine, and its download
// (progress, pause/resume, cancel, the reason it failed). "Use" opens a downloaded one.
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

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: Math.min(parent.width * 0.9, 680)
    height: Math.min(parent.height * 0.9, 640)
    modal: true
    title: qsTr("Download a model")
    standardButtons: Dialog.Close
    onAboutToShow: ModelCatalog.refresh()

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spaceM

        Label {
            Layout.fillWidth: true
            text: ModelCatalog.machineText
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            color: Theme.colors.textMuted
        }
        Label {
            Layout.fillWidth: true
            text: qsTr("Models are saved in %1").arg(ModelCatalog.modelsDir)
            textFormat: Text.PlainText
            wrapMode: Text.WrapAnywhere
            color: Theme.colors.textMuted
        }
        Label {
            Layout.fillWidth: true
            visible: ModelCatalog.loadError.length > 0
            text: ModelCatalog.loadError
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            color: Theme.colors.danger
        }

        ListView {
            id: list
            objectName: "catalogList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: Theme.spaceS
            model: ModelCatalog
            Accessible.name: qsTr("Recommended models")
            ScrollBar.vertical: ScrollBar {}

            delegate: Frame {
                id: card
                required property int index
                required property string name
                required property string parameters
                required property string quantization
                required property string license
                required property string sizeText
                required property string neededMemoryText
                required property bool fits
                required property string fitText
                required property int downloadState
                required property real progress
                required property string progressText
                required property string errorText
                required property string note

                width: ListView.view.width - 12
                Accessible.name: card.name

                ColumnLayout {
                    anchors.fill: parent
                    spacing: Theme.spaceS

                    RowLayout {
                        Layout.fillWidth: true
                        Label {
                            Layout.fillWidth: true
                            text: qsTr("%1 (%2, %3)").arg(card.name).arg(card.parameters).arg(card.quantization)
                            textFormat: Text.PlainText
                            font.bold: true
                            elide: Text.ElideRight
                        }
                        Label {
                            text: card.fitText
                            textFormat: Text.PlainText
                            color: card.fits ? Theme.colors.success : Theme.colors.danger
                        }
                    }
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Download %1, needs %2 of memory, license %3")
                              .arg(card.sizeText).arg(card.neededMemoryText).arg(card.license)
                        textFormat: Text.PlainText
                        wrapMode: Text.Wrap
                        color: Theme.colors.textMuted
                    }
                    ProgressBar {
                        Layout.fillWidth: true
                        visible: card.downloadState === ModelCatalog.Downloading || card.downloadState === ModelCatalog.Paused
                        indeterminate: card.progress < 0
                        value: Math.max(0, card.progress)
                        Accessible.name: qsTr("Download progress of %1").arg(card.name)
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: card.downloadState === ModelCatalog.Downloading || card.downloadState === ModelCatalog.Paused
                        text: card.downloadState === ModelCatalog.Paused ? qsTr("Paused at %1").arg(card.progressText)
                                                                 : card.progressText
                        textFormat: Text.PlainText
                        color: Theme.colors.textMuted
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: card.downloadState === ModelCatalog.Failed && card.errorText.length > 0
                        text: qsTr("Download failed: %1").arg(card.errorText)
                        textFormat: Text.PlainText
                        wrapMode: Text.Wrap
                        color: Theme.colors.danger
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: card.note.length > 0
                        text: card.note
                        textFormat: Text.PlainText
                        wrapMode: Text.Wrap
                        color: Theme.colors.textMuted
                        font.italic: true
                    }

                    RowLayout {
                        Button {
                            visible: card.downloadState === ModelCatalog.NotDownloaded
                            text: qsTr("Download")
                            Accessible.name: qsTr("Download %1").arg(card.name)
                            onClicked: ModelCatalog.download(card.index)
                        }
                        Button {
                            visible: card.downloadState === ModelCatalog.Downloading
                            text: qsTr("Pause")
                            Accessible.name: qsTr("Pause the download of %1").arg(card.name)
                            onClicked: ModelCatalog.pause(card.index)
                        }
                        Button {
                            visible: card.downloadState === ModelCatalog.Paused || card.downloadState === ModelCatalog.Failed
                            text: qsTr("Resume")
                            Accessible.name: qsTr("Resume the download of %1").arg(card.name)
                            onClicked: ModelCatalog.download(card.index)
                        }
                        Button {
                            visible: card.downloadState === ModelCatalog.Downloading || card.downloadState === ModelCatalog.Paused
                                     || card.downloadState === ModelCatalog.Failed
                            text: qsTr("Cancel")
                            Accessible.name: qsTr("Cancel the download of %1 and delete the partial file").arg(card.name)
                            onClicked: ModelCatalog.cancel(card.index)
                        }
                        Button {
                            visible: card.downloadState === ModelCatalog.Downloaded
                            text: qsTr("Use")
                            Accessible.name: qsTr("Open %1").arg(card.name)
                            onClicked: {
                                App.model.openPath(ModelCatalog.pathOf(card.index))
                                // The dialog, outside the delegate (Qt 6.4's qmllint cannot see its id from here).
                                root.close()   // qmllint disable unqualified
                            }
                        }
                    }
                }
            }
        }
    }
}
