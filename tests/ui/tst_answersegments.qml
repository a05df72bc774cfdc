import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// A long answer in a chat-like list makes items only for the pieces near what the list shows:
// a 1 MB answer (~500 pieces) has a handful of MessageSegment items, wherever it is scrolled,
// while it streams and once done. Outside a list, every piece is made.
TestCase {
    id: testCase
    name: "AnswerSegments"
    when: windowShown
    visible: true
    width: 600
    height: 400

    // The most pieces that may have items: the view (400 px) and a screen above and below hold
    // a few 2 KB prose pieces; all 500 would mean nothing is virtualised.
    readonly property int maxMade: 24

    // `total` characters of Markdown like bench_gui_stall --hostile: parts of prose, a small code
    // block now and then, and one code block of a single 200,000-character line in the middle.
    function hostileAnswer(total) {
        let prose = ""
        for (let i = 0; prose.length < (total - 200000) / 2; ++i) {
            prose += "## Part " + i + "\n\nThe sea was *calm* that morning, and the **boat** left the harbour "
                   + "at dawn with [a map](https://example.org/" + i + ") and `a compass`.\n\n"
                   + "- first item " + i + "\n- second item with more words in it\n\n"
            if (i % 8 === 7)
                prose += "```python\ndef f" + i + "(x):\n    return x * " + i + "\n```\n\n"
        }
        let line = ""
        for (let i = 0; line.length < 200000; ++i)
            line += "x" + (i % 97) + " = f(y, \"s\"); "
        return prose + "```cpp\n" + line.substring(0, 200000) + "\n```\n\n" + prose + "The end."
    }

    function made(item) {
        let n = item.objectName === "messageSegment" ? 1 : 0
        for (let i = 0; i < item.children.length; ++i)
            n += made(item.children[i])
        return n
    }

    // What a made piece shows (read from the answer's model in C++: its `text` and `markdown`
    // stay empty for prose and code).
    function shownText(piece) {
        const prose = findChild(piece, "proseText")
        if (piece.kind === "text" && prose)
            return prose.getText(0, prose.length)
        const code = findChild(piece, "codeText")
        return code ? code.text : ""
    }

    function madeShowing(item, needle) {
        if (item.objectName === "messageSegment" && shownText(item).indexOf(needle) >= 0)
            return true
        for (let i = 0; i < item.children.length; ++i)
            if (madeShowing(item.children[i], needle))
                return true
        return false
    }

    Component {
        id: listComponent
        ListView {
            id: list
            property string content: ""
            property string status: "done"
            width: 600
            height: 400
            clip: true
            model: 1
            // As the chat view does while an answer streams: stay at the end as it grows.
            property bool follow: false
            onContentHeightChanged: if (follow) Qt.callLater(positionViewAtEnd)
            delegate: MessageDelegate {
                width: list.width
                index: 0
            messageId: 1
                author: "assistant"
                content: list.content
                reasoning: ""
                status: list.status
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
            }
        }
    }

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
    }

    function test_longAnswerMakesFewItems() {
        const answer = hostileAnswer(1000000)
        const list = createTemporaryObject(listComponent, testCase, {content: answer})
        verify(list)
        tryVerify(() => list.itemAtIndex(0) !== null)
        const segments = findChild(list.itemAtIndex(0), "answerSegments")
        verify(segments)
        verify(segments.count > 300, "the answer is " + segments.count + " pieces")
        tryVerify(() => madeShowing(list.contentItem, "Part 0\u2029The sea"), 5000, "the top is shown")
        let n = made(list.contentItem)
        verify(n > 0 && n <= maxMade, n + " pieces have items")
        // The delegate is as tall as the whole answer (estimated where not shown yet).
        verify(list.contentHeight > 100 * list.height, "content height " + list.contentHeight)

        list.positionViewAtEnd()
        tryVerify(() => madeShowing(list.contentItem, "The end."), 5000, "the end is shown")
        n = made(list.contentItem)
        verify(n > 0 && n <= maxMade, n + " pieces have items at the end")
        verify(!madeShowing(list.contentItem, "Part 0\u2029The sea"), "the top's items are gone")

        list.contentY = list.originY + list.contentHeight / 2   // around the long code line
        tryVerify(() => made(list.contentItem) > 0)
        n = made(list.contentItem)
        verify(n <= maxMade, n + " pieces have items in the middle")
    }

    function test_streamingAnswerMakesFewItems() {
        const answer = hostileAnswer(400000)
        const list = createTemporaryObject(listComponent, testCase, {status: "streaming", follow: true})
        verify(list)
        let most = 0
        for (let sent = 0; sent < answer.length; sent += 16384) {
            list.content = answer.substring(0, sent + 16384)
            wait(0)   // events only: the list lays out and makes what it shows
            most = Math.max(most, made(list.contentItem))
        }
        list.status = "done"
        tryVerify(() => madeShowing(list.contentItem, "The end."), 5000, "the end is shown")
        const segments = findChild(list.itemAtIndex(0), "answerSegments")
        verify(segments.count > 100, "the answer is " + segments.count + " pieces")
        verify(most > 0 && most <= maxMade, "at most " + most + " pieces had items while streaming")
    }

    // The slots are placed one below the other in the model's order (not by a Column): after
    // streaming, a change of width (every piece's height changes), and rows removed.
    function slotsInOrder(segments) {
        const slots = []
        for (let i = 0; i < segments.children.length; ++i)
            if (segments.children[i].objectName === "segmentSlot")
                slots.push(segments.children[i])
        slots.sort((a, b) => a.index - b.index)
        return slots
    }
    function checkStacked(segments) {
        const slots = slotsInOrder(segments)
        compare(slots.length, segments.count)
        let bottom = 0
        for (let i = 0; i < slots.length; ++i) {
            compare(slots[i].index, i)
            compare(slots[i].y, bottom, "slot " + i)
            verify(slots[i].height > 0, "slot " + i + " has a height")
            bottom += slots[i].height
        }
        compare(segments.implicitHeight, bottom)   // what the delegate's layout gives it
    }
    function test_slotsAreStackedInOrder() {
        let answer = ""
        for (let i = 0; i < 12; ++i)
            answer += "Paragraph " + i + " " + "word ".repeat(120) + "\n\n```\ncode " + i + "\n```\n\n"
        const d = createTemporaryObject(delegateComponent, testCase, {width: 600})
        verify(d)
        const segments = findChild(d, "answerSegments")
        for (let sent = 0; sent < answer.length; sent += 97) {
            d.content = answer.substring(0, sent + 97)
            checkStacked(segments)
        }
        verify(segments.count >= 12, segments.count + " pieces")
        d.width = 300   // every piece wraps anew: taller
        tryVerify(() => segments.implicitHeight > 0)
        checkStacked(segments)
        const wide = segments.implicitHeight
        d.width = 900
        checkStacked(segments)
        verify(segments.implicitHeight < wide)
        d.content = "Only this.\n\n```\nand this\n```"
        compare(segments.count, 2)
        checkStacked(segments)
        d.content = ""
        compare(segments.count, 0)
        compare(segments.implicitHeight, 0)
    }

    function test_outsideAListEveryPieceIsMade() {
        const d = createTemporaryObject(delegateComponent, testCase,
                                        {content: "First paragraph.\n\n```cpp\nint x;\n```\n\nLast paragraph."})
        verify(d)
        compare(findChild(d, "answerSegments").count, 3)
        compare(made(d), 3)
    }

    // A piece too costly for Qt's Markdown (the model's `plain` role) is made and shows its text
    // as written, links and all, as plain text.
    // Prose and code pieces show their model's rows, read in C++ (ProseDocument,
    // CodeHighlighter.showRow): no piece text passes through QML on a delta. A formula's does.
    function test_piecesShowTheirRowsWithoutTheirText() {
        const d = createTemporaryObject(delegateComponent, testCase,
                                        {content: "First *paragraph*.\n\n```cpp\nint x;\n```\n\n$$x^2$$\n\nLast."})
        verify(d)
        const all = []
        const collect = item => {
            if (item.objectName === "messageSegment")
                all.push(item)
            for (let i = 0; i < item.children.length; ++i)
                collect(item.children[i])
        }
        collect(d)
        all.sort((a, b) => a.row - b.row)
        compare(all.map(p => p.kind), ["text", "code", "math", "text"])
        compare(shownText(all[0]), "First paragraph.")
        compare(all[0].markdown, "")
        compare(all[0].text, "")
        tryCompare(findChild(all[1], "codeText"), "text", "int x;")
        compare(all[1].text, "")
        compare(all[2].text, "x^2")
        compare(all[2].markdown, "$$x^2$$")
        compare(shownText(all[3]), "Last.")
        // Streamed on: the open piece follows.
        d.content = "First *paragraph*.\n\n```cpp\nint x;\n```\n\n$$x^2$$\n\nLast, *longer*."
        compare(shownText(all[3]), "Last, longer.")
        d.content = "First *paragraph*.\n\n```cpp\nint x;\nint y;\n```\n\n$$x^2$$\n\nLast, *longer*."
        tryCompare(findChild(all[1], "codeText"), "text", "int x;\nint y;")
    }

    function test_costlyProseIsShownAsText() {
        let links = ""
        for (let i = 0; i < 500; ++i)
            links += "[l" + i + "](http://h/" + i + ") "
        const d = createTemporaryObject(delegateComponent, testCase, {content: "Intro.\n\n" + links})
        verify(d)
        compare(made(d), 1)
        const prose = findChild(d, "proseText")
        verify(prose)
        compare(prose.textFormat, TextEdit.PlainText)
        verify(prose.getText(0, prose.length).indexOf("[l499](http://h/499)") >= 0)
    }

    function test_emptyWithoutReadingTheText() {
        const m = createTemporaryObject(segmentModel, testCase)
        verify(m.empty)
        let changes = 0
        m.emptyChanged.connect(() => ++changes)
        m.markdown = "a"
        verify(!m.empty)
        m.markdown = "ab"
        compare(changes, 1, "told only when it changes")
        m.markdown = "   "
        verify(!m.empty, "blank text is not empty (it makes no piece)")
        compare(m.rowCount(), 0)
        m.markdown = ""
        verify(m.empty)
        compare(changes, 2)
    }

    Component {
        id: segmentModel
        MessageSegmentModel {}
    }

    Component {
        id: messagesComponent
        ListModel {
            ListElement { author: "user"; content: "Hi there" }
            ListElement { author: "assistant"; content: "First." }
        }
    }

    // As in the chat view: the delegate takes its text from the list's model, in C++.
    Component {
        id: chatComponent
        ListView {
            id: chat
            width: 600
            height: 400
            delegate: MessageDelegate {
                width: chat.width
                messageId: index + 1
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
            }
        }
    }

    function test_followsTheListsModel() {
        const messages = createTemporaryObject(messagesComponent, testCase)
        const chat = createTemporaryObject(chatComponent, testCase, {model: messages})
        verify(chat)
        tryVerify(() => chat.itemAtIndex(1) !== null)
        const user = chat.itemAtIndex(0)
        const answer = chat.itemAtIndex(1)
        compare(user.content, "Hi there")
        compare(answer.content, "First.")
        tryVerify(() => madeShowing(answer, "First."))
        verify(!madeShowing(user, "Hi there"), "a user's text is not made into pieces")

        messages.setProperty(1, "content", "First.\n\n```cpp\nint x;\n```\n\nLast.")
        compare(answer.content, "First.\n\n```cpp\nint x;\n```\n\nLast.")
        compare(findChild(answer, "answerSegments").count, 3)
        tryVerify(() => madeShowing(answer, "Last."))

        messages.insert(0, {author: "user", content: "Earlier"})   // rows move: each follows its own
        tryVerify(() => chat.itemAtIndex(2) && chat.itemAtIndex(2).content === "First.\n\n```cpp\nint x;\n```\n\nLast.")
        tryVerify(() => chat.itemAtIndex(0) && chat.itemAtIndex(0).content === "Earlier")
        compare(chat.itemAtIndex(1).content, "Hi there")
    }

    function test_sourceModelMistakes() {
        const m = createTemporaryObject(segmentModel, testCase, {markdown: "kept"})
        const messages = createTemporaryObject(messagesComponent, testCase)
        m.sourceModel = testCase   // not a model: followed as none
        compare(m.sourceModel, null)
        m.sourceModel = messages
        m.sourceRow = 5            // no such row: the text stays
        m.sourceRole = "content"
        compare(m.markdown, "kept")
        ignoreWarning(/has no role "nosuchrole"/)
        m.sourceRole = "nosuchrole"
        m.sourceRow = 1
        compare(m.markdown, "kept")
        m.sourceRole = "content"
        compare(m.markdown, "First.")
    }

    // A code block longer than a piece (300 lines, then a 10,000-character line with 2-, 3- and
    // 4-byte UTF-8 characters, surrogate pairs included): several pieces, the header on the
    // first only, drawn as one box, and "Copy code" copies the whole block exactly, even when
    // its later pieces have no items (a list shows only the top).
    function longCode() {
        let lines = []
        for (let i = 0; i < 300; ++i)
            lines.push("int v" + i + " = f(\"s\", " + i + "); // line " + i)
        let line = ""
        while (line.length < 10000)
            line += "x = \"\u00e9\u20ac\ud83d\ude00\"; "
        return lines.join("\n") + "\n" + line + "\nint last = 0;"
    }

    Component {
        id: pasteTarget
        TextEdit { textFormat: TextEdit.PlainText }
    }
    function clipboardText() {
        const t = createTemporaryObject(pasteTarget, testCase)
        t.paste()
        return t.text
    }

    function pieces(item, out) {
        if (item.objectName === "messageSegment" && item.kind === "code")
            out.push(item)
        for (let i = 0; i < item.children.length; ++i)
            pieces(item.children[i], out)
        return out
    }

    function test_longCodeBlockInPieces() {
        const code = longCode()
        const d = createTemporaryObject(delegateComponent, testCase,
                                        {content: "Intro.\n\n```cpp\n" + code + "\n```\n\nEnd."})
        verify(d)
        const made = pieces(d, [])
        verify(made.length >= 5, made.length + " pieces")
        made.sort((a, b) => a.part - b.part)
        let joined = ""
        for (let i = 0; i < made.length; ++i) {
            const p = made[i]
            compare(p.part, i)
            compare(p.continues, i + 1 < made.length)
            // The piece's text is read from the model in C++, not passed into QML.
            compare(p.text, "")
            const text = p.blockSource.data(p.blockSource.index(p.row, 0), Qt.DisplayRole)
            verify(text.length > 0 && text.length <= 4096)
            joined += (i > 0 && !p.joinsLine ? "\n" : "") + text
            tryVerify(() => (findChild(p, "copyCode") !== null) === (i === 0), 5000, "header of piece " + i)
            if (i > 0) {
                // One box: this piece's code starts where the one before ends.
                const before = findChild(made[i - 1], "codeText")
                const here = findChild(p, "codeText")
                tryVerify(() => here.mapToItem(d, 0, 0).y === before.mapToItem(d, 0, before.height).y, 5000,
                          "piece " + i + " starts at " + here.mapToItem(d, 0, 0).y + ", the one before ends at "
                          + before.mapToItem(d, 0, before.height).y)
            }
        }
        compare(joined, code)
        verify(made.some(p => p.joinsLine), "the long line is cut")
        mouseClick(findChild(made[0], "copyCode"))
        compare(clipboardText(), code)
    }

    function test_copyCodeCopiesPiecesWithoutItems() {
        const code = longCode()
        const list = createTemporaryObject(listComponent, testCase,
                                           {content: "Intro.\n\n```cpp\n" + code + "\n```\n\nEnd."})
        verify(list)
        tryVerify(() => list.itemAtIndex(0) !== null && pieces(list.contentItem, []).length > 0)
        const made = pieces(list.contentItem, [])
        verify(findChild(list.itemAtIndex(0), "answerSegments").count > made.length + 2,
               "some pieces have no items: " + made.length)
        let first = null
        tryVerify(() => { first = made.find(p => p.part === 0 && findChild(p, "copyCode") !== null); return !!first })
        mouseClick(findChild(first, "copyCode"))
        compare(clipboardText(), code)
    }
}
