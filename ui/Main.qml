import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Causerie.App

ApplicationWindow {
    id: window

    width: 1100
    height: 720
    minimumWidth: 640
    minimumHeight: 420
    visible: true
    // qint64 properties: Qt 6.4's qmllint lacks the "qlonglong" type.
    title: App.chat.conversationId > 0 ? qsTr("Causerie — %1").arg(sidebar.currentTitle) : qsTr("Causerie")   // qmllint disable type

    // The controls take their colours from the theme (ui/theme/Theme.qml).
    Material.theme: Theme.dark ? Material.Dark : Material.Light
    Material.accent: Theme.colors.accent
    Material.background: Theme.colors.window
    Material.foreground: Theme.colors.text
    color: Theme.colors.window

    SplitView {
        anchors.fill: parent

        Sidebar {
            id: sidebar
            SplitView.preferredWidth: 280
            SplitView.minimumWidth: 200
        }

        ColumnLayout {
            SplitView.fillWidth: true
            spacing: 0

            TopBar {
                Layout.fillWidth: true
                onOpenModels: modelDialog.open()
                onOpenSettings: settingsDialog.open()
                onOpenConversationSettings: window.openConversationSettings()
            }
            ChatView {
                id: chatView
                Layout.fillWidth: true
                Layout.fillHeight: true
                onEditRequested: (messageId, text) => composer.startEdit(messageId, text)
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
        y: window.height - height - 64
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
        anchors.centerIn: parent
        width: Math.min(window.width * 0.8, 560)
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

    Component.onCompleted: {
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
