import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Settings → Local server: an OpenAI-compatible address on this computer for the user's other
// programs, answered by the model open in the window. Off until the user turns it on; every
// change takes effect at once (App.server restarts it). The key goes to the system keychain.
GridLayout {
    columns: 2
    columnSpacing: Theme.spaceL

    Label {
        Layout.columnSpan: 2
        Layout.fillWidth: true
        text: qsTr("Other programs on this computer (editors, scripts, agents) can use the open model through an OpenAI-compatible address. Nothing listens until you turn it on.")
        wrapMode: Text.Wrap
        opacity: 0.7
    }
    Switch {
        objectName: "serverSwitch"
        Layout.columnSpan: 2
        enabled: App.server.available
        text: qsTr("Run the local server")
        Accessible.name: qsTr("Run the local server")
        checked: App.settings.serverEnabled
        onToggled: App.settings.serverEnabled = checked
    }
    Label {
        objectName: "serverStatus"
        Layout.columnSpan: 2
        Layout.fillWidth: true
        visible: App.server.running
        text: qsTr("Listening at %1 · %n request(s) served", "", App.server.requestCount).arg(App.server.url)
        textFormat: Text.PlainText
        wrapMode: Text.Wrap
    }
    Label {
        objectName: "serverError"
        Layout.columnSpan: 2
        Layout.fillWidth: true
        visible: text.length > 0
        text: App.server.lastError
        textFormat: Text.PlainText
        wrapMode: Text.Wrap
        color: Theme.colors.danger
    }

    Label { text: qsTr("Port") }
    TextField {
        objectName: "serverPort"
        Layout.fillWidth: true
        text: App.settings.serverPort > 0 ? String(App.settings.serverPort) : ""
        placeholderText: qsTr("8080, or the next free port")
        validator: IntValidator { bottom: 0; top: 65535 }
        Accessible.name: qsTr("Port")
        onEditingFinished: App.settings.serverPort = text.length > 0 ? parseInt(text) : 0
    }

    Label { text: qsTr("API key") }
    RowLayout {
        Layout.fillWidth: true
        TextField {
            id: keyField
            objectName: "serverKey"
            Layout.fillWidth: true
            text: App.server.apiKey
            echoMode: showKey.checked ? TextInput.Normal : TextInput.Password
            placeholderText: qsTr("None (only this computer)")
            Accessible.name: qsTr("API key")
            onEditingFinished: App.server.setApiKey(text)
            // Typing breaks the binding above: a generated key must still show.
            Connections {
                target: App.server
                function onApiKeyChanged() { keyField.text = App.server.apiKey }
            }
        }
        Button {
            id: showKey
            checkable: true
            text: checked ? qsTr("Hide") : qsTr("Show")
            Accessible.name: qsTr("Show the API key")
        }
        Button {
            text: qsTr("Generate")
            Accessible.name: qsTr("Generate an API key")
            onClicked: App.server.generateApiKey()
        }
        Button {
            enabled: App.server.apiKey.length > 0
            text: qsTr("Copy")
            Accessible.name: qsTr("Copy the API key")
            onClicked: App.copyText(App.server.apiKey)
        }
    }
    Label {
        Layout.columnSpan: 2
        Layout.fillWidth: true
        visible: App.server.keySessionOnly
        text: qsTr("No system keychain is available: the key is kept in memory until Causerie quits, never on disk.")
        wrapMode: Text.Wrap
        color: Theme.colors.warning
    }

    CheckBox {
        objectName: "serverAllowOthers"
        Layout.columnSpan: 2
        Layout.fillWidth: true
        text: qsTr("Allow other computers on the network (needs an API key)")
        Accessible.name: qsTr("Allow other computers on the network")
        checked: App.settings.serverAllowOthers
        onToggled: App.settings.serverAllowOthers = checked
    }

    Label {
        Layout.alignment: Qt.AlignTop
        text: qsTr("Web pages allowed\n(one origin a line)")
    }
    TextArea {
        objectName: "serverOrigins"
        Layout.fillWidth: true
        Layout.preferredHeight: 60
        // A QStringList is a JS array here; Qt 6.4's qmllint does not know its join().
        text: App.settings.serverAllowedOrigins.join("\n")   // qmllint disable type
        placeholderText: qsTr("None: web pages cannot use the server")
        Accessible.name: qsTr("Web pages allowed to use the server")
        onEditingFinished: App.settings.serverAllowedOrigins = text.split("\n")
    }
    Item { Layout.fillHeight: true; Layout.columnSpan: 2 }
}
