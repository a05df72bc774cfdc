import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// Jump to latest: hidden at the end of a long conversation, shown once the user scrolls up,
// and its click brings the view back to the end (which hides it again).
TestCase {
    id: testCase
    name: "JumpToLatest"
    when: windowShown
    visible: true   // TestCase is hidden by default: the view must lay out and scroll
    width: 700
    height: 400

    ChatView {
        id: chat
        anchors.fill: parent
    }

    function list() { return findChild(chat, "messageList") }
    function jump() { return findChild(chat, "jumpToLatest") }

    // A conversation much taller than the view: long questions, short answers (the tiny model
    // answers 8 tokens at most, tst_ui sets it).
    function initTestCase() {
        tryCompare(App.model, "state", LocalModel.Ready, 20000, "the tiny model is loaded")
        App.newChat()
        for (let i = 0; i < 5; ++i) {
            tryVerify(() => !App.chat.generating, 20000)
            verify(App.chat.send("Question " + i + ": " + "a long question to make the bubble tall. ".repeat(12)))
        }
        tryVerify(() => !App.chat.generating, 20000)
        tryVerify(() => list().contentHeight > 3 * list().height, 5000, "taller than three views")
    }

    function test_shownWhenScrolledUpAndJumpsBack() {
        const view = list()
        tryVerify(() => view.atYEnd, 5000, "the view follows the end")
        verify(!jump().shown, "hidden at the end")
        // The user scrolls up (the movement ends where the user left it).
        tryVerify(() => { mouseWheel(view, view.width / 2, view.height / 2, 0, 2400); return !view.atYEnd }, 5000)
        tryVerify(() => !view.moving && !view.atYEnd, 5000, "scrolled up")
        tryVerify(() => jump().shown && jump().opacity === 1, 3000, "shown once scrolled up")
        const button = findChild(jump(), "jumpToLatestButton")
        compare(button.Accessible.name, "Jump to the latest message")
        mouseClick(button)
        tryVerify(() => view.atYEnd, 5000, "back at the end")
        tryVerify(() => !jump().shown && !jump().visible, 3000, "hidden again")
    }

    function test_keyboardReachesIt() {
        const view = list()
        tryVerify(() => view.atYEnd && !jump().shown, 5000, "starts at the end")
        // Wheel until the view has left the end (one turn may land while a layout settles).
        tryVerify(() => { mouseWheel(view, view.width / 2, view.height / 2, 0, 2400); return !view.atYEnd }, 5000)
        tryVerify(() => !view.moving && jump().shown, 5000, "shown once scrolled up")
        const button = findChild(jump(), "jumpToLatestButton")
        button.forceActiveFocus(Qt.TabFocusReason)
        keyClick(Qt.Key_Space)
        tryVerify(() => view.atYEnd && !jump().shown, 5000)
    }
}
