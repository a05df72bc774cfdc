import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Where the user writes: Enter sends, Shift+Enter makes a new line, Up in an empty box edits the
// last message. Shows how much of the model's context the conversation uses.
Pane {
    id: root

    signal editLastRequested()

    property var editingId: null

    function focusInput() {
        input.forceActiveFocus()
    }
    function startEdit(messageId, text) {
        editingId = messageId
        input.text = text
        input.forceActiveFocus()
        input.cursorPosition = input.length
    }
    function submit() {
        const text = input.text
        if (text.trim().length === 0 || !App.backendReady || App.chat.generating)
            return
        const ok = editingId !== null ? App.chat.editMessage(editingId, text) : App.chat.send(text)
        if (ok) {
            input.text = ""
            editingId = null
        }
    }

    padding: 8

    ColumnLayout {
        anchors.fill: parent
        spacing: 4

        Label {
            visible: root.editingId !== null
            text: qsTr("Editing a message: sending makes a new version (the old one stays). Esc cancels.")
            opacity: 0.7
            font.pixelSize: 12
        }

        RowLayout {
            Layout.fillWidth: true

            ScrollView {
                Layout.fillWidth: true
                Layout.maximumHeight: 200
                TextArea {
                    id: input
                    objectName: "composerInput"
                    placeholderText: App.backendReady ? qsTr("Message (Enter to send, Shift+Enter for a new line)")
                                                      : qsTr("No model is ready yet")
                    wrapMode: TextArea.Wrap
                    selectByMouse: true
                    Accessible.name: qsTr("Message")
                    onTextChanged: contextTimer.restart()
                    Keys.onPressed: event => {
                        if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter)
                                && !(event.modifiers & Qt.ShiftModifier)) {
                            root.submit()
                            event.accepted = true
                        } else if (event.key === Qt.Key_Up && input.length === 0) {
                            root.editLastRequested()
                            event.accepted = true
                        } else if (event.key === Qt.Key_Tab || event.key === Qt.Key_Backtab) {
                            // Tab leaves the composer (no keyboard trap); the focus chain goes on.
                            input.nextItemInFocusChain(event.key === Qt.Key_Tab).forceActiveFocus(Qt.TabFocusReason)
                            event.accepted = true
                        } else if (event.key === Qt.Key_Escape && root.editingId !== null) {
                            root.editingId = null
                            input.text = ""
                            event.accepted = true
                        }
                    }
                }
            }

            Button {
                text: App.chat.generating ? qsTr("Stop") : qsTr("Send")
                highlighted: !App.chat.generating
                enabled: App.chat.generating || (input.text.trim().length > 0 && App.backendReady)
                Accessible.name: App.chat.generating ? qsTr("Stop the answer") : qsTr("Send message")
                onClicked: App.chat.generating ? App.chat.stop() : root.submit()
            }
        }

        Label {
            objectName: "contextLabel"
            Layout.fillWidth: true
            visible: App.contextSize > 0
            wrapMode: Text.Wrap
            // Past the context, the local engine leaves the oldest exchanges out of the prompt.
            text: qsTr("Context: %1 of %2 tokens").arg(App.contextUsed.toLocaleString(Qt.locale(), 'f', 0))
                                                   .arg(App.contextSize.toLocaleString(Qt.locale(), 'f', 0))
                  + (App.contextUsed > App.contextSize
                     ? " — " + qsTr("the oldest messages will be left out of the model's view") : "")
            color: App.contextUsed > App.contextSize * 0.9 ? "#c0392b" : palette.text
            opacity: 0.6
            font.pixelSize: 12
        }

        Timer {
            id: contextTimer
            interval: 300
            onTriggered: App.updateContextUsage(input.text)
        }
    }
}
