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

    EmptyState {
        objectName: "emptyState"
        anchors.centerIn: parent
        width: Math.min(parent.width - 2 * Theme.spaceXl, Theme.readingWidth)
        visible: list.count === 0
        onPromptChosen: text => root.promptChosen(text)
    }
}
