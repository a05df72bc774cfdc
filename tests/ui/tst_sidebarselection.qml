import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// The sidebar's folders and multi-selection as a user drives them: Ctrl/Shift-click, Shift+arrows,
// Ctrl+A, Escape, Delete (confirmed, undoable), the selection bar, a folder opened and closed,
// and search saying whether a title or a message matched.
TestCase {
    name: "SidebarSelection"
    when: windowShown
    visible: true
    width: 320
    height: 600

    Sidebar {
        id: sidebar
        anchors.fill: parent
    }

    property var folder: 0

    function list() { return findChild(sidebar, "conversationList") }

    // The delegate (ConversationDelegate or FolderDelegate) shown for row `i`.
    function rowItem(i) {
        const row = list().itemAtIndex(i)
        return row ? row.children[0].item : null
    }

    function selectedRows() {
        const out = []
        for (let i = 0; i < list().count; ++i)
            if (App.conversations.model.data(App.conversations.model.index(i, 0), Qt.UserRole + 12))
                out.push(i)
        return out
    }

    function init() {
        App.conversations.clearSelection()
        folder = App.conversations.createFolder("Selection test " + Date.now())
        verify(folder > 0)
        for (let i = 0; i < 3; ++i)
            verify(App.conversations.newChatInFolder(folder) > 0)
        // The folder's header, then its three conversations.
        tryVerify(() => list().count >= 4)
        compare(App.conversations.model.data(App.conversations.model.index(0, 0), Qt.UserRole + 8), true)
        tryVerify(() => rowItem(3) !== null && rowItem(3).height > 0)
        waitForRendering(sidebar)
    }

    function cleanup() {
        App.conversations.clearSelection()
        for (let i = list().count - 1; i >= 1; --i) {
            const idx = App.conversations.model.index(i, 0)
            if (App.conversations.model.data(idx, Qt.UserRole + 9) === folder)
                App.conversations.select(i, Conversations.SelectToggle)
        }
        App.conversations.removeSelection()
        App.conversations.removeFolder(folder)
    }

    function test_ctrlAndShiftClick() {
        mouseClick(rowItem(1), 20, 10, Qt.LeftButton, Qt.ControlModifier)
        compare(App.conversations.selectionCount, 1)
        compare(selectedRows(), [1])
        verify(rowItem(1).highlighted)
        mouseClick(rowItem(3), 20, 10, Qt.LeftButton, Qt.ControlModifier)
        compare(selectedRows(), [1, 3])
        // Shift: from the last Ctrl-clicked row (3) to row 2.
        mouseClick(rowItem(2), 20, 10, Qt.LeftButton, Qt.ShiftModifier)
        compare(selectedRows(), [2, 3])
        const bar = findChild(sidebar, "selectionBar")
        verify(bar.visible)
        compare(findChild(bar, "selectionCount").text, "Selected: 2")
        // A plain click opens and drops the selection.
        mouseClick(rowItem(1), 20, 10)
        compare(App.conversations.selectionCount, 0)
        verify(!bar.visible)
        compare(App.chat.conversationId, App.conversations.model.data(App.conversations.model.index(1, 0), Qt.UserRole + 1))
    }

    function test_keyboardSelects() {
        list().forceActiveFocus()
        list().currentIndex = 1
        keyClick(Qt.Key_Down, Qt.ShiftModifier)
        compare(list().currentIndex, 2)
        compare(selectedRows(), [1, 2])
        keyClick(Qt.Key_Down, Qt.ShiftModifier)
        compare(selectedRows(), [1, 2, 3])
        keyClick(Qt.Key_Escape)
        compare(App.conversations.selectionCount, 0)
        keyClick(Qt.Key_Space)
        compare(selectedRows(), [3])
        keyClick(Qt.Key_Up)
        keyClick(Qt.Key_Space)
        compare(selectedRows(), [2, 3])
        keyClick(Qt.Key_A, Qt.ControlModifier)
        verify(App.conversations.selectionCount >= 3)
        // Enter on the folder's header closes it (remembered by the store) and opens it again.
        App.conversations.clearSelection()
        list().currentIndex = 0
        keyClick(Qt.Key_Return)
        tryVerify(() => App.conversations.model.data(App.conversations.model.index(0, 0), Qt.UserRole + 10) === true)
        verify(list().count >= 1)
        keyClick(Qt.Key_Return)
        tryVerify(() => App.conversations.model.data(App.conversations.model.index(0, 0), Qt.UserRole + 10) === false)
    }

    function test_deleteSelectionWithUndo() {
        const before = list().count
        mouseClick(rowItem(1), 20, 10, Qt.LeftButton, Qt.ControlModifier)
        mouseClick(rowItem(2), 20, 10, Qt.LeftButton, Qt.ControlModifier)
        list().forceActiveFocus()
        keyClick(Qt.Key_Delete)
        const confirm = findChild(sidebar, "confirmSelectionDelete")
        tryVerify(() => confirm.visible)
        compare(confirm.title, "Delete 2 conversations?")
        confirm.accept()
        tryCompare(list(), "count", before - 2)
        compare(App.conversations.pendingDeleteCount, 2)
        App.conversations.undoRemove()
        tryCompare(list(), "count", before)
    }

    function test_dropMovesOutOfTheFolder() {
        const moved = App.conversations.model.data(App.conversations.model.index(1, 0), Qt.UserRole + 1)
        // The drop handler the rows call: onto a row outside folders (folder 0).
        sidebar.dropOn(rowItem(1), 0)
        compare(App.conversations.folderOf(moved), 0)
        App.conversations.moveToFolder(moved, folder)
        compare(App.conversations.folderOf(moved), folder)
    }

    function test_dragIntoAFolder() {
        const id = App.conversations.model.data(App.conversations.model.index(1, 0), Qt.UserRole + 1)
        App.conversations.moveToFolder(id, 0)
        const row = App.conversations.rowOf(id)
        verify(row > 2)
        tryVerify(() => rowItem(row) !== null && rowItem(row).conversationId === id)
        waitForRendering(sidebar)
        const from = rowItem(row)
        const header = rowItem(0)
        const target = header.mapToItem(from, 40, header.height / 2)
        mousePress(from, 40, 10)
        for (let step = 1; step <= 10; ++step)
            mouseMove(from, 40 + (target.x - 40) * step / 10, 10 + (target.y - 10) * step / 10)
        mouseRelease(from, target.x, target.y)
        tryVerify(() => App.conversations.folderOf(id) === folder, 2000, "dropped on the folder's header")
    }

    // Folders in the user's order: a header dragged onto another folder takes its place; the
    // menu's Move up / Move down (reached from the keyboard through the Menu key) do it a step
    // at a time. Both persisted by the store.
    function test_foldersReorderedByHand() {
        const other = App.conversations.createFolder("Other " + Date.now())
        verify(other > 0)
        App.conversations.setFolderCollapsed(folder, true)
        tryVerify(() => rowItem(1) !== null && rowItem(1).folderId === other)
        compare(App.conversations.folderIndex(folder), 0)
        compare(App.conversations.folderIndex(other), 1)
        waitForRendering(sidebar)
        const from = rowItem(1)
        const header = rowItem(0)
        const target = header.mapToItem(from, 40, header.height / 2)
        mousePress(from, 40, 10)
        for (let step = 1; step <= 10; ++step)
            mouseMove(from, 40 + (target.x - 40) * step / 10, 10 + (target.y - 10) * step / 10)
        mouseRelease(from, target.x, target.y)
        tryVerify(() => App.conversations.folderIndex(other) === 0, 2000, "dropped on the first folder")
        compare(App.conversations.folderIndex(folder), 1)

        // The menu of the first folder: Move up disabled, Move down enabled and taken.
        tryVerify(() => rowItem(0) !== null && rowItem(0).folderId === other)
        list().forceActiveFocus()
        list().currentIndex = 0
        keyClick(Qt.Key_Menu)
        const up = findChild(rowItem(0), "folderMoveUp")
        const down = findChild(rowItem(0), "folderMoveDown")
        verify(up !== null && down !== null)
        tryVerify(() => down.visible)
        verify(!up.enabled)
        verify(down.enabled)
        mouseClick(down)
        tryVerify(() => App.conversations.folderIndex(other) === 1)
        compare(App.conversations.folderIndex(folder), 0)
        App.conversations.setFolderCollapsed(folder, false)
        App.conversations.removeFolder(other)
    }

    function test_searchSaysTitleOrMessage() {
        const id = App.conversations.model.data(App.conversations.model.index(1, 0), Qt.UserRole + 1)
        App.conversations.rename(id, "Zanzibar notes")
        const search = findChild(sidebar, "searchField")
        search.text = "zanzibar"
        const results = findChild(sidebar, "searchResults")
        tryVerify(() => results.visible && results.count >= 1)
        const where = findChild(results.itemAtIndex(0), "searchWhere")
        compare(where.text, "Title")
        search.text = ""
    }
}
