import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// The composer's chips with the real DocumentsController: a file becomes a chip (read off the GUI
// thread), shows its size and tokens, a bad one shows why, and ✕ removes it before sending.
TestCase {
    id: testCase
    name: "AttachmentChips"
    when: windowShown
    width: 600
    height: 200

    AttachmentChips {
        id: chips
        width: 600
        documents: App.documents
    }

    function chipItems() {
        let found = []
        for (let i = 0; i < chips.children.length; ++i)
            if (chips.children[i].objectName === "attachmentChip")
                found.push(chips.children[i])
        return found
    }

    function detailOf(chip) {
        return findChild(chip, "chipDetail").text
    }

    function cleanup() {
        while (App.documents.chips.length > 0)
            App.documents.removeChip(App.documents.chips[0].id)
    }

    function test_fileBecomesAChipThenIsRemoved() {
        compare(chipItems().length, 0)
        App.documents.attachUrls([Qt.resolvedUrl("tst_attachmentchips.qml")])
        tryVerify(() => chipItems().length === 1 && App.documents.chips[0].state === "ready", 10000)
        const detail = detailOf(chipItems()[0])
        verify(detail.indexOf("KB") >= 0 || detail.indexOf("bytes") >= 0, detail)
        tryVerify(() => /\d+ tokens/.test(detailOf(chipItems()[0])), 20000, "the tiny model counted its tokens")
        verify(detailOf(chipItems()[0]).indexOf("about") < 0, "counted, not estimated")
        const remove = findChild(chipItems()[0], "removeChip")
        verify(remove !== null)
        remove.clicked()   // the test case is not shown: no mouse event reaches it
        tryVerify(() => App.documents.chips.length === 0)
        tryVerify(() => chipItems().length === 0)
    }

    function test_badFileShowsItsError() {
        App.documents.attachUrls([Qt.resolvedUrl("no-such-file.pdf")])
        tryVerify(() => chipItems().length === 1 && App.documents.chips[0].state === "error", 10000)
        const detail = detailOf(chipItems()[0])
        verify(detail.indexOf("does not exist") >= 0, detail)
    }
}
