import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// The thinking section of an answer: hidden without thinking, open while the model thinks,
// folded once the answer begins, opened and closed by its button.
TestCase {
    id: testCase
    name: "MessageDelegate"
    when: windowShown
    visible: true   // TestCase is hidden by default; the delegate's items must be shown and clickable
    width: 600
    height: 400

    Component {
        id: delegateComponent
        MessageDelegate {
            width: 600
            index: 0
            messageId: 1
            author: "assistant"
            content: ""
            reasoning: ""
            status: "done"
            siblingIndex: 0
            siblingCount: 1
            model: "magistral-small-latest"
            backend: "remote"
            promptTokens: undefined
            cachedTokens: undefined
            completionTokens: undefined
            ttftMs: undefined
            tokensPerSecond: undefined
            finishReason: ""
            errorText: ""
        }
    }

    function toggleOf(item) {
        return findChild(item, "reasoningToggle")
    }

    function test_noThinkingNoSection() {
        const d = createTemporaryObject(delegateComponent, testCase, {content: "Plain answer."})
        verify(d)
        const text = findChild(d, "reasoningText")
        verify(text)
        verify(!text.visible)
        verify(!toggleOf(d).visible)
    }

    function test_openWhileThinkingFoldedAfter() {
        const d = createTemporaryObject(delegateComponent, testCase,
                                        {status: "streaming", reasoning: "Two plus two"})
        const text = findChild(d, "reasoningText")
        const toggle = toggleOf(d)
        verify(toggle)
        verify(toggle.visible)
        verify(toggle.text.indexOf("Thinking…") >= 0, toggle.text)
        verify(text.visible)
        compare(text.text, "Two plus two")
        d.reasoning = "Two plus two is four."
        compare(text.text, "Two plus two is four.")

        d.content = "4"   // the answer begins: the thinking folds away
        verify(!text.visible)
        verify(toggle.text.indexOf("Thought process") >= 0, toggle.text)
        const folded = d.implicitHeight

        mouseClick(toggle)
        verify(text.visible)
        tryVerify(() => d.implicitHeight > folded, 2000, "the opened section takes room")
        d.status = "done"
        verify(text.visible, "stays open once the user opened it")
        mouseClick(toggle)
        verify(!text.visible)
    }

    function test_foldedWhileThinkingStaysFolded() {
        const d = createTemporaryObject(delegateComponent, testCase,
                                        {status: "streaming", reasoning: "Hmm"})
        const text = findChild(d, "reasoningText")
        verify(text.visible)
        mouseClick(toggleOf(d))   // the user folds it while the model still thinks
        verify(!text.visible)
        d.reasoning = "Hmm, let me see"
        verify(!text.visible, "more thinking does not reopen it")
        verify(toggleOf(d).text.indexOf("Thinking…") >= 0)
    }

    function test_userMessageHasNoSection() {
        const d = createTemporaryObject(delegateComponent, testCase,
                                        {author: "user", content: "hi", reasoning: "should not show"})
        verify(!findChild(d, "reasoningText").visible)
        verify(!toggleOf(d).visible)
    }

    // The details' prompt line: how many tokens came from the engine's cache, in the locale's
    // numbers; no cache figure (a remote answer, an older one) shows the count alone.
    function test_promptTokensSayHowManyCameFromTheCache() {
        const d = createTemporaryObject(delegateComponent, testCase,
                                        {content: "Answer.", promptTokens: 3012, cachedTokens: 3000})
        verify(d)
        compare(d.promptTokensText(Qt.locale("en_US")), "3,012 tokens, 3,000 from cache")
        compare(d.promptTokensText(Qt.locale("de_DE")), "3.012 tokens, 3.000 from cache")
        d.cachedTokens = 0
        compare(d.promptTokensText(Qt.locale("en_US")), "3,012")
        d.cachedTokens = undefined
        compare(d.promptTokensText(Qt.locale("en_US")), "3,012")
        d.promptTokens = undefined
        compare(d.promptTokensText(Qt.locale("en_US")), "—")
    }
}
