import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

TestCase {
    id: testCase
    name: "Composer"
    when: windowShown
    width: 600
    height: 300

    Composer {
        id: composer
        width: 600
    }

    function input() {
        return findChild(composer, "composerInput")
    }

    // Each test starts from an empty chat with the tiny model loaded (tst_ui opens it), whatever
    // ran before it.
    function init() {
        tryCompare(App.model, "state", LocalModel.Ready, 20000, "the tiny model is loaded")
        tryVerify(() => !App.chat.generating, 20000)
        App.newChat()
        input().text = ""
    }

    function test_modelReady() {
        compare(App.model.state, LocalModel.Ready)
        verify(App.backendReady)
    }

    // The Pane has two children (the drop area, the box): its height must still hold the box, or
    // the composer collapses under whatever follows it in the window's layout.
    function test_heightHoldsTheInput() {
        const field = input()
        verify(field.height > 0)
        verify(composer.implicitHeight >= field.height + composer.topPadding + composer.bottomPadding,
               "composer " + composer.implicitHeight + " px, input " + field.height + " px")
    }

    function test_shiftEnterMakesNewLine() {
        const field = input()
        field.forceActiveFocus()
        field.text = ""
        keyClick("a")
        keyClick(Qt.Key_Return, Qt.ShiftModifier)
        keyClick("b")
        compare(field.text, "a\nb")
        compare(App.chat.conversationId, 0, "nothing was sent")
        field.text = ""
    }

    function test_emptyDoesNotSend() {
        const field = input()
        field.forceActiveFocus()
        field.text = "   "
        keyClick(Qt.Key_Return)
        compare(App.chat.conversationId, 0)
        compare(field.text, "   ")
        field.text = ""
    }

    function test_enterSends() {
        const field = input()
        field.forceActiveFocus()
        keyClick("H"); keyClick("i")
        keyClick(Qt.Key_Return)
        verify(App.chat.conversationId > 0)
        compare(field.text, "")
        tryVerify(() => !App.chat.generating, 20000)
        compare(App.messages.rowCount(), 2)
    }

    // The counter follows the draft: a longer draft counts more tokens, within the context.
    function test_contextUsage() {
        App.updateContextUsage("Hi")
        tryVerify(() => App.contextUsed > 0, 5000)
        const fewer = App.contextUsed
        App.updateContextUsage("Tell me, in a few words, how the tides follow the moon and the sun.")
        tryVerify(() => App.contextUsed > fewer, 5000)
        verify(App.contextUsed < App.contextSize)
    }
}
