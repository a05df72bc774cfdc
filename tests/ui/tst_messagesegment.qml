import QtQuick
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

    function test_hoverShowsTheTarget() {
        const s = createTemporaryObject(segmentComponent, testCase)
        const prose = findChild(s, "proseText")
        verify(prose)
        const tip = findChild(s, "linkTarget")
        verify(tip)
        verify(!tip.visible)
        mouseMove(prose, 10, prose.height / 2)
        tryCompare(prose, "hoveredLink", "https://example.org/a?b=c")
        tryVerify(() => tip.visible)
        compare(tip.text, "https://example.org/a?b=c")
        mouseMove(prose, prose.width - 5, prose.height / 2)
        tryCompare(prose, "hoveredLink", "")
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
}
