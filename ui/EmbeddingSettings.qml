import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Causerie.App

// The embedding model of hybrid retrieval (part of Settings → Libraries): none, a local GGUF
// embedding model, or the /v1/embeddings of a remote endpoint the user picks here (only then do
// passages leave this computer). Passages get their vectors in the background, shown like indexing.
ColumnLayout {
    id: root

    required property LibrariesController libraries
    readonly property var job: root.libraries ? root.libraries.embedding : ({})

    spacing: Theme.spaceS

    RowLayout {
        Layout.fillWidth: true
        Label { text: qsTr("Embedding model:") }
        ComboBox {
            id: source
            objectName: "embeddingSource"
            Layout.fillWidth: true
            model: [{ key: "none", name: qsTr("None (words only)") },
                    { key: "local", name: qsTr("A local GGUF file") },
                    { key: "remote", name: qsTr("A remote endpoint") }]
            textRole: "name"
            valueRole: "key"
            currentIndex: Math.max(0, indexOfValue(App.settings.embeddingSource))
            Accessible.name: qsTr("Embedding model")
            onActivated: App.settings.embeddingSource = currentValue
        }
    }

    RowLayout {
        Layout.fillWidth: true
        visible: App.settings.embeddingSource === "local"
        Label {
            Layout.fillWidth: true
            textFormat: Text.PlainText
            elide: Text.ElideMiddle
            text: App.settings.embeddingModelFile.length > 0 ? App.settings.embeddingModelFile
                                                             : qsTr("No file chosen (e.g. Qwen3-Embedding-0.6B GGUF)")
        }
        Button {
            text: qsTr("Choose a file…")
            onClicked: fileDialog.open()
        }
    }
    FileDialog {
        id: fileDialog
        title: qsTr("Embedding model (GGUF)")
        nameFilters: [qsTr("GGUF models (*.gguf)")]
        // The file's URL: AppSettings keeps its local path.
        onAccepted: App.settings.embeddingModelFile = selectedFile
    }

    RowLayout {
        Layout.fillWidth: true
        visible: App.settings.embeddingSource === "remote"
        ComboBox {
            objectName: "embeddingEndpoint"
            Layout.fillWidth: true
            model: App.remote.endpoints
            textRole: "name"
            valueRole: "id"
            currentIndex: indexOfValue(App.settings.embeddingEndpoint)
            Accessible.name: qsTr("Endpoint for embeddings")
            onActivated: App.settings.embeddingEndpoint = currentValue
        }
        TextField {
            objectName: "embeddingRemoteModel"
            Layout.fillWidth: true
            placeholderText: qsTr("Model, e.g. mistral-embed")
            Accessible.name: qsTr("Embedding model name")
            text: App.settings.embeddingRemoteModel
            onEditingFinished: App.settings.embeddingRemoteModel = text
        }
    }
    Label {
        Layout.fillWidth: true
        visible: App.settings.embeddingSource === "remote"
        wrapMode: Text.Wrap
        font.pixelSize: Theme.fontCaption
        opacity: 0.8
        text: qsTr("The text of your library passages and of your questions is sent to this endpoint.")
    }

    ProgressBar {
        Layout.fillWidth: true
        visible: root.job.state === "embedding"
        from: 0
        to: Math.max(1, root.job.total || 0)
        value: root.job.done || 0
    }
    Label {
        objectName: "embeddingStatus"
        Layout.fillWidth: true
        visible: root.job.state !== "off"
        textFormat: Text.PlainText
        wrapMode: Text.Wrap
        font.pixelSize: Theme.fontCaption
        color: root.job.state === "error" ? Theme.colors.danger : Theme.colors.text
        text: root.job.state === "embedding" ? qsTr("Embedding passages: %1 of %2").arg(root.job.done).arg(root.job.total)
              : root.job.state === "waiting" ? qsTr("Waiting to embed…")
              : root.job.state === "error" ? root.job.message
              : qsTr("%1 passages have vectors").arg(root.job.vectors || 0)
    }
}
