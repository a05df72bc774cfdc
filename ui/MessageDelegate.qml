import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
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
    // The actions show on hover and keyboard focus, and always under the latest answer; hidden
    // ones keep their place (nothing moves) and stay in the Tab order.
    readonly property bool isLatest: view ? index === view.count - 1 : true   // qmllint disable type
    // A Loader's item is a QObject to qmllint; here the row of actions below.
    readonly property bool actionsFocused: actionsLoader.item ? actionsLoader.item.focusInside : false   // qmllint disable type
    readonly property bool actionsShown: hover.hovered || actionsFocused || (isLatest && !isUser)
    // Whether the row of actions is made: from the first time it shows (hover, keyboard, the
    // latest answer) on, never while the answer streams. Until then its place holds one stop in
    // the Tab order, which makes it and moves into it: a new message makes none of its buttons
    // (with the popups and tooltips they bring, ~60 objects, a third of a message's cost at the
    // start of an answer, bench_gui_stall --delegates).
    property bool actionsMade: false
    onActionsShownChanged: if (actionsShown) actionsMade = true
    Component.onCompleted: if (actionsShown) actionsMade = true
    // An answer that cites passages (documents): asked again when its state changes, as they
    // are stored before it ends. The list is made only for those that have some.
    readonly property bool hasSources: !isUser && !!App.documents && status.length > 0
                                       && App.documents.sourcesFor(messageId).length > 0
    readonly property bool ended: status === "error" || status === "interrupted" || status === "cancelled"
    // The column of text: centred, at most a comfortable reading width.
    padding: 0
    leftPadding: Math.max(Theme.spaceXl, (width - Theme.readingWidth) / 2)
    rightPadding: leftPadding
    // The text once complete: while it streams, each delta would build a string of its whole size.
    Accessible.name: (isUser ? qsTr("You") : qsTr("Assistant")) + (status === "streaming" ? "" : ": " + content)
    background: null
    HoverHandler { id: hover }

    // Stated, because the pane has a second child (the details loader) and would no longer
    // take its size from the column by itself.
    contentWidth: column.implicitWidth
    contentHeight: column.implicitHeight

    // What only some messages show is made only for them (a Loader each): a user's bubble, an
    // answer's thinking, sources, end state; a message is made on the GUI thread in one go, at
    // the start of an answer for the last two.
    // The Components below: Qt 6.4's qmllint cannot see that `root`, `column` and the ids of
    // this file are in scope inside them (they are: the QML context; Qt 6.5's
    // "pragma ComponentBehavior: Bound" makes it checkable).
    // qmllint disable unqualified
    ColumnLayout {
        id: column
        width: parent.width
        spacing: Theme.spaceS

        // The answer's author: the model's name (the user's messages are the bubbles on the right).
        Label {
            objectName: "authorLabel"
            visible: !root.isUser
            Layout.fillWidth: true
            text: root.model.length > 0 ? root.model : qsTr("Assistant")
            textFormat: Text.PlainText
            elide: Text.ElideRight
            property bool elisionIntended: true   // a model's name can be any length
            font.pixelSize: Theme.fontSmall
            font.weight: Font.DemiBold
            color: Theme.colors.textMuted
        }

        // The model's thinking: a disclosure line and, when open, the text.
        Loader {
            objectName: "reasoningSection"
            active: !root.isUser && root.reasoning.length > 0
            visible: active
            Layout.fillWidth: true
            sourceComponent: Component {
                ColumnLayout {
                    spacing: Theme.spaceS
                    ToolButton {
                        id: reasoningToggle
                        objectName: "reasoningToggle"
                        readonly property bool expanded: root.reasoningOpened !== undefined ? root.reasoningOpened
                                                                                            : root.thinking
                        text: (expanded ? "▾ " : "▸ ") + (root.thinking ? qsTr("Thinking…") : qsTr("Thought process"))
                        flat: true
                        padding: Theme.spaceXs
                        font.capitalization: Font.MixedCase   // a disclosure line, not an action button
                        font.pixelSize: Theme.fontSmall
                        Material.foreground: Theme.colors.textMuted
                        Accessible.name: expanded ? qsTr("Hide the model's thinking") : qsTr("Show the model's thinking")
                        onClicked: root.reasoningOpened = !expanded
                    }

                    TextEdit {
                        objectName: "reasoningText"
                        visible: reasoningToggle.expanded
                        Layout.fillWidth: true
                        Layout.leftMargin: Theme.spaceL
                        text: visible ? root.reasoning : ""
                        textFormat: TextEdit.PlainText
                        wrapMode: TextEdit.Wrap
                        readOnly: true
                        selectByMouse: true
                        color: Theme.colors.textMuted
                        selectionColor: Theme.colors.selection
                        selectedTextColor: Theme.colors.text
                        font.pixelSize: Theme.fontSmall
                        font.italic: true
                        Accessible.name: qsTr("The model's thinking")
                        Accessible.role: Accessible.StaticText
                        Rectangle {
                            x: -Theme.spaceM
                            width: Theme.focusWidth
                            height: parent.height
                            color: Theme.colors.border
                        }
                    }
                }
            }
        }

        // The user's message: a bubble on the right, as wide as its text (at most 80 %).
        Loader {
            active: root.isUser
            visible: active
            Layout.alignment: Qt.AlignRight
            sourceComponent: Component {
                Rectangle {
                    objectName: "userBubble"
                    implicitWidth: Math.min(userText.implicitWidth, column.width * 0.8 - 2 * Theme.spaceL)
                                   + 2 * Theme.spaceL
                    implicitHeight: userText.height + 2 * Theme.spaceM
                    radius: Theme.radiusL
                    color: Theme.colors.bubble
                    TextEdit {
                        id: userText
                        x: Theme.spaceL
                        y: Theme.spaceM
                        width: parent.width - 2 * Theme.spaceL
                        text: root.content
                        textFormat: TextEdit.PlainText
                        wrapMode: TextEdit.Wrap
                        readOnly: true
                        selectByMouse: true
                        color: Theme.colors.text
                        selectionColor: Theme.colors.selection
                        selectedTextColor: Theme.colors.text
                        font.pixelSize: Theme.fontBody
                        Accessible.name: qsTr("Message text")
                        Accessible.role: Accessible.StaticText
                    }
                }
            }
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

        Loader {
            id: attachmentsLoader
            active: root.isUser
            // A Loader's item is a QObject to qmllint; here the MessageAttachments below.
            visible: active && item !== null && item.attachments.length > 0   // qmllint disable type
            Layout.fillWidth: true
            sourceComponent: Component {
                MessageAttachments {
                    messageId: root.messageId
                }
            }
        }

        Loader {
            active: root.hasSources
            visible: active
            Layout.fillWidth: true
            sourceComponent: Component {
                SourcesView {
                    messageId: root.messageId
                    status: root.status
                }
            }
        }

        // While the answer streams: a small accent caret under the text.
        Rectangle {
            id: cursor
            objectName: "streamingCursor"
            visible: root.status === "streaming" && !(root.contentEmpty && root.reasoning.length > 0)
            Layout.preferredWidth: Theme.cursorWidth
            Layout.preferredHeight: Theme.fontBody
            radius: Theme.radiusS / 2
            color: Theme.colors.accent
            // Still, not blinking: an animation would have the window drawn at every frame for
            // the whole answer (bench_gui_stall: more GUI CPU per gap with it).
        }

        Loader {
            active: root.ended
            visible: active
            Layout.fillWidth: true
            sourceComponent: Component {
                Label {
                    objectName: "errorText"
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    color: root.status === "error" ? Theme.colors.danger : Theme.colors.textMuted
                    text: root.status === "error" ? root.errorText
                        : root.status === "interrupted" ? qsTr("This answer was interrupted when Causerie closed.")
                        : qsTr("Stopped.")
                }
            }
        }

        // Copy, edit, regenerate, versions, details: icons that appear on hover or focus. Until
        // the row is made (actionsMade), this control is one stop in the Tab order: reached, it
        // makes the row and gives the focus to its first button (its last one, reached backwards).
        Control {
            id: actionsPlace
            objectName: "messageActionsPlace"
            Layout.alignment: root.isUser ? Qt.AlignRight : Qt.AlignLeft
            Layout.preferredHeight: Theme.iconButtonSize
            visible: root.status !== "streaming"
            implicitWidth: actionsLoader.implicitWidth
            implicitHeight: Theme.iconButtonSize
            // Set as the row comes and goes, and never while this control has the focus: Qt
            // keeps an item in the Tab order while it has the focus (it says so, and ignores it).
            focusPolicy: Qt.TabFocus
            function updatePolicy() {
                if (!activeFocus)
                    focusPolicy = actionsLoader.item ? Qt.NoFocus : Qt.TabFocus
            }
            Accessible.name: qsTr("Message actions")
            // Moved on once Qt has finished giving this control the focus (a focus change made
            // while it notifies is undone by it).
            function enterRow() {
                // A Loader's item is a QObject to qmllint; here the row below.
                if (activeFocus && actionsLoader.item)
                    actionsLoader.item.enter(focusReason)   // qmllint disable type
            }
            onActiveFocusChanged: {
                if (!activeFocus)
                    updatePolicy()
                if (!activeFocus || actionsLoader.item)
                    return
                root.actionsMade = true   // the Loader makes the row now
                // Qt.callLater: Qt 6.4's qmllint takes it for a property.
                Qt.callLater(enterRow)   // qmllint disable type
            }
            Loader {
                id: actionsLoader
                active: root.actionsMade && root.status !== "streaming"
                onItemChanged: actionsPlace.updatePolicy()
                sourceComponent: Component {
                    RowLayout {
                        id: actions
                        objectName: "messageActions"
                        spacing: Theme.spaceXs
                        opacity: root.actionsShown ? 1 : 0
                        Behavior on opacity { NumberAnimation { duration: Theme.fast } }
                        readonly property bool focusInside: previousButton.activeFocus || nextButton.activeFocus
                            || copyButton.activeFocus || editButton.activeFocus || regenerateButton.activeFocus
                            || readAloudButton.activeFocus || detailsButton.activeFocus

                        // The keyboard arrives: the first button that takes the focus, or the last
                        // one when it comes backwards (Shift+Tab).
                        function enter(reason) {
                            const all = [previousButton, nextButton, copyButton, editButton, regenerateButton,
                                         readAloudButton, detailsButton]
                            const backwards = reason === Qt.BacktabFocusReason
                            for (let i = 0; i < all.length; ++i) {
                                const b = all[backwards ? all.length - 1 - i : i]
                                if (b.visible && b.enabled) {
                                    b.forceActiveFocus(reason)
                                    return
                                }
                            }
                        }

                        IconButton {
                            id: previousButton
                            visible: root.siblingCount > 1
                            iconName: "previous"
                            text: qsTr("Previous version")
                            enabled: root.siblingIndex > 0
                            onClicked: App.chat.showSibling(root.messageId, -1)
                        }
                        Label {
                            visible: root.siblingCount > 1
                            text: qsTr("%1/%2").arg(root.siblingIndex + 1).arg(root.siblingCount)
                            color: Theme.colors.textMuted
                            font.pixelSize: Theme.fontCaption
                        }
                        IconButton {
                            id: nextButton
                            visible: root.siblingCount > 1
                            iconName: "next"
                            text: qsTr("Next version")
                            enabled: root.siblingIndex + 1 < root.siblingCount
                            onClicked: App.chat.showSibling(root.messageId, 1)
                        }
                        IconButton {
                            id: copyButton
                            objectName: "copyMessageButton"
                            iconName: "copy"
                            text: qsTr("Copy message")
                            onClicked: App.copyText(root.content)
                        }
                        IconButton {
                            id: editButton
                            objectName: "editMessageButton"
                            visible: root.isUser
                            iconName: "edit"
                            text: qsTr("Edit message")
                            enabled: !App.chat.generating
                            onClicked: root.editRequested(root.messageId, root.content)
                        }
                        IconButton {
                            id: regenerateButton
                            objectName: "regenerateButton"
                            visible: !root.isUser
                            iconName: "regenerate"
                            text: qsTr("Regenerate answer")
                            enabled: !App.chat.generating && App.backendReady
                            onClicked: App.chat.regenerate(root.messageId)
                        }
                        // Read aloud (App.readAloud): the answer's plain text, stoppable; says why
                        // when unavailable.
                        IconButton {
                            id: readAloudButton
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
                        IconButton {
                            id: detailsButton
                            objectName: "detailsButton"
                            visible: !root.isUser && root.status !== "error"
                            iconName: "details"
                            text: qsTr("Answer details")
                            // a Loader's item is a QObject to qmllint; here the Popup below.
                            onClicked: { detailsLoader.active = true; detailsLoader.item.open() }   // qmllint disable type
                        }
                    }
                }
            }
        }
    }
    // qmllint enable unqualified

    // Created on first use: one popup per message would cost every new message its creation time.
    // Qt 6.4's qmllint cannot see `root` from inside the Component (it is in scope: the QML context).
    // qmllint disable unqualified
    Loader {
        id: detailsLoader
        active: false
        sourceComponent: Component {
            Popup {
                padding: Theme.spaceL
                background: DialogBackground {}
                GridLayout {
                    columns: 2
                    columnSpacing: Theme.spaceL
                    Label { text: qsTr("Model"); color: Theme.colors.textMuted }
                    Label { text: root.model.length > 0 ? root.model : "—"; textFormat: Text.PlainText }
                    Label { text: qsTr("Backend"); color: Theme.colors.textMuted }
                    Label { text: root.backend.length > 0 ? root.backend : "—"; textFormat: Text.PlainText }
                    Label { text: qsTr("Prompt tokens"); color: Theme.colors.textMuted }
                    Label {
                        objectName: "promptTokensText"
                        text: root.promptTokensText()
                    }
                    Label { text: qsTr("Answer tokens"); color: Theme.colors.textMuted }
                    Label { text: root.completionTokens !== undefined ? root.completionTokens : "—" }
                    Label { text: qsTr("Time to first token"); color: Theme.colors.textMuted }
                    Label { text: root.ttftMs !== undefined ? qsTr("%1 ms").arg(Math.round(root.ttftMs)) : "—" }
                    Label { text: qsTr("Speed"); color: Theme.colors.textMuted }
                    Label { text: root.tokensPerSecond !== undefined ? qsTr("%1 tokens/s").arg(root.tokensPerSecond.toFixed(1)) : "—" }
                    Label { text: qsTr("Finish reason"); color: Theme.colors.textMuted }
                    Label { text: root.finishReason.length > 0 ? root.finishReason : "—"; textFormat: Text.PlainText }
                }
            }
        }
    }
    // qmllint enable unqualified
}
