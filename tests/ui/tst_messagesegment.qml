import QtQuick
import QtQuick.Controls
import QtTest
import Causerie.App
import Causerie.Ui

// Links in an answer: hovering shows where a link leads (whatever its text says), clicking asks
// first and shows the full target; schemes other than http, https and mailto are refused. The
// dialogs are never accepted here: that would open the desktop's browser.
TestCase {
    id: testCase
    name: "MessageSegment"
    when: windowShown
    visible: true
    width: 600
    height: 400

    Component {
        id: segmentComponent
        MessageSegment {
            width: 600
            kind: "text"
            language: ""
            text: "[the docs](https://example.org/a?b=c) and more"
            markdown: "[the docs](https://example.org/a?b=c) and more"
            closed: true
            plain: false
        }
    }

    // Prose the model made too costly for Qt's Markdown (MessageSegmentModel's `plain` role) is
    // shown as the text it is: no link, no formatting, every character.
    Component {
        id: plainComponent
        MessageSegment {
            width: 600
            kind: "text"
            language: ""
            text: "[a](https://example.org/a) *b* <img src=x>"
            markdown: ""
            closed: true
            plain: true
        }
    }

    function test_plainProseIsShownAsText() {
        const s = createTemporaryObject(plainComponent, testCase)
        const prose = findChild(s, "proseText")
        verify(prose)
        compare(prose.textFormat, TextEdit.PlainText)
        compare(prose.getText(0, prose.length), "[a](https://example.org/a) *b* <img src=x>")
        verify(prose.implicitHeight > 0)
    }

    // The prose's document is filled in C++ (ProseDocument), not through `text`: it shows the
    // Markdown rendered, follows it as it streams, and switches to and from plain text.
    function test_proseFollowsItsMarkdown() {
        const s = createTemporaryObject(segmentComponent, testCase)
        const prose = findChild(s, "proseText")
        verify(prose)
        compare(prose.getText(0, prose.length), "the docs and more")
        const before = prose.implicitHeight
        verify(before > 0)
        s.markdown = "**Bold** and *more*\n\nA second paragraph."
        compare(prose.getText(0, prose.length), "Bold and more\u2029A second paragraph.")
        verify(prose.implicitHeight > before)
        s.text = "**raw** <b>x</b>"
        s.plain = true
        compare(prose.textFormat, TextEdit.PlainText)
        compare(prose.getText(0, prose.length), "**raw** <b>x</b>")
        s.plain = false
        compare(prose.textFormat, TextEdit.MarkdownText)
        compare(prose.getText(0, prose.length), "Bold and more\u2029A second paragraph.")
    }

    function test_hoverShowsTheTarget() {
        const s = createTemporaryObject(segmentComponent, testCase)
        const prose = findChild(s, "proseText")
        verify(prose)
        compare(findChild(s, "linkTarget"), null, "made on the first hover of a link")
        mouseMove(prose, 10, prose.height / 2)
        tryCompare(prose, "hoveredLink", "https://example.org/a?b=c")
        tryVerify(() => findChild(s, "linkTarget") !== null)
        const tip = findChild(s, "linkTarget")
        tryVerify(() => tip.visible)
        compare(tip.text, "https://example.org/a?b=c")
        mouseMove(prose, prose.width - 5, prose.height / 2)
        tryCompare(prose, "hoveredLink", "")
        tryVerify(() => !tip.visible)
    }

    function test_clickAsksWithTheFullTarget() {
        const s = createTemporaryObject(segmentComponent, testCase)
        const prose = findChild(s, "proseText")
        mouseClick(prose, 10, prose.height / 2)
        const loader = findChild(s, "linkDialogLoader")
        tryVerify(() => loader.item && loader.item.opened)
        compare(loader.item.link.openable, true)
        compare(loader.item.link.target, "https://example.org/a?b=c")
        const shown = findChild(loader.item.contentItem, "linkDialogTarget")
        verify(shown)
        compare(shown.text, "https://example.org/a?b=c")
        compare(shown.textFormat, Text.PlainText)
        loader.item.reject()
        tryVerify(() => !loader.item.opened)
    }

    function test_otherSchemesAreRefused_data() {
        return [
            { tag: "javascript", link: "javascript:alert(1)" },
            { tag: "file", link: "file:///etc/passwd" },
            { tag: "relative", link: "notes/readme.md" },
        ]
    }
    function test_otherSchemesAreRefused(data) {
        const s = createTemporaryObject(segmentComponent, testCase)
        findChild(s, "proseText").linkActivated(data.link)
        const loader = findChild(s, "linkDialogLoader")
        tryVerify(() => loader.item && loader.item.opened)
        compare(loader.item.link.openable, false)
        compare(loader.item.title, "This link is not opened")
        compare(findChild(loader.item.contentItem, "linkDialogTarget").text, data.link)
        loader.item.accept()   // "OK": nothing is opened
        tryVerify(() => !loader.item.opened)
    }

    // A piece of a long code block (MessageSegmentModel's part/continues roles): the header with
    // the language and "Copy code" is on the block's first piece only, and a piece that another
    // follows or continues has no padding on that side (the pieces are drawn as one box).
    Component {
        id: codeComponent
        MessageSegment {
            width: 600
            kind: "code"
            language: "cpp"
            text: "int x = 1;\nint y = 2;"
            markdown: ""
            closed: true
            plain: false
        }
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

    function codeTop(s) { return findChild(s, "codeText").mapToItem(s, 0, 0).y }
    function codeBottomGap(s) {
        const c = findChild(s, "codeText")
        return s.implicitHeight - (c.mapToItem(s, 0, 0).y + c.height)
    }

    function test_headerOnlyOnTheFirstPiece() {
        const first = createTemporaryObject(codeComponent, testCase, {part: 0, continues: true})
        const middle = createTemporaryObject(codeComponent, testCase, {part: 1, continues: true, joinsLine: true})
        const last = createTemporaryObject(codeComponent, testCase, {part: 2, continues: false})
        const whole = createTemporaryObject(codeComponent, testCase)
        tryVerify(() => findChild(first, "copyCode") !== null)
        verify(findChild(whole, "copyCode") !== null)
        verify(findChild(middle, "codeText") !== null)
        compare(findChild(middle, "copyCode"), null)
        compare(findChild(last, "copyCode"), null)
        // One box: no padding where a piece meets the next, the usual 8 px at the box's ends.
        // (Positions settle once the columns are polished.)
        tryVerify(() => codeTop(first) > 20, 5000, "the header is above the code: " + codeTop(first))
        tryVerify(() => codeBottomGap(first) === 0, 5000, "first: " + codeBottomGap(first))
        tryVerify(() => codeTop(middle) === 0 && codeBottomGap(middle) === 0)
        tryVerify(() => codeTop(last) === 0 && codeBottomGap(last) === 8)
        tryVerify(() => codeBottomGap(whole) === 8)
        // The box runs past the shared edges, where it is clipped: no border or corner between.
        const bg = findChild(middle, "codeBackground")
        verify(bg.y < 0 && bg.y + bg.height > middle.implicitHeight)
        const wholeBg = findChild(whole, "codeBackground")
        compare(wholeBg.y, 0)
        compare(wholeBg.height, whole.implicitHeight)
    }

    // The code box's copy action is an icon (issue 17): named for its tooltip and screen readers.
    function test_copyCodeIsAnIconButton() {
        const s = createTemporaryObject(codeComponent, testCase)
        tryVerify(() => findChild(s, "copyCode") !== null)
        const copy = findChild(s, "copyCode")
        compare(copy.iconName, "copy")
        compare(copy.display, AbstractButton.IconOnly)
        compare(copy.text, "Copy code")
        compare(copy.Accessible.name, "Copy code")
        compare(copy.ToolTip.text, "Copy code")
        verify(copy.icon.source.toString().endsWith("copy.svg"), copy.icon.source)
        verify(copy.activeFocusOnTab, "reachable by keyboard")
    }

    function test_copyWithoutAModelCopiesThePiece() {
        const s = createTemporaryObject(codeComponent, testCase)
        tryVerify(() => findChild(s, "copyCode") !== null)
        mouseClick(findChild(s, "copyCode"))
        compare(clipboardText(), "int x = 1;\nint y = 2;")
    }
    // Math (issue 17): a display formula is an image of the formula with "Copy LaTeX"; one that
    // does not lay out, or is still being written, shows its source; inline formulas in prose
    // (images named by safeMarkdown) copy as their LaTeX.
    Component {
        id: mathComponent
        MessageSegment {
            width: 600
            kind: "math"
            language: ""
            text: "\\frac{a}{b} = \\sqrt{x}"
            markdown: "$$\\frac{a}{b} = \\sqrt{x}$$"
            closed: true
            plain: false
        }
    }

    function test_displayMathIsAnImage() {
        const s = createTemporaryObject(mathComponent, testCase)
        tryVerify(() => findChild(s, "mathImage") !== null)
        const image = findChild(s, "mathImage")
        tryCompare(image, "status", Image.Ready)
        verify(image.visible)
        verify(image.width > 40 && image.height > 30)
        verify(Math.abs(image.x + image.width / 2 - s.width / 2) < 1)   // centred
        verify(image.source.toString().startsWith("image://math/"))
        verify(!findChild(s, "mathSource").visible)
        verify(s.implicitHeight >= image.height)
        mouseClick(findChild(s, "copyLatex"))
        compare(clipboardText(), "\\frac{a}{b} = \\sqrt{x}")
    }

    function test_displayMathThatFailsShowsItsSource() {
        for (const [latex, closed] of [["\\foo{x}", true], ["\\frac{a}{b}", false]]) {
            const s = createTemporaryObject(mathComponent, testCase, { text: latex, markdown: "$$" + latex, closed: closed })
            tryVerify(() => findChild(s, "mathSource") !== null)
            const source = findChild(s, "mathSource")
            verify(source.visible)
            compare(source.text, "$$" + latex)
            verify(!findChild(s, "mathImage").visible)
            verify(s.implicitHeight > 10)
        }
    }

    // Given the answer's model and a row (as AnswerSegments does), prose and code pieces read
    // that row in C++ and follow it as it streams; their `text` and `markdown` are not used.
    MessageSegmentModel { id: rows }
    Component {
        id: rowComponent
        MessageSegment {
            width: 600
            kind: "text"
            language: ""
            text: ""
            markdown: ""
            closed: false
            plain: false
            blockSource: rows
            row: 0
        }
    }

    function test_piecesShowTheirModelsRow() {
        rows.markdown = "Some *prose*"
        const prose = createTemporaryObject(rowComponent, testCase)
        const proseText = findChild(prose, "proseText")
        compare(proseText.getText(0, proseText.length), "Some prose")
        rows.markdown = "Some *prose*, streamed\n\n```cpp\nint x;"
        compare(proseText.getText(0, proseText.length), "Some prose, streamed")
        const code = createTemporaryObject(rowComponent, testCase, {kind: "code", language: "cpp", row: 1})
        tryVerify(() => findChild(code, "codeText") !== null)
        const codeText = findChild(code, "codeText")
        compare(codeText.text, "int x;")
        rows.markdown = "Some *prose*, streamed\n\n```cpp\nint x;\nint y;\n```\n"
        compare(codeText.text, "int x;\nint y;")
        compare(proseText.getText(0, proseText.length), "Some prose, streamed")
        tryVerify(() => findChild(code, "copyCode") !== null)
        mouseClick(findChild(code, "copyCode"))
        compare(clipboardText(), "int x;\nint y;")
        // Another answer in the model (another branch): both follow.
        rows.markdown = "Other *words*\n\n```\nz\n```\n"
        compare(proseText.getText(0, proseText.length), "Other words")
        compare(codeText.text, "z")
    }

    // Inline formulas of a piece read from the model: shown as images, asked for again in the
    // new colour on a theme change (ProseDocument.reload()), and copied as LaTeX.
    function test_inlineMathFromTheModelFollowsTheTheme() {
        rows.markdown = "so $x^2$ holds"
        const s = createTemporaryObject(rowComponent, testCase)
        const prose = findChild(s, "proseText")
        compare(MathText.selectedText(prose.textDocument, 0, prose.length), "so $x^2$ holds")
        compare(MathText.formulaAt(prose.textDocument, 3), "x^2")
        const before = prose.baseUrl.toString()
        s.palette.text = "#00ff00"
        verify(prose.baseUrl.toString() !== before)
        compare(MathText.selectedText(prose.textDocument, 0, prose.length), "so $x^2$ holds")
    }

    Component {
        id: inlineMathComponent
        MessageSegment {
            width: 600
            kind: "text"
            language: ""
            text: ""
            // What safeMarkdown makes of "so $x^2$ holds" (the image's size aside).
            markdown: "so <img src=\"i/15/eF4y\" width=\"24\" height=\"20\" align=\"middle\" /> holds"
            closed: true
            plain: false
        }
    }

    // A screen reader is given the formula's LaTeX, not the object character the image is in
    // the document; prose without formulas keeps its plain name.
    function test_inlineMathIsNamedByItsLatex() {
        const s = createTemporaryObject(inlineMathComponent, testCase)
        const prose = findChild(s, "proseText")
        compare(prose.Accessible.name, "so $x^2$ holds")
        verify(prose.getText(0, prose.length).indexOf("\ufffc") >= 0, "the document holds an object character")
        s.markdown = "now <img src=\"i/15/eF4y\" width=\"24\" height=\"20\" align=\"middle\" />"
        compare(prose.Accessible.name, "now $x^2$")
        s.markdown = "no formula"
        compare(prose.Accessible.name, "Message text")
    }

    function test_inlineMathCopiesAsLatex() {
        const s = createTemporaryObject(inlineMathComponent, testCase)
        const prose = findChild(s, "proseText")
        verify(prose.baseUrl.toString().startsWith("image://math/"))
        compare(MathText.selectedText(prose.textDocument, 0, prose.length), "so $x^2$ holds")
        compare(MathText.formulaAt(prose.textDocument, 3), "x^2")
        compare(MathText.formulaAt(prose.textDocument, 0), "")
        // Another theme: the formulas are asked for again in its colour, the text still follows.
        const before = prose.baseUrl.toString()
        s.palette.text = "#ff0000"
        verify(prose.baseUrl.toString() !== before)
        verify(prose.baseUrl.toString().startsWith("image://math/ffff0000/"))
        compare(MathText.selectedText(prose.textDocument, 0, prose.length), "so $x^2$ holds")
        s.markdown = "now <img src=\"i/15/eF4y\" width=\"24\" height=\"20\" align=\"middle\" />"
        compare(MathText.selectedText(prose.textDocument, 0, prose.length), "now $x^2$")
        s.markdown = "so <img src=\"i/15/eF4y\" width=\"24\" height=\"20\" align=\"middle\" /> holds"
        prose.forceActiveFocus()
        prose.select(0, prose.length)
        keySequence(StandardKey.Copy)
        compare(clipboardText(), "so $x^2$ holds")
    }
}
