import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// The active branch of the conversation, newest at the bottom; follows the answer as it grows
// unless the user scrolled up.
Item {
    id: root

    signal editRequested(var messageId, string text)
    signal promptChosen(string text)

    // Back to the latest message, smoothly, and following it again.
    function jumpToLatest() {
        list.followEnd = true
        scrollDown.to = Math.max(list.originY, list.contentHeight + list.originY - list.height)
        scrollDown.start()
    }

    function editLastUserMessage() {
        for (let i = list.count - 1; i >= 0; --i) {
            const item = list.itemAtIndex(i)
            if (item && item.author === "user") {
                root.editRequested(item.messageId, item.content)
                return
            }
        }
    }

    ListView {
        id: list
        objectName: "messageList"
        anchors.fill: parent
        anchors.topMargin: Theme.spaceL
        clip: true
        spacing: Theme.spaceXl
        model: App.messages
        Accessible.name: qsTr("Messages")
        ScrollBar.vertical: ScrollBar {}
        // Smooth scrolling: wheel and flick glide to a stop instead of jumping.
        boundsBehavior: Flickable.StopAtBounds
        flickDeceleration: Theme.flickDeceleration
        maximumFlickVelocity: Theme.maximumFlickVelocity
        // Scrolled up from the end: the latest message is one button (or Ctrl+End) away.
        readonly property bool awayFromEnd: count > 0 && !atYEnd && !followEnd

        // Follow the end while the answer grows, unless the user scrolled up. Repositioning is
        // deferred and skipped when already at the end: delegates settle their heights after
        // creation, and repositioning on every change would create and destroy them in a loop.
        property bool followEnd: true
        function follow() {
            if (followEnd && !atYEnd)
                positionViewAtEnd()
        }
        cacheBuffer: 2000
        onMovementEnded: followEnd = atYEnd
        onMovementStarted: scrollDown.stop()
        // Qt.callLater: Qt 6.4's qmllint takes it for a property.
        onContentHeightChanged: Qt.callLater(follow)   // qmllint disable type
        // Qt.callLater: Qt 6.4's qmllint takes it for a property.
        onCountChanged: { followEnd = true; Qt.callLater(follow) }   // qmllint disable type

        delegate: MessageDelegate {
            width: ListView.view.width
            onEditRequested: (id, text) => root.editRequested(id, text)
        }

        NumberAnimation {
            id: scrollDown
            target: list
            property: "contentY"
            duration: Theme.normal
            easing.type: Easing.OutCubic
            // Heights below may have been estimates: land exactly on the end.
            onFinished: list.positionViewAtEnd()
        }
    }

    JumpToLatest {
        objectName: "jumpToLatest"
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: Theme.spaceL
        shown: list.awayFromEnd
        onJump: root.jumpToLatest()
    }
    Shortcut {
        sequence: "Ctrl+End"
        enabled: list.count > 0
        onActivated: root.jumpToLatest()
    }

    // Warm-up: making the first message items costs what no later one does (the delegate's
    // controls, text layout, fonts and shaping, the Markdown importer, the code box), and it fell
    // on the first answer's start: ~10 ms more at once on the GUI thread (bench_gui_stall). A
    // user's message and an answer with prose and code are made here while the window opens, in
    // steps between frames (an asynchronous incubation), outside the window's items (never shown,
    // never found by name), then dropped.
    Component {
        id: warmUpMessages
        Column {
            width: 600
            Repeater {
                model: ["user", "assistant"]
                MessageDelegate {
                    required property string modelData
                    width: 600
                    index: 0
                    messageId: -1
                    author: modelData
                    content: "A *warm* up, `code`:\n\n- one\n- two\n\n```\nwarm = up(1)\n```\n"
                    reasoning: ""
                    status: "done"
                    siblingIndex: 0
                    siblingCount: 1
                    model: ""
                    backend: "local"
                    promptTokens: undefined
                    cachedTokens: undefined
                    completionTokens: undefined
                    ttftMs: undefined
                    tokensPerSecond: undefined
                    finishReason: ""
                    errorText: ""
                    actionsMade: true   // made on hover, focus or at the end of an answer: warmed up too
                }
            }
        }
    }
    // The incubation while it runs: held here, as the script engine may collect it otherwise.
    property var warmUp: null
    // Whether it is over (made and dropped, or failed): for the tests.
    property bool warmedUp: false
    function dropWarmUp() {
        warmUp.object.destroy()
        warmUp = null
        warmedUp = true
    }
    Component.onCompleted: {
        warmUp = warmUpMessages.incubateObject(null, {}, Qt.Asynchronous)
        // Dropped on the next turn: an answer's pieces are made on the turn after it is complete.
        if (warmUp.status === Component.Ready) {   // no incubation controller: made at once
            Qt.callLater(dropWarmUp)   // qmllint disable type
            return
        }
        warmUp.onStatusChanged = status => {
            if (status === Component.Ready)
                Qt.callLater(root.dropWarmUp)   // qmllint disable type
            else if (status !== Component.Loading) {
                root.warmUp = null
                root.warmedUp = true
            }
        }
    }

    EmptyState {
        objectName: "emptyState"
        anchors.centerIn: parent
        width: Math.min(parent.width - 2 * Theme.spaceXl, Theme.readingWidth)
        visible: list.count === 0
        onPromptChosen: text => root.promptChosen(text)
    }
}
