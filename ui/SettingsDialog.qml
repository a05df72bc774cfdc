import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Preferences: how answers are sampled, the local engine, remote endpoints and keys,
// appearance and language. Changes apply at once (sampling from the next answer; context,
// device and threads when a model is next opened).
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
    width: Math.min(parent.width * 0.9, Theme.settingsWidth)
    height: Math.min(parent.height * 0.9, Theme.settingsHeight)
    modal: true
    title: qsTr("Settings")
    standardButtons: Dialog.Close

    ColumnLayout {
        anchors.fill: parent

        TabBar {
            id: tabs
            Layout.fillWidth: true
            TabButton { text: qsTr("Answers") }
            TabButton { text: qsTr("Engine") }
            TabButton { text: qsTr("Remote") }
            TabButton { text: qsTr("Local server"); objectName: "serverTab" }
            TabButton { text: qsTr("Appearance") }
            TabButton { text: qsTr("Libraries") }
        }

        StackLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            currentIndex: tabs.currentIndex

            SamplingSettings {}
            EngineSettings {}
            RemoteSettings {}
            ServerSettings {}
            AppearanceSettings {}
            LibrariesSettings {}
        }
    }
}
