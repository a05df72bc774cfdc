import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Remote endpoints (Mistral's API, a Mistral Compute deployment, any OpenAI-compatible server)
// and their keys, which go to the system keychain.
ColumnLayout {
    id: root

    property string editingId: ""

    Label {
        Layout.fillWidth: true
        visible: App.keysSessionOnly
        wrapMode: Text.Wrap
        text: qsTr("No system keychain is available: keys are kept in memory until Causerie quits, never on disk.")
        color: "#b9770e"
    }

    ListView {
        id: list
        Layout.fillWidth: true
        Layout.preferredHeight: 160
        clip: true
        model: App.endpoints
        Accessible.name: qsTr("Endpoints")
        delegate: ItemDelegate {
            required property var modelData
            width: list.width
            text: modelData.name + " — " + modelData.baseUrl
            highlighted: root.editingId === modelData.id
            onClicked: {
                root.editingId = modelData.id
                nameField.text = modelData.name
                urlField.text = modelData.baseUrl
                keyField.text = ""
            }
        }
    }

    GridLayout {
        columns: 2
        Layout.fillWidth: true
        Label { text: qsTr("Name") }
        TextField {
            id: nameField
            Layout.fillWidth: true
            placeholderText: qsTr("Mistral AI")
            Accessible.name: qsTr("Endpoint name")
        }
        Label { text: qsTr("Base URL") }
        TextField {
            id: urlField
            Layout.fillWidth: true
            placeholderText: "https://api.mistral.ai"
            Accessible.name: qsTr("Base URL")
        }
        Label { text: qsTr("API key") }
        TextField {
            id: keyField
            Layout.fillWidth: true
            echoMode: TextInput.Password
            placeholderText: root.editingId.length > 0 ? qsTr("Unchanged") : qsTr("Key (kept in the system keychain)")
            Accessible.name: qsTr("API key")
        }
    }

    RowLayout {
        Button {
            text: root.editingId.length > 0 ? qsTr("Save") : qsTr("Add endpoint")
            enabled: urlField.text.length > 0
            onClicked: {
                const id = App.saveEndpoint(root.editingId, nameField.text.length > 0 ? nameField.text : urlField.text,
                                            urlField.text, keyField.text)
                if (id.length > 0) {
                    keyField.text = ""
                    root.editingId = id
                }
            }
        }
        Button {
            text: qsTr("New")
            onClicked: { root.editingId = ""; nameField.text = ""; urlField.text = ""; keyField.text = "" }
        }
        Button {
            text: qsTr("Remove")
            enabled: root.editingId.length > 0
            onClicked: { App.removeEndpoint(root.editingId); root.editingId = "" }
        }
    }
    Item { Layout.fillHeight: true }
}
