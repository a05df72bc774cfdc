import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// One message: Markdown text, its state, and the actions on it (copy, edit, regenerate,
// move between branches, details). An answer from a reasoning model shows its thinking in a
// section above the text: open while the model thinks, folded once the answer begins (unless
// the user opened it), never copied with the answer.
Pane {
    id: root

    required property var messageId
    required property string author
    required property int index
    // The text, held by the answer's segment model, which reads it from the chat's model in C++
    // (sourceModel below): a QML property or binding holding it would copy the whole answer into
    // the script engine on every streamed delta, and a 1 MB answer then costs a garbage
    // collection per delta. Outside a list, it is set here. Nothing below reads it per delta.
    property alias content: answer.markdown
    required property string reasoning
    required property string status
    required property int siblingIndex
    required property int siblingCount
    required property string model
    required property string backend
    required property var promptTokens
    required property var cachedTokens   // of promptTokens, read from the local engine's cache
    required property var completionTokens
    required property var ttftMs
    required property var tokensPerSecond
    required property string finishReason
    required property string errorText

    signal editRequested(var messageId, string text)

    // "3,012" or "3,012 tokens, 3,000 from cache", in the numbers of `locale` (default: the app's).
    function promptTokensText(locale) {
        if (promptTokens === undefined || promptTokens === null)
            return "—"
        const loc = locale || Qt.locale()
        const total = Number(promptTokens).toLocaleString(loc, "f", 0)
        if (cachedTokens === undefined || cachedTokens === null || cachedTokens <= 0)
            return total
        return qsTr("%1 tokens, %2 from cache").arg(total).arg(Number(cachedTokens).toLocaleString(loc, "f", 0))
    }

    readonly property bool isUser: author === "user"
    readonly property bool contentEmpty: answer.empty
    readonly property bool thinking: status === "streaming" && contentEmpty && reasoning.length > 0
    // The chat view showing this message (null outside a list: then the whole answer is made).
    readonly property Item view: ListView.view
    // The user's own choice, once made, wins over the automatic open-while-thinking.
    property var reasoningOpened: undefined
    padding: 12
    // The text once complete: while it streams, each delta would build a string of its whole size.
    Accessible.name: (isUser ? qsTr("You") : qsTr("Assistant")) + (status === "streaming" ? "" : ": " + content)
    background: Rectangle {
        radius: 8
        color: root.isUser ? Qt.rgba(0.5, 0.5, 0.5, 0.12) : "transparent"
        border.color: Qt.rgba(0.5, 0.5, 0.5, 0.2)
    }

    // Stated, because the pane has a second child (the details loader) and would no longer
    // take its size from the column by itself.
    contentWidth: column.implicitWidth
    contentHeight: column.implicitHeight

    ColumnLayout {
        id: column
        width: parent.width
        spacing: 6

        Label {
            text: root.isUser ? qsTr("You") : (root.model.length > 0 ? root.model : qsTr("Assistant"))
            textFormat: Text.PlainText
            font.bold: true
            opacity: 0.7
        }

        ToolButton {
            id: reasoningToggle
            objectName: "reasoningToggle"
            visible: !root.isUser && root.reasoning.length > 0
            readonly property bool expanded: root.reasoningOpened !== undefined ? root.reasoningOpened : root.thinking
            text: (expanded ? "▾ " : "▸ ") + (root.thinking ? qsTr("Thinking…") : qsTr("Thought process"))
            flat: true
            padding: 2
            opacity: 0.75
            font.capitalization: Font.MixedCase   // a disclosure line, not an action button
            Accessible.name: expanded ? qsTr("Hide the model's thinking") : qsTr("Show the model's thinking")
            onClicked: root.reasoningOpened = !expanded
        }

        TextEdit {
            objectName: "reasoningText"
            visible: reasoningToggle.visible && reasoningToggle.expanded
            Layout.fillWidth: true
            Layout.leftMargin: 10
            text: visible ? root.reasoning : ""
            textFormat: TextEdit.PlainText
            wrapMode: TextEdit.Wrap
            readOnly: true
            selectByMouse: true
            color: palette.text
            opacity: 0.7
            selectionColor: palette.highlight
            font.pixelSize: 14
            font.italic: true
            Accessible.name: qsTr("The model's thinking")
            Accessible.role: Accessible.StaticText
            Rectangle {
                x: -8
                width: 2
                height: parent.height
                color: Qt.rgba(0.5, 0.5, 0.5, 0.4)
            }
        }

        TextEdit {
            visible: root.isUser
            Layout.fillWidth: true
            text: root.isUser ? root.content : ""
            textFormat: TextEdit.PlainText
            wrapMode: TextEdit.Wrap
            readOnly: true
            selectByMouse: true
            color: palette.text
            selectionColor: palette.highlight
            font.pixelSize: 15
            Accessible.name: qsTr("Message text")
            Accessible.role: Accessible.StaticText
        }

        // An answer: Markdown prose, and each code block in its own box with a copy button.
        // Only the piece that changed is parsed and laid out again while the answer streams, and
        // only the pieces within a screen of what the chat view shows have items.
        AnswerSegments {
            id: answer
            objectName: "answerSegments"
            Layout.fillWidth: true
            visible: !root.isUser
            // ListView.view is an ItemView, a type Qt 6.4 does not give QML.
            sourceModel: root.view && typeof root.view.model === "object" ? root.view.model : null   // qmllint disable type
            sourceRow: root.index
            sourceRole: "content"
            active: !root.isUser   // a user's text is shown plain, above
            // The view's rectangle, one screen more above and below, in this item's coordinates
            // (the pane's content item starts at its top padding).
            readonly property real offset: root.y + root.topPadding + y
            // ListView.view is an ItemView, a type Qt 6.4 does not give QML.
            viewTop: root.view ? root.view.contentY - root.view.height - offset : -Infinity   // qmllint disable type
            // ListView.view is an ItemView, a type Qt 6.4 does not give QML.
            viewBottom: root.view ? root.view.contentY + 2 * root.view.height - offset : Infinity   // qmllint disable type
        }

        BusyIndicator {
            visible: root.status === "streaming" && root.contentEmpty && root.reasoning.length === 0
            running: visible
            Layout.preferredHeight: 24
            Layout.preferredWidth: 24
        }

        Label {
            Layout.fillWidth: true
            visible: root.status === "error" || root.status === "interrupted" || root.status === "cancelled"
            objectName: "errorText"
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            color: root.status === "error" ? "#c0392b" : palette.text
            opacity: root.status === "error" ? 1 : 0.6
            text: root.status === "error" ? root.errorText
                : root.status === "interrupted" ? qsTr("This answer was interrupted when Causerie closed.")
                : qsTr("Stopped.")
        }

        RowLayout {
            spacing: 2
            visible: root.status !== "streaming"

            ToolButton {
                visible: root.siblingCount > 1
                text: "‹"
                enabled: root.siblingIndex > 0
                Accessible.name: qsTr("Previous version")
                onClicked: App.chat.showSibling(root.messageId, -1)
            }
            Label {
                visible: root.siblingCount > 1
                text: qsTr("%1/%2").arg(root.siblingIndex + 1).arg(root.siblingCount)
            }
            ToolButton {
                visible: root.siblingCount > 1
                text: "›"
                enabled: root.siblingIndex + 1 < root.siblingCount
                Accessible.name: qsTr("Next version")
                onClicked: App.chat.showSibling(root.messageId, 1)
            }
            ToolButton {
                text: qsTr("Copy")
                Accessible.name: qsTr("Copy message")
                onClicked: App.copyText(root.content)
            }
            ToolButton {
                visible: root.isUser
                text: qsTr("Edit")
                enabled: !App.chat.generating
                Accessible.name: qsTr("Edit message")
                onClicked: root.editRequested(root.messageId, root.content)
            }
            ToolButton {
                visible: !root.isUser
                text: qsTr("Regenerate")
                enabled: !App.chat.generating && App.backendReady
                Accessible.name: qsTr("Regenerate answer")
                onClicked: App.chat.regenerate(root.messageId)
            }
            // Read aloud (App.readAloud): the answer's plain text, stoppable; says why when unavailable.
            IconButton {
                objectName: "readAloudButton"
                // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
                readonly property bool reading: App.readAloud.messageId === root.messageId   // qmllint disable type
                visible: !root.isUser && root.status !== "error"
                iconName: reading ? "stop" : "read-aloud"
                text: reading ? qsTr("Stop reading")
                    : App.readAloud.state === ReadAloud.Unavailable ? App.readAloud.unavailableReason
                    : qsTr("Read aloud")
                onClicked: App.readAloud.toggle(root.messageId, root.content)
            }
            ToolButton {
                visible: !root.isUser && root.status !== "error"
                text: qsTr("Details")
                Accessible.name: qsTr("Answer details")
                // a Loader's item is a QObject to qmllint; here the Popup below.
                onClicked: { detailsLoader.active = true; detailsLoader.item.open() }   // qmllint disable type
            }
        }
    }

    // Created on first use: one popup per message would cost every new message its creation time.
    // Qt 6.4's qmllint cannot see `root` from inside the Component (it is in scope: the QML context).
    // qmllint disable unqualified
    Loader {
        id: detailsLoader
        active: false
        sourceComponent: Component {
            Popup {
                padding: 12
                GridLayout {
                    columns: 2
                    columnSpacing: 12
                    Label { text: qsTr("Model"); opacity: 0.7 }
                    Label { text: root.model.length > 0 ? root.model : "—"; textFormat: Text.PlainText }
                    Label { text: qsTr("Backend"); opacity: 0.7 }
                    Label { text: root.backend.length > 0 ? root.backend : "—"; textFormat: Text.PlainText }
                    Label { text: qsTr("Prompt tokens"); opacity: 0.7 }
                    Label {
                        objectName: "promptTokensText"
                        text: root.promptTokensText()
                    }
                    Label { text: qsTr("Answer tokens"); opacity: 0.7 }
                    Label { text: root.completionTokens !== undefined ? root.completionTokens : "—" }
                    Label { text: qsTr("Time to first token"); opacity: 0.7 }
                    Label { text: root.ttftMs !== undefined ? qsTr("%1 ms").arg(Math.round(root.ttftMs)) : "—" }
                    Label { text: qsTr("Speed"); opacity: 0.7 }
                    Label { text: root.tokensPerSecond !== undefined ? qsTr("%1 tokens/s").arg(root.tokensPerSecond.toFixed(1)) : "—" }
                    Label { text: qsTr("Finish reason"); opacity: 0.7 }
                    Label { text: root.finishReason.length > 0 ? root.finishReason : "—"; textFormat: Text.PlainText }
                }
            }
        }
    }
    // qmllint enable unqualified
}
