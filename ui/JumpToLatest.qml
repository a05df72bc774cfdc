import QtQuick
import QtQuick.Controls

// A round button floating over the chat when the user has scrolled up from the latest message;
// fades in and out. Clicking (or Enter on it) goes back down.
Rectangle {
    id: root

    property bool shown: false
    signal jump()

    implicitWidth: Theme.iconButtonSize + 2 * Theme.spaceXs
    implicitHeight: implicitWidth
    radius: width / 2
    color: Theme.colors.raised
    border.color: Theme.colors.border
    border.width: Theme.borderWidth
    opacity: shown ? 1 : 0
    visible: opacity > 0
    Behavior on opacity { NumberAnimation { duration: Theme.normal } }

    IconButton {
        objectName: "jumpToLatestButton"
        anchors.centerIn: parent
        iconName: "jump-latest"
        text: qsTr("Jump to the latest message")
        shortcutHint: qsTr("Ctrl+End")
        onClicked: root.jump()
    }
}
