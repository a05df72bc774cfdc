import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Under an answer: the passages it was given, numbered as the model cites them ([1], [2]): file,
// page or heading, the quoted text. Clicking one opens its local file in the system viewer after
// the user agrees, a PDF at its page when the desktop's viewer takes one (pageopener.h).
ColumnLayout {
    id: root

    required property var messageId
    required property string status   // read again when the answer changes state
    readonly property var sources: App.documents && root.status.length > 0
                                   ? App.documents.sourcesFor(root.messageId) : []

    spacing: Theme.spaceXs
    visible: root.sources.length > 0

    Label {
        text: qsTr("Sources")
        font.bold: true
        opacity: 0.8
    }

    Repeater {
        model: root.sources

        delegate: ItemDelegate {
            id: source

            required property var modelData

            objectName: "source"
            Layout.fillWidth: true
            padding: Theme.spaceS
            enabled: source.modelData.path.length > 0
            Accessible.name: qsTr("Open %1").arg(source.modelData.file)
            // The file's ids inside a delegate: Qt 6.4 has no ComponentBehavior: Bound.
            // qmllint disable unqualified
            onClicked: {
                confirm.path = source.modelData.path
                confirm.page = source.modelData.page > 0 ? source.modelData.page : 0
                confirm.open()
            }
            // qmllint enable unqualified

            contentItem: ColumnLayout {
                spacing: 0
                Label {
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    elide: Text.ElideMiddle
                    font.pixelSize: Theme.fontCaption
                    text: "[" + source.modelData.number + "] " + source.modelData.file
                          + (source.modelData.page > 0 ? " · " + qsTr("page %1").arg(source.modelData.page) : "")
                          + (source.modelData.heading.length > 0 ? " · " + source.modelData.heading : "")
                }
                Label {
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    maximumLineCount: 3
                    elide: Text.ElideRight
                    font.pixelSize: Theme.fontCaption
                    opacity: 0.7
                    text: source.modelData.text
                }
            }
        }
    }

    Dialog {
        id: confirm

        property string path
        property int page: 0

        objectName: "openSourceDialog"
        title: qsTr("Open this file?")
        modal: true
        standardButtons: Dialog.Open | Dialog.Cancel
        onAccepted: App.documents.openSource(confirm.path, confirm.page)

        Label {
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            text: qsTr("Causerie will ask your system to open this file with its usual program:\n%1").arg(confirm.path)
        }
    }
}
