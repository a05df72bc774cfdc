import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// Under a user's message: the files it was sent with (name and size).
Flow {
    id: root

    required property var messageId
    // Stored just after the message's delegate is made: read again when they are.
    readonly property var attachments: App.documents && App.documents.attachmentsRevision >= 0
                                       ? App.documents.attachmentsFor(root.messageId) : []

    spacing: Theme.spaceS
    visible: root.attachments.length > 0

    Repeater {
        model: root.attachments

        delegate: Label {
            required property var modelData

            textFormat: Text.PlainText
            font.pixelSize: Theme.fontCaption
            opacity: 0.75
            text: modelData.name + " · " + modelData.sizeText
        }
    }
}
