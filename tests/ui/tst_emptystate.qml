import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// The empty state's example prompts: clicking one (or Enter on it) writes it in the composer,
// without sending it.
TestCase {
    id: testCase
    name: "EmptyState"
    when: windowShown
    visible: true   // TestCase is hidden by default: the cards must be clickable
    width: 900
    height: 700

    EmptyState {
        id: empty
        width: 800
        onPromptChosen: text => composer.fill(text)
    }
    Composer {
        id: composer
        y: 500
        width: 800
    }

    function init() {
        tryCompare(App.model, "state", LocalModel.Ready, 20000, "the tiny model is loaded")
        tryVerify(() => !App.chat.generating, 20000)
        App.newChat()
        findChild(composer, "composerInput").text = ""
    }

    function test_examplesAreShown() {
        verify(empty.examples.length >= 3)
        for (let i = 0; i < empty.examples.length; ++i) {
            const card = findChild(empty, "examplePrompt" + i)
            verify(card, "card " + i)
            verify(card.visible && card.width > 0 && card.height > 0)
            verify(card.Accessible.name.indexOf(empty.examples[i][1]) >= 0)
        }
    }

    function test_clickFillsComposerWithoutSending() {
        const card = findChild(empty, "examplePrompt1")
        const countBefore = App.messages.rowCount()
        mouseClick(card)
        const input = findChild(composer, "composerInput")
        compare(input.text, empty.examples[1][1])
        verify(input.activeFocus, "the composer takes the focus, ready to edit or send")
        compare(App.messages.rowCount(), countBefore)
        verify(!App.chat.generating)
    }

    function test_keyboardChoosesToo() {
        const card = findChild(empty, "examplePrompt2")
        card.forceActiveFocus(Qt.TabFocusReason)
        verify(card.visualFocus)
        keyClick(Qt.Key_Space)
        compare(findChild(composer, "composerInput").text, empty.examples[2][1])
    }
}
