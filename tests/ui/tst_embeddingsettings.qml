import QtQuick
import QtQuick.Controls
import QtTest
import Causerie.App
import Causerie.Ui

// Settings → Libraries' embedding model: the choice is the setting, nothing is chosen by
// default, and the embedding job's state is shown (here an unusable file, said plainly).
TestCase {
    id: testCase
    name: "EmbeddingSettings"
    when: windowShown
    visible: true   // the controls must be clickable
    width: 700
    height: 400

    EmbeddingSettings {
        id: page
        anchors.fill: parent
        libraries: App.documents.libraries
    }

    function cleanup() {
        App.settings.embeddingSource = "none"
        App.settings.embeddingModelFile = ""
    }

    function test_noneByDefaultAndTheChoiceIsTheSetting() {
        compare(App.settings.embeddingSource, "none")
        const source = findChild(page, "embeddingSource")
        verify(source)
        compare(source.currentText, "None (words only)")
        const status = findChild(page, "embeddingStatus")
        verify(!status.visible)   // no job without a model
        const endpoint = findChild(page, "embeddingEndpoint")
        verify(!endpoint.visible)

        App.settings.embeddingSource = "remote"
        compare(source.currentText, "A remote endpoint")
        verify(endpoint.visible)
        verify(endpoint.count > 0)   // the endpoints of Settings → Remote
    }

    function test_unusableFileSaysWhy() {
        App.settings.embeddingModelFile = "/nonexistent/embed.gguf"
        App.settings.embeddingSource = "local"
        const status = findChild(page, "embeddingStatus")
        tryVerify(() => status.visible && status.text.indexOf("could not be used") >= 0, 10000,
                  "the indexer reports the model it could not open")
        compare(App.documents.libraries.embedding.state, "error")
        App.settings.embeddingSource = "none"
        tryVerify(() => !status.visible, 5000)
    }
}
