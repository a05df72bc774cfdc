import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Scrolled inside the settings dialog when taller than it (French and long notes wrap).
ScrollView {
    id: root
    contentWidth: availableWidth
    clip: true

    GridLayout {
        width: root.availableWidth
        columns: 2
        columnSpacing: Theme.spaceL

        Label { text: qsTr("Context size (0 = the model's, at most 4096)") }
        SpinBox {
            from: 0; to: 131072; stepSize: 512
            value: App.settings.contextSize
            editable: true
            Accessible.name: qsTr("Context size")
            onValueModified: App.settings.contextSize = value
        }
        Label { text: qsTr("Device") }
        ComboBox {
            model: [{ key: "auto", name: qsTr("Automatic") }, { key: "cpu", name: qsTr("CPU") }, { key: "cuda", name: qsTr("NVIDIA GPU") }]
            textRole: "name"
            valueRole: "key"
            currentIndex: Math.max(0, indexOfValue(App.settings.device))
            Accessible.name: qsTr("Device")
            onActivated: App.settings.device = currentValue
        }
        Label { text: qsTr("GPU layers (-1 = as many as fit)") }
        SpinBox {
            from: -1; to: 200
            value: App.settings.gpuLayers
            editable: true
            Accessible.name: qsTr("GPU layers")
            onValueModified: App.settings.gpuLayers = value
        }
        Label { text: qsTr("KV cache precision") }
        ComboBox {
            objectName: "kvType"
            model: [{ key: "f16", name: qsTr("F16") }, { key: "q8_0", name: qsTr("Q8_0 (half the memory)") }]
            textRole: "name"
            valueRole: "key"
            currentIndex: Math.max(0, indexOfValue(App.settings.kvType))
            Accessible.name: qsTr("KV cache precision")
            onActivated: App.settings.kvType = currentValue
        }
        Label {
            Layout.columnSpan: 2
            Layout.fillWidth: true
            text: qsTr("Q8_0 keeps the conversation in half the memory, with answers that may differ slightly; models whose attention heads are not multiples of 32 values keep F16.")
            wrapMode: Text.Wrap
            color: Theme.colors.textMuted
        }
        Label { text: qsTr("CPU threads (0 = automatic: all cores but one)") }
        SpinBox {
            from: 0; to: 256
            value: App.settings.threads
            editable: true
            Accessible.name: qsTr("CPU threads")
            onValueModified: App.settings.threads = value
        }
        Label {
            Layout.columnSpan: 2
            Layout.fillWidth: true
            text: qsTr("These take effect the next time a model is opened.")
            wrapMode: Text.Wrap
            color: Theme.colors.textMuted
        }
        Button {
            Layout.columnSpan: 2
            visible: App.model.state === LocalModel.Ready
            enabled: !App.chat.generating
            text: qsTr("Reopen the model with these settings")
            Accessible.name: qsTr("Reopen the model with these settings")
            onClicked: App.model.openPath(App.model.path)
        }

        // Saved conversation states: a conversation resumes without reading its history again.
        Label {
            Layout.columnSpan: 2
            Layout.fillWidth: true
            Layout.topMargin: Theme.spaceL
            text: qsTr("Conversations are saved as the model read them, so they resume at once after a switch or a restart.")
            wrapMode: Text.Wrap
            color: Theme.colors.textMuted
        }
        CheckBox {
            id: contextShiftBox
            objectName: "contextShift"
            Layout.columnSpan: 2
            Layout.fillWidth: true
            // A sentence: wrapped, where the style's own label would cut it.
            contentItem: Label {
                leftPadding: contextShiftBox.indicator.width + contextShiftBox.spacing
                text: contextShiftBox.text
                wrapMode: Text.Wrap
                verticalAlignment: Text.AlignVCenter
            }
            text: qsTr("When old messages no longer fit, keep what the model read of the rest (faster; answers may differ slightly from reading it again)")
            Accessible.name: qsTr("Keep what the model read when old messages no longer fit")
            checked: App.settings.contextShift
            onToggled: App.settings.contextShift = checked
        }
        Label { text: qsTr("Cache size limit (MiB, 0 = keep none)") }
        SpinBox {
            objectName: "cacheBudget"
            from: 0; to: 1048576; stepSize: 256
            value: App.settings.cacheBudgetMiB
            editable: true
            Accessible.name: qsTr("Cache size limit")
            onValueModified: App.settings.cacheBudgetMiB = value
        }
        Label {
            objectName: "cacheSize"
            text: qsTr("Cache: %1").arg(App.kvCache.sizeText)
        }
        RowLayout {
            Button {
                objectName: "clearCache"
                text: qsTr("Clear cache")
                Accessible.name: qsTr("Clear cache")
                onClicked: App.kvCache.clear()
            }
            Label {
                objectName: "cacheStatus"
                text: App.kvCache.status
                textFormat: Text.PlainText
            }
        }
        Item { Layout.fillHeight: true; Layout.columnSpan: 2 }
    }
}
