import QtQuick
import QtQuick.Controls
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

    // Without thinking, the section is not made at all (a message makes only what it shows).
    function test_noThinkingNoSection() {
        const d = createTemporaryObject(delegateComponent, testCase, {content: "Plain answer."})
        verify(d)
        compare(findChild(d, "reasoningText"), null)
        compare(toggleOf(d), null)
        verify(!findChild(d, "reasoningSection").visible)
        d.reasoning = "Afterthought"   // thinking that arrives later makes it
        verify(toggleOf(d) !== null && toggleOf(d).visible)
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
        compare(findChild(d, "reasoningText"), null)
        compare(toggleOf(d), null)
        verify(!findChild(d, "reasoningSection").visible)
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

    // The row of actions is made only once it shows: on hover, on keyboard focus, or under the
    // latest answer once it has ended (never while it streams); then it stays.
    function test_actionsMadeWhenFirstShown() {
        const user = createTemporaryObject(delegateComponent, testCase, {author: "user", content: "Hello"})
        verify(user)
        compare(findChild(user, "messageActions"), null, "a user's message makes no actions until shown")
        mouseMove(user, user.width / 2, 5)
        tryVerify(() => findChild(user, "messageActions") !== null, 2000, "made on hover")
        verify(findChild(user, "copyMessageButton").visible)
        verify(findChild(user, "editMessageButton").visible)
        mouseMove(testCase, 1, testCase.height - 1)
        tryVerify(() => findChild(user, "messageActions").opacity === 0, 2000, "hidden again, kept")

        const answer = createTemporaryObject(delegateComponent, testCase, {status: "streaming", content: "Par"})
        verify(answer)
        compare(findChild(answer, "messageActions"), null, "none while the answer streams")
        answer.content = "Partial answer"
        compare(findChild(answer, "messageActions"), null)
        answer.status = "done"   // the latest answer shows its actions at once
        verify(findChild(answer, "messageActions") !== null)
        verify(findChild(answer, "regenerateButton").visible)
        verify(findChild(answer, "readAloudButton").visible)
        compare(findChild(answer, "messageActions").opacity, 1)
    }

    // What a message does not show is not made: no sources list (and its dialog) for an answer
    // without passages, no bubble for an answer, no end-state line while it is fine.
    function test_onlyWhatIsShownIsMade() {
        const answer = createTemporaryObject(delegateComponent, testCase, {content: "Answer."})
        verify(answer)
        compare(findChild(answer, "openSourceDialog"), null)
        compare(findChild(answer, "userBubble"), null)
        compare(findChild(answer, "errorText"), null)
        answer.status = "cancelled"
        compare(findChild(answer, "errorText").text, "Stopped.")
        const user = createTemporaryObject(delegateComponent, testCase, {author: "user", content: "Hello"})
        verify(findChild(user, "userBubble") !== null)
        compare(findChild(user, "openSourceDialog"), null)
        compare(findChild(user, "authorLabel").visible, false)
    }

    Component {
        id: focusChain
        Column {
            property alias before: before
            property alias after: after
            property alias message: message
            width: 600
            TextField { id: before; objectName: "before"; width: 200 }
            MessageDelegate {
                id: message
                width: 600
                index: 0
                messageId: 1
                author: "user"
                content: "Hello"
                reasoning: ""
                status: "done"
                siblingIndex: 1
                siblingCount: 2
                model: ""
                backend: "local"
                promptTokens: undefined
                cachedTokens: undefined
                completionTokens: undefined
                ttftMs: undefined
                tokensPerSecond: undefined
                finishReason: ""
                errorText: ""
            }
            TextField { id: after; objectName: "after"; width: 200 }
        }
    }

    function focusName() {
        const f = testCase.Window.activeFocusItem
        return f ? (f.objectName.length > 0 ? f.objectName : f.text) : ""
    }

    // Keyboard users reach every action of a message whose row is not made yet: Tab into the
    // message makes it and lands on its first button, Shift+Tab on its last; each is reached
    // in turn, then the next control.
    function test_tabReachesEveryActionBothWays() {
        const chain = createTemporaryObject(focusChain, testCase)
        verify(chain)
        compare(findChild(chain.message, "messageActions"), null)
        chain.before.forceActiveFocus()
        keyClick(Qt.Key_Tab)
        const forward = [focusName()]
        tryVerify(() => findChild(chain.message, "messageActions").opacity === 1, 2000, "shown while focused")
        for (let i = 0; i < 4; ++i) {
            keyClick(Qt.Key_Tab)
            forward.push(focusName())
        }
        // The second version of two: "previous" is enabled, "next" is not (skipped).
        compare(forward, ["Previous version", "copyMessageButton", "editMessageButton", "after", "before"])
        tryVerify(() => findChild(chain.message, "messageActions").opacity === 0, 2000, "hidden once left")

        // Made afresh, reached backwards.
        const again = createTemporaryObject(focusChain, testCase)
        compare(findChild(again.message, "messageActions"), null)
        again.after.forceActiveFocus()
        const backward = []
        for (let i = 0; i < 4; ++i) {
            keyClick(Qt.Key_Tab, Qt.ShiftModifier)
            backward.push(focusName())
        }
        compare(backward, ["editMessageButton", "copyMessageButton", "Previous version", "before"])
    }
}
