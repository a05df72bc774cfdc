import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

TestCase {
    name: "Sidebar"
    when: windowShown
    visible: true   // hidden by default; the buttons must be clickable
    width: 300
    height: 500

    Sidebar {
        id: sidebar
        anchors.fill: parent
    }

    // A conversation of its own for each test that needs one, whatever ran before.
    function sendBonjour() {
        tryCompare(App.model, "state", LocalModel.Ready, 20000, "the tiny model is loaded")
        tryVerify(() => !App.chat.generating, 20000)
        App.newChat()
        verify(App.chat.send("Bonjour le monde"))
        tryVerify(() => !App.chat.generating, 20000)
    }

    function test_conversationListedUnderToday() {
        sendBonjour()
        verify(App.conversations.model.rowCount() >= 1)
        // The section role the list groups by.
        const idx = App.conversations.model.index(0, 0)
        compare(App.conversations.model.data(idx, Qt.UserRole + 100), "Today")
    }

    function test_searchFindsAndHighlights() {
        sendBonjour()
        const results = App.conversations.search("Bonjour")
        verify(results.length >= 1)
        verify(results[0].snippetHtml.indexOf("<b>Bonjour</b>") >= 0, results[0].snippetHtml)
    }

    // The file dialogs open (created on first use) without QML errors; what they do with the
    // chosen file is tested through the controller in tst_e2e.
    function test_importDialogOpens() {
        const button = findChild(sidebar, "importButton")
        verify(button)
        mouseClick(button)
        const loader = findChild(sidebar, "importDialogLoader")
        verify(loader.item)
        tryVerify(() => loader.item.visible, 5000)
        compare(loader.item.fileMode, 0)   // FileDialog.OpenFile
        loader.item.reject()
        tryVerify(() => !loader.item.visible, 5000)
    }

    function test_exportDialogProposesTheTitle() {
        sendBonjour()
        // The first conversation's delegate: the one holding an export loader.
        tryVerify(() => findChild(sidebar, "exportDialogLoader") !== null, 5000, "a conversation is listed")
        const loader = findChild(sidebar, "exportDialogLoader")
        loader.parent.exportTo("json")
        verify(loader.item)
        tryVerify(() => loader.item.visible, 5000)
        compare(loader.item.fileMode, 2)   // FileDialog.SaveFile
        // The name proposed is made from that conversation's title (tst_e2e checks the making).
        const name = App.conversations.exportFileName(loader.parent.conversationId, "json")
        verify(name.endsWith(".json") && name.length > 5, name)
        verify(loader.item.currentFile.toString().endsWith("/" + encodeURI(name)) ||
               loader.item.currentFile.toString().endsWith("/" + name), loader.item.currentFile)
        loader.item.reject()
    }
}
