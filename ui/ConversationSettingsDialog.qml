import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// The open conversation's own system prompt and answer settings. Unchecked, a conversation
// follows the defaults from Settings; checked, it keeps its own values (stored with it, used by
// whichever backend answers it).
Dialog {
    id: root
    background: DialogBackground {}
    // The title on the dialog's own surface (the style paints it in its dialog colour).
    header: Label {
        text: root.title
        padding: Theme.spaceXl
        bottomPadding: 0
        font.pixelSize: Theme.fontTitle
        font.weight: Font.DemiBold
        color: Theme.colors.text
    }

    readonly property ConversationOptions options: App.conversationOptions
    // Qwen3's thinking switch: only for a local model whose template has it.
    property bool showThinking: !App.conversationRemote && App.model.thinkingSwitch

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: Math.min(parent.width * 0.9, 620)
    height: Math.min(parent.height * 0.9, 640)
    modal: true
    title: qsTr("This conversation")
    standardButtons: Dialog.Close

    // Text typed in the prompt is kept even when the dialog is closed without leaving the field.
    onClosed: if (root.options.customSystemPrompt && promptArea.text !== root.options.systemPrompt)
                  root.options.systemPrompt = promptArea.text

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spaceM

        CheckBox {
            id: ownPrompt
            objectName: "ownSystemPrompt"
            text: qsTr("Use a system prompt of its own")
            checked: root.options.customSystemPrompt
            Accessible.name: qsTr("Use a system prompt of its own")
            onToggled: root.options.customSystemPrompt = checked
        }
        ScrollView {
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.textAreaHeight
            TextArea {
                id: promptArea
                objectName: "conversationSystemPrompt"
                enabled: root.options.customSystemPrompt
                text: root.options.systemPrompt
                wrapMode: TextArea.Wrap
                placeholderText: root.options.customSystemPrompt ? qsTr("No system prompt in this conversation")
                                                                 : qsTr("The default system prompt is empty")
                Accessible.name: qsTr("System prompt of this conversation")
                onEditingFinished: if (root.options.customSystemPrompt) root.options.systemPrompt = text
            }
        }

        CheckBox {
            objectName: "thinking"
            visible: root.showThinking
            text: qsTr("Think before answering")
            checked: root.options.thinking
            Accessible.name: qsTr("Think before answering")
            onToggled: root.options.thinking = checked
        }
        CheckBox {
            id: ownSampling
            objectName: "ownSampling"
            text: qsTr("Use answer settings of its own")
            checked: root.options.customSampling
            Accessible.name: qsTr("Use answer settings of its own")
            onToggled: root.options.customSampling = checked
        }
        SamplingSettings {
            Layout.fillWidth: true
            Layout.fillHeight: true
            target: root.options
            showSystemPrompt: false
            enabled: root.options.customSampling
        }
        Label {
            visible: libraryRepeater.count > 0
            text: qsTr("Search these libraries")
        }
        Repeater {
            id: libraryRepeater
            model: App.documents && App.documents.libraries ? App.documents.libraries.names : []
            delegate: CheckBox {
                id: libraryBox
                required property string modelData
                text: libraryBox.modelData
                // The file's ids inside a delegate: Qt 6.4 has no ComponentBehavior: Bound.
                checked: root.options.libraries.indexOf(libraryBox.modelData) >= 0   // qmllint disable unqualified
                // As above.
                onToggled: root.options.setLibraryTicked(libraryBox.modelData, libraryBox.checked)   // qmllint disable unqualified
            }
        }
        Label {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            color: Theme.colors.textMuted
            text: qsTr("Unchecked, this conversation follows the defaults in Settings. The changes apply from the next answer.")
        }
    }
}
