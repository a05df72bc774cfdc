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

    function test_1_modelReady() {
        compare(App.modelState, 2, "the tiny model is loaded")
        verify(App.backendReady)
    }

    function test_2_shiftEnterMakesNewLine() {
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

    function test_3_emptyDoesNotSend() {
        const field = input()
        field.forceActiveFocus()
        field.text = "   "
        keyClick(Qt.Key_Return)
        compare(App.chat.conversationId, 0)
        compare(field.text, "   ")
        field.text = ""
    }

    function test_4_enterSends() {
        const field = input()
        field.forceActiveFocus()
        keyClick("H"); keyClick("i")
        keyClick(Qt.Key_Return)
        verify(App.chat.conversationId > 0)
        compare(field.text, "")
        tryVerify(() => !App.chat.generating, 20000)
        compare(App.messages.rowCount(), 2)
    }

    function test_5_contextUsage() {
        App.updateContextUsage("")
        tryVerify(() => App.contextUsed > 0, 5000)
        verify(App.contextUsed < App.contextSize)
    }
}
