import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// The model dialog on the real controller with the tiny model loaded: its file has no chat
// template Causerie recognises, so the dialog says which one was assumed (as causerie-cli info).
TestCase {
    name: "ModelDialog"
    when: windowShown
    width: 700
    height: 700

    ModelDialog {
        id: dialog
    }

    function cleanup() {
        if (dialog.visible) {
            dialog.close()
            tryVerify(() => !dialog.visible)
        }
    }

    function test_assumedTemplateIsNoted() {
        tryVerify(() => App.model.state === LocalModel.Ready)
        dialog.open()
        tryVerify(() => dialog.opened)
        const note = findChild(dialog.contentItem, "chatTemplateNote")
        verify(note)
        verify(note.visible)
        compare(note.text, "Template not recognised; using Mistral v1")
        compare(App.model.chatTemplate, "mistral-v1")
        verify(!App.model.thinkingSwitch)
    }
}
