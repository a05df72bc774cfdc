import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// The active branch of the conversation, newest at the bottom; follows the answer as it grows
// unless the user scrolled up.
Item {
    id: root

    signal editRequested(var messageId, string text)

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
        anchors.fill: parent
        anchors.margins: 8
        clip: true
        spacing: 12
        model: App.messages
        Accessible.name: qsTr("Messages")
        ScrollBar.vertical: ScrollBar {}

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
        // Qt.callLater: Qt 6.4's qmllint takes it for a property.
        onContentHeightChanged: Qt.callLater(follow)   // qmllint disable type
        // Qt.callLater: Qt 6.4's qmllint takes it for a property.
        onCountChanged: { followEnd = true; Qt.callLater(follow) }   // qmllint disable type

        delegate: MessageDelegate {
            width: ListView.view.width
            onEditRequested: (id, text) => root.editRequested(id, text)
        }
    }

    ColumnLayout {
        anchors.centerIn: parent
        visible: list.count === 0
        spacing: 8
        Label {
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("Causerie")
            font.pixelSize: 28
        }
        Label {
            Layout.alignment: Qt.AlignHCenter
            text: App.backendReady ? qsTr("Ask anything. Your conversations stay on this computer.")
                : !App.conversationRemote ? qsTr("Open a model file (.gguf) to start, or choose a remote endpoint.")
                : qsTr("Choose a model for this endpoint above.")
            opacity: 0.7
        }
    }
}
