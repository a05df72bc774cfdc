import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ApplicationWindow {
    id: window

    required property string dataDir
    required property string modelPath

    width: 960
    height: 640
    minimumWidth: 480
    minimumHeight: 360
    visible: true
    title: qsTr("Causerie")

    ColumnLayout {
        anchors.centerIn: parent
        spacing: 12

        Label {
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("Causerie")
            font.pixelSize: 28
            Accessible.name: text
        }
        Label {
            Layout.alignment: Qt.AlignHCenter
            text: window.modelPath.length > 0
                  ? qsTr("Model: %1").arg(window.modelPath)
                  : qsTr("No model open yet.")
            Accessible.name: text
        }
        Label {
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("Data folder: %1").arg(window.dataDir)
            opacity: 0.7
            Accessible.name: text
        }
        Button {
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("Quit")
            Accessible.name: text
            onClicked: Qt.quit()
        }
    }

    Shortcut {
        sequences: [StandardKey.Quit]
        onActivated: Qt.quit()
    }
}
