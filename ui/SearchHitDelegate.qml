import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// One search result: the conversation's title, where the words were found ("Title" or "In
// messages") and the matching text with the words in bold. Opens the conversation.
ItemDelegate {
    id: hit

    // {conversationId, messageId, title, snippetHtml, inTitle} (ConversationsController::search)
    required property var modelData
    readonly property string where: modelData.inTitle ? qsTr("Title") : qsTr("In messages")

    Accessible.name: qsTr("%1, found in: %2").arg(modelData.title).arg(where)
    Accessible.role: Accessible.ListItem
    onClicked: App.openConversation(modelData.conversationId)

    contentItem: ColumnLayout {
        spacing: Theme.spaceXs
        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spaceS
            Label {
                Layout.fillWidth: true
                text: hit.modelData.title
                textFormat: Text.PlainText
                font.bold: true
                font.pixelSize: Theme.fontSmall
                elide: Text.ElideRight
                color: Theme.colors.text
            }
            Label {
                objectName: "searchWhere"
                text: hit.where
                font.pixelSize: Theme.fontCaption
                color: Theme.colors.textMuted
                padding: Theme.spaceXs
                background: Rectangle { color: Theme.colors.hover; radius: Theme.radiusS }
            }
        }
        Label {
            Layout.fillWidth: true
            visible: !hit.modelData.inTitle   // a title hit's snippet is the title itself
            // The matched words are bold; the store escapes everything else, so markup in a
            // message is shown as written (tested in tst_offline).
            objectName: "searchSnippet"
            text: hit.modelData.snippetHtml
            textFormat: Text.StyledText
            wrapMode: Text.Wrap
            maximumLineCount: 3
            elide: Text.ElideRight
            font.pixelSize: Theme.fontSmall
            color: Theme.colors.textMuted
        }
    }
}
