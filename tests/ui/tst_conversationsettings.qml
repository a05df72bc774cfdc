import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// The "Chat options" dialog on the real controller: its check boxes and fields change the open
// conversation's own values, and an empty chat gets a conversation to hold them.
TestCase {
    name: "ConversationSettings"
    when: windowShown
    width: 700
    height: 700

    ConversationSettingsDialog {
        id: dialog
    }

    // Each test starts from an empty chat, the dialog closed, whatever ran before.
    function init() {
        App.newChat()
        App.settings.temperature = 0.0
    }

    function cleanup() {
        if (dialog.visible) {
            dialog.close()
            tryVerify(() => !dialog.visible)
        }
    }

    function test_followsDefaultsThenHoldsItsOwn() {
        App.settings.systemPrompt = "Default prompt."
        dialog.open()
        tryVerify(() => dialog.opened)
        const ownPrompt = findChild(dialog.contentItem, "ownSystemPrompt")
        const prompt = findChild(dialog.contentItem, "conversationSystemPrompt")
        const ownSampling = findChild(dialog.contentItem, "ownSampling")
        verify(ownPrompt && prompt && ownSampling)
        verify(!ownPrompt.checked)
        verify(!prompt.enabled)
        compare(prompt.text, "Default prompt.")
        compare(App.chat.conversationId, 0)

        mouseClick(ownPrompt)
        verify(App.conversationOptions.customSystemPrompt)
        verify(App.chat.conversationId > 0, "the empty chat got a conversation to hold the value")
        verify(prompt.enabled)
        prompt.text = "Tu réponds en français."
        dialog.close()
        tryVerify(() => !dialog.visible)
        compare(App.conversationOptions.systemPrompt, "Tu réponds en français.")
        compare(App.settings.systemPrompt, "Default prompt.", "the default is unchanged")
    }

    function test_samplingCheckBox() {
        dialog.open()
        tryVerify(() => dialog.opened)
        const ownSampling = findChild(dialog.contentItem, "ownSampling")
        verify(!ownSampling.checked)
        App.settings.temperature = 0.4
        compare(App.conversationOptions.temperature, 0.4, "follows the default while unchecked")
        mouseClick(ownSampling)
        verify(App.conversationOptions.customSampling)
        App.settings.temperature = 0.9
        compare(App.conversationOptions.temperature, 0.4, "fixed once it has its own")
        mouseClick(ownSampling)
        verify(!App.conversationOptions.customSampling)
        compare(App.conversationOptions.temperature, 0.9)
        App.settings.temperature = 0.0
        dialog.close()
    }

    // The thinking switch follows the model: the tiny Mistral model's template has none, so the
    // box is hidden; shown (as for a Qwen3 model), it turns the conversation's thinking off and on.
    function test_thinkingSwitchOnlyForTemplatesThatHaveIt() {
        dialog.open()
        tryVerify(() => dialog.opened)
        const thinking = findChild(dialog.contentItem, "thinking")
        verify(thinking)
        verify(!App.model.thinkingSwitch)
        verify(!dialog.showThinking)
        verify(!thinking.visible)

        dialog.showThinking = true
        tryVerify(() => thinking.visible)
        verify(thinking.checked, "on unless turned off")
        mouseClick(thinking)
        verify(!App.conversationOptions.thinking)
        verify(App.chat.conversationId > 0, "the empty chat got a conversation to hold the value")
        mouseClick(thinking)
        verify(App.conversationOptions.thinking)
        dialog.showThinking = Qt.binding(() => !App.conversationRemote && App.model.thinkingSwitch)
        dialog.close()
    }
}
