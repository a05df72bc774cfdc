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

        // Each tab as wide as its label (French labels are longer): the bar scrolls if they
        // ever need more than the dialog's width.
        TabBar {
            id: tabs
            Layout.fillWidth: true
            TabButton { text: qsTr("Answers"); width: implicitWidth }
            TabButton { text: qsTr("Engine"); width: implicitWidth }
            TabButton { text: qsTr("Remote"); width: implicitWidth }
            TabButton { text: qsTr("Local server"); objectName: "serverTab"; width: implicitWidth }
            TabButton { text: qsTr("Appearance"); width: implicitWidth }
            TabButton { text: qsTr("Libraries"); width: implicitWidth }
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
