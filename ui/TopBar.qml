import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// The conversation's backend (the local model or a remote endpoint + model), the local model,
// and the settings.
Pane {
    id: root
    padding: 4

    signal openModels()
    signal openSettings()
    signal openConversationSettings()

    readonly property bool remote: App.conversationBackend.startsWith("remote:")
    readonly property var backendChoices: {
        let list = [{ key: "local", name: qsTr("Local model") }]
        for (const e of App.endpoints)
            list.push({ key: "remote:" + e.id, name: e.name })
        return list
    }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 8
        anchors.rightMargin: 8

        ComboBox {
            id: backendBox
            Layout.preferredWidth: 200
            model: root.backendChoices
            textRole: "name"
            valueRole: "key"
            currentIndex: Math.max(0, indexOfValue(App.conversationBackend))
            Accessible.name: qsTr("Backend for this conversation")
            onActivated: {
                const key = currentValue
                App.setConversationBackend(key, key === "local" ? "" : App.conversationModel)
                if (key !== "local")
                    App.refreshRemoteModels(key.substring(7))
            }
        }

        ComboBox {
            id: remoteModelBox
            visible: root.remote
            Layout.preferredWidth: 240
            editable: true
            model: App.remoteModels.map(m => m.id)
            editText: App.conversationModel
            Accessible.name: qsTr("Remote model")
            onAccepted: App.setConversationBackend(App.conversationBackend, editText)
            onActivated: App.setConversationBackend(App.conversationBackend, currentText)
            onPressedChanged: if (pressed && count === 0) App.refreshRemoteModels(App.conversationBackend.substring(7))
            ToolTip.visible: hovered && App.remoteModelsError.length > 0
            ToolTip.text: App.remoteModelsError
        }

        Button {
            visible: !root.remote
            flat: true
            text: App.modelState === 1 ? qsTr("Loading model…")
                : App.modelState === 2 ? App.modelInfo.name
                : qsTr("Open model…")
            Accessible.name: qsTr("Local model")
            onClicked: root.openModels()
            BusyIndicator {
                anchors.verticalCenter: parent.verticalCenter
                anchors.right: parent.left
                height: parent.height * 0.6
                width: height
                running: App.modelState === 1
                visible: running
            }
        }

        Item { Layout.fillWidth: true }

        ToolButton {
            objectName: "conversationSettingsButton"
            text: qsTr("Chat options")
            Accessible.name: qsTr("Options of this conversation")
            ToolTip.visible: hovered
            ToolTip.text: qsTr("System prompt and answer settings of this conversation (Ctrl+Shift+O)")
            onClicked: root.openConversationSettings()
        }

        ToolButton {
            text: "⚙"
            Accessible.name: qsTr("Settings")
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Settings (Ctrl+,)")
            onClicked: root.openSettings()
        }
    }
}
