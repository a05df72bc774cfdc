import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// The chat view makes a user's message and an answer once while it opens (the first items of
// each kind cost the most; made then, not on the first answer's start), outside its items: the
// warm-up shows nothing, is found nowhere, and what the conversation shows afterwards is only
// its own messages.
TestCase {
    id: testCase
    name: "ChatWarmUp"
    when: windowShown
    visible: true
    width: 700
    height: 400

    ChatView {
        id: chat
        anchors.fill: parent
    }

    function list() { return findChild(chat, "messageList") }

    function count(item, name) {
        let n = item.objectName === name ? 1 : 0
        for (let i = 0; i < item.children.length; ++i)
            n += count(item.children[i], name)
        return n
    }

    // The other views' tests start from an empty conversation.
    function cleanupTestCase() {
        tryVerify(() => !App.chat.generating, 20000)
        App.newChat()
    }

    function test_warmUpShowsNothing() {
        tryVerify(() => chat.warmedUp, 5000, "the warm-up is over")
        compare(chat.warmUp, null)
        tryCompare(App.model, "state", LocalModel.Ready, 20000, "the tiny model is loaded")
        App.newChat()
        tryCompare(list(), "count", 0)
        verify(findChild(chat, "emptyState").visible)
        compare(count(chat, "answerSegments"), 0)
        compare(count(chat, "messageSegment"), 0)
        compare(count(chat, "proseText"), 0)
        compare(count(chat, "codeText"), 0)

        verify(App.chat.send("Hello there"))
        tryVerify(() => !App.chat.generating, 20000)
        tryCompare(list(), "count", 2)
        verify(!findChild(chat, "emptyState").visible)
        // One message pair: two delegates' pieces, none left from the warm-up.
        compare(count(list().contentItem, "answerSegments"), 2)
        compare(count(chat, "answerSegments"), 2)
        compare(count(chat, "codeText"), count(list().contentItem, "codeText"))
        compare(count(chat, "proseText"), count(list().contentItem, "proseText"))
        tryVerify(() => list().itemAtIndex(0) !== null && list().itemAtIndex(0).content === "Hello there")
        // The answer's pieces show its text (the tiny model's words), not the warm-up's.
        const answer = list().itemAtIndex(1)
        verify(answer.content.length > 0)
        tryVerify(() => findChild(answer, "proseText") !== null, 5000, "answer: " + answer.content)
        const prose = findChild(answer, "proseText")
        tryVerify(() => prose.getText(0, prose.length).length > 0)
        verify(prose.getText(0, prose.length).indexOf("A warm up") < 0)
    }
}
