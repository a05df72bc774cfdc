import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// A new conversation: what to do first, and a few example prompts; choosing one writes it in
// the composer (promptChosen), it is not sent.
ColumnLayout {
    id: root

    signal promptChosen(string text)

    // [title, prompt]: short enough to read at a glance, concrete enough to try a model on.
    readonly property var examples: [
        [qsTr("Explain"), qsTr("Explain how a language model predicts the next word, in simple terms.")],
        [qsTr("Write code"), qsTr("Write a Python function that removes duplicate lines from a file and keeps their order.")],
        [qsTr("Summarise"), qsTr("Summarise the text I paste next in five bullet points.")],
        [qsTr("Translate"), qsTr("Translate into French: “The meeting moves to Thursday at 10 a.m.”")]
    ]

    spacing: Theme.spaceL

    Label {
        Layout.alignment: Qt.AlignHCenter
        text: qsTr("Causerie")
        font.pixelSize: Theme.fontDisplay
        font.weight: Font.DemiBold
        color: Theme.colors.text
    }
    Label {
        objectName: "emptyStateHint"
        Layout.alignment: Qt.AlignHCenter
        Layout.maximumWidth: Theme.readingWidth
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.Wrap
        text: App.backendReady ? qsTr("Ask anything. Your conversations stay on this computer.")
            : !App.conversationRemote ? qsTr("Open a model file (.gguf) to start, or choose a remote endpoint.")
            : qsTr("Choose a model for this endpoint above.")
        color: Theme.colors.textMuted
        font.pixelSize: Theme.fontBody
    }

    GridLayout {
        Layout.alignment: Qt.AlignHCenter
        Layout.topMargin: Theme.spaceXl
        columns: 2
        rowSpacing: Theme.spaceM
        columnSpacing: Theme.spaceM

        Repeater {
            model: root.examples
            delegate: ItemDelegate {
                id: card
                required property var modelData
                required property int index
                objectName: "examplePrompt" + index
                Layout.preferredWidth: Theme.promptCardWidth
                Layout.fillHeight: true
                padding: Theme.spaceL
                focusPolicy: Qt.StrongFocus
                text: modelData[1]
                Accessible.name: modelData[0] + ": " + modelData[1]
                Accessible.role: Accessible.Button
                background: Rectangle {
                    radius: Theme.radiusM
                    color: card.hovered || card.down ? Theme.colors.hover : Theme.colors.raised
                    border.width: card.visualFocus ? Theme.focusWidth : Theme.borderWidth
                    border.color: card.visualFocus ? Theme.colors.focus : Theme.colors.border
                }
                contentItem: ColumnLayout {
                    spacing: Theme.spaceXs
                    Label {
                        text: card.modelData[0]
                        font.pixelSize: Theme.fontSmall
                        font.weight: Font.DemiBold
                        color: Theme.colors.text
                    }
                    Label {
                        Layout.fillWidth: true
                        text: card.modelData[1]
                        wrapMode: Text.Wrap
                        font.pixelSize: Theme.fontSmall
                        color: Theme.colors.textMuted
                    }
                }
                // the column, outside its delegate: Qt 6.4's qmllint cannot see its id.
                onClicked: root.promptChosen(card.modelData[1])   // qmllint disable unqualified
            }
        }
    }
}
