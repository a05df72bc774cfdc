import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

ScrollView {
    contentWidth: availableWidth

    GridLayout {
        width: parent.width
        columns: 2
        columnSpacing: 12

        Label { text: qsTr("Temperature") }
        SpinBox {
            from: 0; to: 200; stepSize: 5
            value: Math.round(App.settings.temperature * 100)
            textFromValue: v => (v / 100).toFixed(2)
            valueFromText: t => Math.round(parseFloat(t) * 100)
            editable: true
            Accessible.name: qsTr("Temperature")
            onValueModified: App.settings.temperature = value / 100
        }
        Label { text: qsTr("Top-p") }
        SpinBox {
            from: 1; to: 100
            value: Math.round(App.settings.topP * 100)
            textFromValue: v => (v / 100).toFixed(2)
            valueFromText: t => Math.round(parseFloat(t) * 100)
            editable: true
            Accessible.name: qsTr("Top-p")
            onValueModified: App.settings.topP = value / 100
        }
        Label { text: qsTr("Top-k (0 = off)") }
        SpinBox {
            from: 0; to: 1000
            value: App.settings.topK
            editable: true
            Accessible.name: qsTr("Top-k")
            onValueModified: App.settings.topK = value
        }
        Label { text: qsTr("Min-p") }
        SpinBox {
            from: 0; to: 100
            value: Math.round(App.settings.minP * 100)
            textFromValue: v => (v / 100).toFixed(2)
            valueFromText: t => Math.round(parseFloat(t) * 100)
            editable: true
            Accessible.name: qsTr("Min-p")
            onValueModified: App.settings.minP = value / 100
        }
        Label { text: qsTr("Repetition penalty") }
        SpinBox {
            from: 100; to: 200; stepSize: 5
            value: Math.round(App.settings.repeatPenalty * 100)
            textFromValue: v => (v / 100).toFixed(2)
            valueFromText: t => Math.round(parseFloat(t) * 100)
            editable: true
            Accessible.name: qsTr("Repetition penalty")
            onValueModified: App.settings.repeatPenalty = value / 100
        }
        Label { text: qsTr("Maximum answer length (0 = no limit)") }
        SpinBox {
            from: 0; to: 100000; stepSize: 64
            value: App.settings.maxTokens
            editable: true
            Accessible.name: qsTr("Maximum answer length")
            onValueModified: App.settings.maxTokens = value
        }
        Label { text: qsTr("Seed (-1 = random)") }
        SpinBox {
            from: -1; to: 2147483647
            value: App.settings.seed
            editable: true
            Accessible.name: qsTr("Seed")
            onValueModified: App.settings.seed = value
        }
        Label {
            text: qsTr("Default system prompt")
            Layout.alignment: Qt.AlignTop
        }
        TextArea {
            Layout.fillWidth: true
            Layout.preferredHeight: 100
            text: App.settings.systemPrompt
            wrapMode: TextArea.Wrap
            placeholderText: qsTr("Instructions given to the model before every conversation")
            Accessible.name: qsTr("Default system prompt")
            onEditingFinished: App.settings.systemPrompt = text
        }
    }
}
