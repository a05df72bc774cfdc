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
    // An example prompt chosen in the empty state: written in the box, not sent.
    function fill(text) {
        editingId = null
        input.text = text
        input.forceActiveFocus()
        input.cursorPosition = input.length
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

    padding: Theme.spaceM
    leftPadding: Theme.spaceXl
    rightPadding: Theme.spaceXl
    background: Rectangle { color: Theme.colors.window }
    // Two children (the drop area, the box): a Pane sizes itself from a single child only, so the
    // height is the box's (without this the composer collapsed under the status line).
    contentHeight: column.implicitHeight

    DropArea {
        anchors.fill: parent
        onDropped: drop => {
            if (App.documents)
                App.documents.attachUrls(drop.urls)
        }
    }

    // The box, as wide as the messages above it at most.
    ColumnLayout {
        id: column
        anchors.horizontalCenter: parent.horizontalCenter
        width: Math.min(parent.width, Theme.readingWidth)
        spacing: Theme.spaceS

        Label {
            visible: root.editingId !== null
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            text: qsTr("Editing a message: sending makes a new version (the old one stays). Esc cancels.")
            color: Theme.colors.textMuted
            font.pixelSize: Theme.fontCaption
        }

        AttachmentChips {
            id: chips
            Layout.fillWidth: true
            documents: App.documents
        }

        RowLayout {
            id: box
            Layout.fillWidth: true
            spacing: Theme.spaceS

            IconButton {
                objectName: "attachButton"
                iconName: "attach"
                text: qsTr("Attach files")
                enabled: App.documents !== null
                onClicked: chips.openFileDialog()
            }

            ScrollView {
                Layout.fillWidth: true
                Layout.maximumHeight: Theme.composerMaxHeight
                TextArea {
                    id: input
                    objectName: "composerInput"
                    placeholderText: App.backendReady ? qsTr("Message (Enter to send, Shift+Enter for a new line)")
                                                      : qsTr("No model is ready yet")
                    wrapMode: TextArea.Wrap
                    selectByMouse: true
                    font.pixelSize: Theme.fontBody
                    color: Theme.colors.text
                    placeholderTextColor: Theme.colors.textMuted
                    leftPadding: Theme.spaceL
                    rightPadding: Theme.spaceL
                    topPadding: Theme.spaceL
                    bottomPadding: Theme.spaceL
                    background: Rectangle {
                        color: Theme.colors.raised
                        radius: Theme.radiusL
                        border.width: input.activeFocus ? Theme.focusWidth : Theme.borderWidth
                        border.color: input.activeFocus ? Theme.colors.focus : Theme.colors.border
                    }
                    Accessible.name: qsTr("Message")
                    onTextChanged: contextTimer.restart()
                    Keys.onPressed: event => {
                        if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter)
                                && !(event.modifiers & Qt.ShiftModifier)) {
                            root.submit()
                            event.accepted = true
                        } else if (event.matches(StandardKey.Paste) && App.documents
                                   && App.documents.pasteFromClipboard()) {
                            event.accepted = true   // a file was on the clipboard: attached
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

            // How full the model's context is; the numbers on hover or focus.
            ContextRing {
                objectName: "contextRing"
                Layout.alignment: Qt.AlignBottom
                Layout.bottomMargin: Theme.spaceS
                visible: App.contextSize > 0
                used: App.contextUsed
                size: App.contextSize
            }

            IconButton {
                objectName: "sendButton"
                Layout.alignment: Qt.AlignBottom
                iconName: App.chat.generating ? "stop" : "send"
                filled: true
                text: App.chat.generating ? qsTr("Stop the answer") : qsTr("Send message")
                shortcutHint: App.chat.generating ? qsTr("Esc") : qsTr("Enter")
                enabled: App.chat.generating || (input.text.trim().length > 0 && App.backendReady)
                onClicked: App.chat.generating ? App.chat.stop() : root.submit()
            }
        }

        // Past the context, the local engine leaves the oldest exchanges out of the prompt.
        Label {
            objectName: "contextLabel"
            Layout.fillWidth: true
            visible: App.contextSize > 0 && App.contextUsed > App.contextSize
            wrapMode: Text.Wrap
            text: qsTr("The oldest messages will be left out of the model's view.")
            color: Theme.colors.danger
            font.pixelSize: Theme.fontCaption
        }

        Timer {
            id: contextTimer
            interval: 300
            onTriggered: App.updateContextUsage(input.text)
        }
    }
}
