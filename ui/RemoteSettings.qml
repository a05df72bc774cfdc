import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Remote endpoints (Mistral's API, a Mistral Compute deployment, any OpenAI-compatible server)
// and their keys, which go to the system keychain. Endpoint names and addresses come from the
// user or from imports: every label showing them is plain text.
ColumnLayout {
    id: root

    property string editingId: ""
    // The last save moved the endpoint to another server: its key was forgotten.
    property bool keyForgotten: false
    // Another scheme, host or port than the saved endpoint's: saving forgets its key.
    // (Reading App.remote.endpoints re-evaluates it after a save.)
    readonly property bool urlMovesAway: App.remote.endpoints.length > 0 && editingId.length > 0
                                         && App.remote.originChanges(editingId, urlField.text)

    function edit(id, name, baseUrl, allowInsecureHttp) {
        editingId = id
        nameField.text = name
        urlField.text = baseUrl
        keyField.text = ""
        insecureBox.checked = allowInsecureHttp
        keyForgotten = false
    }

    Label {
        Layout.fillWidth: true
        visible: App.remote.keysSessionOnly
        wrapMode: Text.Wrap
        text: qsTr("No system keychain is available: keys are kept in memory until Causerie quits, never on disk.")
        color: Theme.colors.warning
    }

    ListView {
        id: list
        objectName: "endpointList"
        Layout.fillWidth: true
        Layout.preferredHeight: Theme.textAreaHeight
        clip: true
        model: App.remote.endpoints
        Accessible.name: qsTr("Endpoints")
        delegate: ItemDelegate {
            id: row
            required property var modelData
            width: ListView.view.width
            text: modelData.name + " — " + modelData.baseUrl
            contentItem: Label {
                objectName: "endpointLabel"
                text: row.text
                textFormat: Text.PlainText
                elide: Text.ElideRight
                verticalAlignment: Text.AlignVCenter
                color: row.highlighted ? row.palette.highlightedText : row.palette.text
            }
            // the page, outside the delegate: Qt 6.4's qmllint cannot see its id.
            highlighted: root.editingId === modelData.id   // qmllint disable unqualified
            // the page, outside the delegate: Qt 6.4's qmllint cannot see its id.
            onClicked: root.edit(modelData.id, modelData.name, modelData.baseUrl, modelData.allowInsecureHttp === true)   // qmllint disable unqualified
        }
    }

    GridLayout {
        columns: 2
        Layout.fillWidth: true
        Label { text: qsTr("Name") }
        TextField {
            id: nameField
            objectName: "endpointNameField"
            Layout.fillWidth: true
            placeholderText: qsTr("Mistral AI")
            Accessible.name: qsTr("Endpoint name")
        }
        Label { text: qsTr("Base URL") }
        TextField {
            id: urlField
            objectName: "endpointUrlField"
            Layout.fillWidth: true
            placeholderText: "https://api.mistral.ai"
            Accessible.name: qsTr("Base URL")
        }
        Label { text: qsTr("API key") }
        TextField {
            id: keyField
            objectName: "endpointKeyField"
            Layout.fillWidth: true
            echoMode: TextInput.Password
            placeholderText: root.keyForgotten || root.urlMovesAway ? qsTr("Enter the key again")
                           : root.editingId.length > 0 ? qsTr("Unchanged") : qsTr("Key (kept in the system keychain)")
            Accessible.name: qsTr("API key")
        }
        Item { width: 1; height: 1 }
        CheckBox {
            id: insecureBox
            objectName: "allowInsecureBox"
            Layout.fillWidth: true
            // Only plain http:// to another computer needs it; the backend decides, this only hides clutter.
            visible: urlField.text.trim().toLowerCase().startsWith("http://") || checked
            text: qsTr("Allow insecure connection (key sent unencrypted)")
            Accessible.name: text
        }
    }

    Label {
        objectName: "keyForgottenNote"
        Layout.fillWidth: true
        visible: root.urlMovesAway || root.keyForgotten
        wrapMode: Text.Wrap
        textFormat: Text.PlainText
        color: Theme.colors.warning
        text: root.keyForgotten
              ? qsTr("The address now points to another server, so its saved API key was forgotten. Enter the key again (none is needed for a local server).")
              : qsTr("This address points to another server (scheme, host or port): saving forgets the saved API key, so enter it again.")
    }

    RowLayout {
        Button {
            objectName: "saveEndpointButton"
            text: root.editingId.length > 0 ? qsTr("Save") : qsTr("Add endpoint")
            enabled: urlField.text.length > 0
            onClicked: {
                const moves = root.urlMovesAway
                const id = App.remote.save(root.editingId, nameField.text.length > 0 ? nameField.text : urlField.text,
                                            urlField.text, keyField.text, insecureBox.checked)
                if (id.length > 0) {
                    root.keyForgotten = moves && keyField.text.length === 0
                    keyField.text = ""
                    root.editingId = id
                }
            }
        }
        Button {
            text: qsTr("New")
            onClicked: root.edit("", "", "", false)
        }
        Button {
            text: qsTr("Remove")
            enabled: root.editingId.length > 0
            onClicked: {
                App.remote.remove(root.editingId)
                root.edit("", "", "", false)
            }
        }
    }
    Item { Layout.fillHeight: true }
}
