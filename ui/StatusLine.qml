import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Backend, model, device and the speed of the last answer.
Pane {
    padding: Theme.spaceS
    background: Rectangle { color: Theme.colors.window }
    leftPadding: Theme.spaceL
    rightPadding: Theme.spaceL

    RowLayout {
        anchors.fill: parent
        spacing: Theme.spaceXl
        Label {
            text: App.backendLabel
            textFormat: Text.PlainText
            elide: Text.ElideRight
            Layout.fillWidth: true
            font.pixelSize: Theme.fontCaption
            color: Theme.colors.textMuted
        }
        Label {
            visible: !App.conversationRemote && App.model.state === LocalModel.Ready
            text: App.model.device
            textFormat: Text.PlainText
            font.pixelSize: Theme.fontCaption
            color: Theme.colors.textMuted
            HoverHandler { id: hoverDevice }
            PlainToolTip {
                visible: hoverDevice.hovered && text.length > 0
                text: App.model.deviceNote
            }
        }
        Label {
            objectName: "serverStatusLine"
            visible: App.server.running
            text: qsTr("Server %1 · %n request(s)", "", App.server.requestCount).arg(App.server.url)
            textFormat: Text.PlainText
            font.pixelSize: Theme.fontCaption
            opacity: 0.7
        }
        Label {
            visible: App.chat.lastTokensPerSecond > 0
            text: qsTr("Last answer: %1 tokens/s").arg(App.chat.lastTokensPerSecond.toFixed(1))
            font.pixelSize: Theme.fontCaption
            color: Theme.colors.textMuted
        }
    }
}
