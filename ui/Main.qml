import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Causerie.App

ApplicationWindow {
    id: window

    // As the user left it (App.settings.windowGeometry), else the default size.
    readonly property var savedGeometry: App.settings.windowGeometry   // a QRect
    x: savedGeometry.width > 0 ? savedGeometry.x : x
    y: savedGeometry.width > 0 ? savedGeometry.y : y
    width: savedGeometry.width > 0 ? savedGeometry.width : Theme.windowWidth
    height: savedGeometry.width > 0 ? savedGeometry.height : Theme.windowHeight
    minimumWidth: Theme.windowMinWidth
    minimumHeight: Theme.windowMinHeight
    visible: true
    // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
    title: App.chat.conversationId > 0 ? qsTr("Causerie — %1").arg(sidebar.currentTitle) : qsTr("Causerie")   // qmllint disable type

    // The controls take their colours from the theme (ui/theme/Theme.qml).
    Material.theme: Theme.dark ? Material.Dark : Material.Light
    Material.accent: Theme.colors.accent
    Material.background: Theme.colors.window
    Material.foreground: Theme.colors.text
    color: Theme.colors.window
    // What reads the palette (text views, Markdown links, selections) follows the theme too.
    palette.window: Theme.colors.window
    palette.windowText: Theme.colors.text
    palette.base: Theme.colors.window
    palette.alternateBase: Theme.colors.raised
    palette.text: Theme.colors.text
    palette.button: Theme.colors.raised
    palette.buttonText: Theme.colors.text
    palette.highlight: Theme.colors.selection
    palette.highlightedText: Theme.colors.text
    palette.link: Theme.colors.accent
    palette.linkVisited: Theme.colors.accent
    palette.placeholderText: Theme.colors.textMuted
    palette.mid: Theme.colors.border
    palette.toolTipBase: Theme.colors.raised
    palette.toolTipText: Theme.colors.text
    // Controls' labels as written: Material's buttons would shout them in capitals.
    font.capitalization: Font.MixedCase

    // Saved a moment after the last change (a resize sends many).
    Timer {
        id: saveGeometry
        interval: 500
        onTriggered: App.settings.windowGeometry = Qt.rect(window.x, window.y, window.width, window.height)
    }
    onXChanged: saveGeometry.restart()
    onYChanged: saveGeometry.restart()
    onWidthChanged: saveGeometry.restart()
    onHeightChanged: saveGeometry.restart()

    SplitView {
        anchors.fill: parent

        // A hairline between the sidebar and the chat, wider to the pointer than to the eye.
        handle: Item {
            implicitWidth: Theme.splitHandleWidth
            Rectangle {
                anchors.horizontalCenter: parent.horizontalCenter
                width: Theme.borderWidth
                height: parent.height
                // SplitHandle is attached to the handle: Qt 6.4's qmllint cannot resolve it.
                color: parent.SplitHandle.hovered || parent.SplitHandle.pressed ? Theme.colors.accent : Theme.colors.border   // qmllint disable
            }
        }

        Sidebar {
            id: sidebar
            objectName: "sidebar"
            SplitView.preferredWidth: App.settings.sidebarWidth
            SplitView.minimumWidth: Theme.sidebarMinWidth
            onWidthChanged: saveSidebarWidth.restart()
            Timer {
                id: saveSidebarWidth
                interval: 500
                onTriggered: App.settings.sidebarWidth = Math.round(sidebar.width)
            }
        }

        ColumnLayout {
            SplitView.fillWidth: true
            spacing: 0

            TopBar {
                Layout.fillWidth: true
                onOpenModels: modelDialog.open()
                onOpenCatalog: modelDialog.openCatalog()
                onOpenModelFile: modelDialog.openFile()
                onOpenSettings: settingsDialog.open()
                onOpenConversationSettings: window.openConversationSettings()
            }
            ChatView {
                id: chatView
                Layout.fillWidth: true
                Layout.fillHeight: true
                onEditRequested: (messageId, text) => composer.startEdit(messageId, text)
                onPromptChosen: text => composer.fill(text)
            }
            Composer {
                id: composer
                Layout.fillWidth: true
                onEditLastRequested: chatView.editLastUserMessage()
            }
            StatusLine {
                Layout.fillWidth: true
            }
        }
    }

    // Code colours follow the window's light or dark palette.
    Binding {
        target: CodeHighlighter
        property: "dark"
        value: Theme.dark
    }

    ModelDialog {
        id: modelDialog
        objectName: "modelDialog"
    }
    SettingsDialog {
        id: settingsDialog
        objectName: "settingsDialog"
    }
    // Made fresh each time, so its fields show the conversation open at that moment.
    Loader {
        id: conversationSettings
        active: false
        sourceComponent: ConversationSettingsDialog {
            // inside the Loader's Component: Qt 6.4's qmllint cannot see the id.
            onClosed: conversationSettings.active = false   // qmllint disable unqualified
        }
    }
    function openConversationSettings() {
        conversationSettings.active = true
        // a Loader's item is a QObject to qmllint; here the dialog above.
        conversationSettings.item.open()   // qmllint disable type
    }

    // Screen readers: the streamed answer, a few sentences at a time, then its end (App.announcer;
    // Qt 6.4 has no announcement API: this invisible item is the live region).
    Item {
        objectName: "liveRegion"
        Accessible.role: Accessible.AlertMessage
        Accessible.name: App.announcer.text
        Component.onCompleted: App.announcer.attach(this)
    }

    // A conversation was deleted: it can still be brought back for a few seconds.
    ToolTip {
        id: undoBar
        x: (window.width - width) / 2
        y: window.height - height - Theme.undoBarOffset
        timeout: 8000
        contentItem: RowLayout {
            Label {
                text: App.conversations.pendingDeleteCount > 1
                      ? qsTr("%1 conversations deleted.").arg(App.conversations.pendingDeleteCount)
                      : qsTr("Conversation deleted.")
            }
            Button {
                text: qsTr("Undo")
                flat: true
                Accessible.name: qsTr("Undo delete")
                onClicked: App.conversations.undoRemove()
            }
        }
    }

    Dialog {
        id: errorDialog
        property alias text: errorText.text
        background: DialogBackground {}
        anchors.centerIn: parent
        width: Math.min(window.width * 0.8, Theme.dialogWidth)
        modal: true
        title: qsTr("Something went wrong")
        standardButtons: Dialog.Ok
        Label {
            id: errorText
            width: parent.width
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
        }
    }

    Connections {
        target: App.conversations
        function onPendingDeleteChanged() {
            // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
            if (App.conversations.pendingDeleteId > 0)   // qmllint disable type
                undoBar.open()
            else
                undoBar.close()
        }
    }

    Connections {
        target: App.model
        function onLoadFailed(path: string, message: string) {
            errorDialog.title = qsTr("The model could not be opened")
            errorDialog.text = path + "\n\n" + message
            errorDialog.open()
        }
        function onGpuFallback(model: string, reason: string) {
            errorDialog.title = qsTr("The model is not (entirely) on the GPU")
            errorDialog.text = qsTr("%1 was opened, but not as the settings asked (device: NVIDIA GPU).").arg(model)
                + "\n\n" + reason + "\n\n"
                + qsTr("It works, more slowly. Settings → Engine chooses the device and the number of GPU layers.")
            errorDialog.open()
        }
    }

    Connections {
        target: App
        function onErrorOccurred(message: string) {
            errorDialog.title = qsTr("Something went wrong")
            errorDialog.text = message
            errorDialog.open()
        }
    }

    // The conversation open when the app was left, opened again if it still exists.
    function restoreConversation() {
        // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
        const id = App.settings.lastConversation   // qmllint disable type
        const list = App.conversations ? App.conversations.model : null
        if (id <= 0 || !list)
            return
        for (let row = 0; row < list.rowCount(); ++row) {
            if (list.conversationIdAt(row) === id) {
                App.openConversation(id)
                return
            }
        }
    }
    Connections {
        target: App.chat
        // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
        function onConversationIdChanged() { App.settings.lastConversation = App.chat.conversationId }   // qmllint disable type
    }

    Component.onCompleted: {
        restoreConversation()
        if (App.storeError.length > 0) {
            errorDialog.title = qsTr("Your conversations could not be opened")
            errorDialog.text = App.storeError
            errorDialog.open()
        }
    }

    Shortcut {
        sequence: "Ctrl+N"
        onActivated: { App.newChat(); composer.focusInput() }
    }
    Shortcut {
        sequence: "Ctrl+K"
        onActivated: sidebar.focusSearch()
    }
    Shortcut {
        sequence: "Esc"
        enabled: App.chat.generating
        onActivated: App.chat.stop()
    }
    Shortcut {
        sequence: "Ctrl+,"
        onActivated: settingsDialog.open()
    }
    Shortcut {
        sequence: "Ctrl+Shift+O"
        onActivated: window.openConversationSettings()
    }
    Shortcut {
        // StandardKey is QKeySequence's enum, unknown to Qt 6.4's qmllint.
        sequence: StandardKey.Open   // qmllint disable unqualified
        onActivated: modelDialog.openFile()
    }
    Shortcut {
        // StandardKey is QKeySequence's enum, unknown to Qt 6.4's qmllint.
        sequences: [StandardKey.Quit]   // qmllint disable unqualified
        onActivated: Qt.quit()
    }
}
