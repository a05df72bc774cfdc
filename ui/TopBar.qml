import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// The conversation's backend (the local model or a remote endpoint + model), the local model,
// and the settings.
Pane {
    id: root
    padding: Theme.spaceS
    background: Rectangle {
        color: Theme.colors.window
        Rectangle {
            anchors.bottom: parent.bottom
            width: parent.width
            height: Theme.borderWidth
            color: Theme.colors.border
        }
    }

    signal openModels()
    signal openCatalog()
    signal openModelFile()
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
            property bool elisionIntended: true   // endpoint names and model ids are data
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
        anchors.leftMargin: Theme.spaceM
        anchors.rightMargin: Theme.spaceM
        spacing: Theme.spaceS

        ComboBox {
            id: backendBox
            objectName: "backendBox"
            Layout.preferredWidth: Theme.backendBoxWidth
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
            Layout.maximumWidth: Theme.originWidth
            text: App.conversationOrigin
            textFormat: Text.PlainText
            elide: Text.ElideRight
            property bool elisionIntended: true   // the full origin is in the tooltip
            color: Theme.colors.textMuted
            font.pixelSize: Theme.fontCaption
            HoverHandler { id: originHover }
            PlainToolTip {
                visible: originHover.hovered
                text: qsTr("Imported. Causerie answers it with the backend chosen on the left, never with this one unless you choose it.")
            }
        }

        ComboBox {
            id: remoteModelBox
            visible: root.remote
            Layout.preferredWidth: Theme.remoteModelBoxWidth
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

        // The local model, and a menu to change it: recent files, the catalog, any file.
        ToolButton {
            id: modelButton
            objectName: "localModelButton"
            visible: !root.remote
            Layout.maximumWidth: Theme.modelButtonWidth
            text: App.model.state === LocalModel.Loading ? qsTr("Loading model…")
                : App.model.state === LocalModel.Ready ? App.model.name
                : qsTr("Choose a model")
            // The name comes from the model file: shown as written.
            contentItem: RowLayout {
                spacing: Theme.spaceM
                BusyIndicator {
                    Layout.preferredWidth: Theme.iconSize
                    Layout.preferredHeight: Theme.iconSize
                    running: App.model.state === LocalModel.Loading
                    visible: running
                }
                ThemeIcon {
                    visible: App.model.state !== LocalModel.Loading
                    iconName: "model"
                }
                Label {
                    Layout.fillWidth: true
                    text: modelButton.text
                    textFormat: Text.PlainText
                    elide: Text.ElideRight
                    objectName: "modelNameLabel"
                    property bool elisionIntended: true   // a model's name can be any length
                    font.pixelSize: Theme.fontSmall
                    font.weight: Font.DemiBold
                    color: Theme.colors.text
                }
                ThemeIcon { iconName: "expand" }
            }
            Accessible.name: qsTr("Local model: %1").arg(text)
            ToolTip.visible: hovered
            ToolTip.delay: Theme.tooltipDelay
            ToolTip.text: qsTr("Choose the model")
            onClicked: modelPicker.open()

            ModelPicker {
                id: modelPicker
                objectName: "modelPicker"
                y: modelButton.height
                onOpenDetails: root.openModels()
                onOpenCatalog: root.openCatalog()
                onOpenFile: root.openModelFile()
            }
        }

        Item { Layout.fillWidth: true }

        IconButton {
            objectName: "conversationSettingsButton"
            iconName: "options"
            text: qsTr("Options of this conversation")
            shortcutHint: "Ctrl+Shift+O"
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
