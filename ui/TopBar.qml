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

    readonly property bool remote: App.conversationRemote

    // A choice of a ComboBox whose names are data (endpoint names, a server's model ids):
    // shown as written, never as HTML.
    component PlainChoice: MenuItem {
        id: choice
        required property int index
        property string label
        property ComboBox box
        width: ListView.view ? ListView.view.width : implicitWidth
        text: label
        highlighted: box.highlightedIndex === index
        contentItem: Label {
            text: choice.text
            textFormat: Text.PlainText
            elide: Text.ElideRight
            verticalAlignment: Text.AlignVCenter
        }
    }
    readonly property var backendChoices: {
        // key: the endpoint id, "" for the local model
        let list = [{ key: "", name: qsTr("Local model") }]
        for (const e of App.remote.endpoints)
            list.push({ key: e.id, name: e.name })
        return list
    }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 8
        anchors.rightMargin: 8

        ComboBox {
            id: backendBox
            objectName: "backendBox"
            Layout.preferredWidth: 200
            model: root.backendChoices
            textRole: "name"
            valueRole: "key"
            currentIndex: Math.max(0, indexOfValue(App.conversationEndpointId))
            delegate: PlainChoice {
                required property var modelData
                label: modelData.name
                // the box, outside its delegate: Qt 6.4's qmllint cannot see its id.
                box: backendBox   // qmllint disable unqualified
            }
            Accessible.name: qsTr("Backend for this conversation")
            onActivated: {
                const endpointId = currentValue
                App.setConversationBackend(endpointId, endpointId.length > 0 ? App.conversationModel : "")
                if (endpointId.length > 0)
                    App.remote.refreshModels(endpointId)
            }
        }

        // An imported conversation: where it was answered, as information (it opened on the
        // local model; that backend is used only if the user picks it in the box on the left).
        Label {
            objectName: "conversationOrigin"
            visible: App.conversationOrigin.length > 0
            Layout.maximumWidth: 280
            text: App.conversationOrigin
            textFormat: Text.PlainText
            elide: Text.ElideRight
            opacity: 0.6
            font.pixelSize: 12
            HoverHandler { id: originHover }
            PlainToolTip {
                visible: originHover.hovered
                text: qsTr("Imported. Causerie answers it with the backend chosen on the left, never with this one unless you choose it.")
            }
        }

        ComboBox {
            id: remoteModelBox
            visible: root.remote
            Layout.preferredWidth: 240
            editable: true
            model: App.remote.modelIds
            editText: App.conversationModel
            delegate: PlainChoice {
                required property var modelData
                label: modelData
                // the box, outside its delegate: Qt 6.4's qmllint cannot see its id.
                box: remoteModelBox   // qmllint disable unqualified
            }
            Accessible.name: qsTr("Remote model")
            onAccepted: App.setConversationBackend(App.conversationEndpointId, editText)
            onActivated: App.setConversationBackend(App.conversationEndpointId, currentText)
            onPressedChanged: if (pressed && count === 0) App.remote.refreshModels(App.conversationEndpointId)
            PlainToolTip {
                visible: remoteModelBox.hovered && text.length > 0
                text: App.remote.modelsError
            }
        }

        Button {
            id: modelButton
            objectName: "localModelButton"
            visible: !root.remote
            flat: true
            text: App.model.state === LocalModel.Loading ? qsTr("Loading model…")
                : App.model.state === LocalModel.Ready ? App.model.name
                : qsTr("Open model…")
            // The name comes from the model file: shown as written.
            contentItem: Label {
                text: modelButton.text
                textFormat: Text.PlainText
                elide: Text.ElideRight
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
                font: modelButton.font
            }
            Accessible.name: qsTr("Local model")
            onClicked: root.openModels()
            BusyIndicator {
                anchors.verticalCenter: parent.verticalCenter
                anchors.right: parent.left
                height: parent.height * 0.6
                width: height
                running: App.model.state === LocalModel.Loading
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

        IconButton {
            objectName: "settingsButton"
            iconName: "settings"
            text: qsTr("Settings")
            shortcutHint: "Ctrl+,"
            onClicked: root.openSettings()
        }
    }
}
