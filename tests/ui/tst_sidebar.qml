import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

TestCase {
    name: "Sidebar"
    when: windowShown
    width: 300
    height: 500

    Sidebar {
        id: sidebar
        anchors.fill: parent
    }

    function test_1_conversationListedUnderToday() {
        App.newChat()
        verify(App.chat.send("Bonjour le monde"))
        tryVerify(() => !App.chat.generating, 20000)
        verify(App.conversations.rowCount() >= 1)
        // The section role the list groups by.
        const idx = App.conversations.index(0, 0)
        compare(App.conversations.data(idx, Qt.UserRole + 100), "Today")
    }

    function test_2_searchFindsAndHighlights() {
        const results = App.search("Bonjour")
        verify(results.length >= 1)
        verify(results[0].snippetHtml.indexOf("<b>Bonjour</b>") >= 0, results[0].snippetHtml)
    }
}
