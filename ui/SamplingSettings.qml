import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Sampling values of `target`: the app's defaults (App.settings) or one conversation's own
// (App.conversationOptions); both have the same property names.
ScrollView {
    id: root
    property var target: App.settings   // AppSettings or ConversationOptions: any object with these properties
    property bool showSystemPrompt: true
    contentWidth: availableWidth
    clip: true   // taller than the dialog: scrolled inside it, not drawn past it

    GridLayout {
        width: parent.width
        columns: 2
        columnSpacing: Theme.spaceL

        Label { text: qsTr("Temperature") }
        SpinBox {
            from: 0; to: 200; stepSize: 5
            value: Math.round(root.target.temperature * 100)
            textFromValue: v => (v / 100).toFixed(2)
            valueFromText: t => Math.round(parseFloat(t) * 100)
            editable: true
            Accessible.name: qsTr("Temperature")
            onValueModified: root.target.temperature = value / 100
        }
        Label { text: qsTr("Top-p") }
        SpinBox {
            from: 1; to: 100
            value: Math.round(root.target.topP * 100)
            textFromValue: v => (v / 100).toFixed(2)
            valueFromText: t => Math.round(parseFloat(t) * 100)
            editable: true
            Accessible.name: qsTr("Top-p")
            onValueModified: root.target.topP = value / 100
        }
        Label { text: qsTr("Top-k (0 = off)") }
        SpinBox {
            from: 0; to: 1000
            value: root.target.topK
            editable: true
            Accessible.name: qsTr("Top-k")
            onValueModified: root.target.topK = value
        }
        Label { text: qsTr("Min-p") }
        SpinBox {
            from: 0; to: 100
            value: Math.round(root.target.minP * 100)
            textFromValue: v => (v / 100).toFixed(2)
            valueFromText: t => Math.round(parseFloat(t) * 100)
            editable: true
            Accessible.name: qsTr("Min-p")
            onValueModified: root.target.minP = value / 100
        }
        Label { text: qsTr("Repetition penalty") }
        SpinBox {
            from: 100; to: 200; stepSize: 5
            value: Math.round(root.target.repeatPenalty * 100)
            textFromValue: v => (v / 100).toFixed(2)
            valueFromText: t => Math.round(parseFloat(t) * 100)
            editable: true
            Accessible.name: qsTr("Repetition penalty")
            onValueModified: root.target.repeatPenalty = value / 100
        }
        Label { text: qsTr("Maximum answer length (0 = no limit)") }
        SpinBox {
            from: 0; to: 100000; stepSize: 64
            value: root.target.maxTokens
            editable: true
            Accessible.name: qsTr("Maximum answer length")
            onValueModified: root.target.maxTokens = value
        }
        Label { text: qsTr("Seed (-1 = random)") }
        SpinBox {
            from: -1; to: 2147483647
            value: root.target.seed
            editable: true
            Accessible.name: qsTr("Seed")
            onValueModified: root.target.seed = value
        }
        Label {
            visible: root.showSystemPrompt
            text: qsTr("Default system prompt")
            Layout.alignment: Qt.AlignTop
        }
        TextArea {
            visible: root.showSystemPrompt
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.textAreaHeight
            text: root.target.systemPrompt
            wrapMode: TextArea.Wrap
            Accessible.name: qsTr("Default system prompt")
            Accessible.description: promptHint.text
            onEditingFinished: root.target.systemPrompt = text
        }
        // Under the field rather than as its placeholder, which would be cut off on one line.
        Item { visible: root.showSystemPrompt; Layout.preferredWidth: 1 }
        Label {
            id: promptHint
            visible: root.showSystemPrompt
            Layout.fillWidth: true
            text: qsTr("Instructions given to the model before every conversation")
            wrapMode: Text.Wrap
            color: Theme.colors.textMuted
            font.pixelSize: Theme.fontCaption
        }
    }
}
