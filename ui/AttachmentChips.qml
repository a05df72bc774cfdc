import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Causerie.App

// The files attached to the message being written, one chip each: name, size and tokens, or why
// the file cannot be read; removable before sending. Files are read in C++, off the GUI thread.
Flow {
    id: root

    required property DocumentsController documents

    function openFileDialog() {
        dialogLoader.active = true
        // a Loader's item is a QObject to qmllint; here the FileDialog below.
        dialogLoader.item.open()   // qmllint disable type
    }

    spacing: Theme.spaceS
    visible: root.documents !== null && root.documents.chips.length > 0

    Repeater {
        model: root.documents ? root.documents.chips : []

        delegate: Frame {
            id: chip

            required property var modelData
            readonly property string chipState: modelData.state

            objectName: "attachmentChip"
            padding: Theme.spaceS
            Accessible.description: chip.modelData.budgetNote

            // How much of the documents a remote model is given when its context is unknown.
            HoverHandler {
                id: chipHover
            }
            PlainToolTip {
                objectName: "chipBudgetNote"
                visible: chipHover.hovered && chip.modelData.budgetNote.length > 0
                delay: Theme.tooltipDelay
                text: chip.modelData.budgetNote
            }

            RowLayout {
                spacing: Theme.spaceS

                ColumnLayout {
                    spacing: 0

                    Label {
                        text: chip.modelData.name
                        textFormat: Text.PlainText
                        font.bold: true
                        elide: Text.ElideMiddle
                        Layout.maximumWidth: 240
                    }
                    Label {
                        objectName: "chipDetail"
                        textFormat: Text.PlainText
                        wrapMode: Text.Wrap
                        Layout.maximumWidth: 320
                        font.pixelSize: Theme.fontCaption
                        color: chip.chipState === "error" ? Theme.colors.danger : Theme.colors.text
                        opacity: chip.chipState === "error" ? 1 : 0.75
                        text: {
                            const c = chip.modelData
                            if (c.state === "reading")
                                return qsTr("Reading…")
                            if (c.state === "error")
                                return c.error
                            let parts = [c.sizeText]
                            if (!c.image) {
                                const n = Number(c.tokens).toLocaleString(Qt.locale(), 'f', 0)
                                parts.push(c.tokens < 0 ? qsTr("counting tokens…")
                                                        : c.tokensEstimated ? qsTr("about %1 tokens").arg(n)
                                                                            : qsTr("%1 tokens").arg(n))
                            }
                            if (c.note.length > 0)
                                parts.push(c.note)
                            return parts.join(" · ")
                        }
                    }
                }
                ToolButton {
                    objectName: "removeChip"
                    text: "✕"
                    Accessible.name: qsTr("Remove %1").arg(chip.modelData.name)
                    // The file's ids inside a delegate: Qt 6.4 has no ComponentBehavior: Bound.
                    onClicked: root.documents.removeChip(chip.modelData.id)   // qmllint disable unqualified
                }
            }
        }
    }

    Loader {
        id: dialogLoader
        active: false
        sourceComponent: Component {
            FileDialog {
                id: fileDialog
                title: qsTr("Attach files")
                fileMode: FileDialog.OpenFiles
                // The file's ids inside a component: Qt 6.4 has no ComponentBehavior: Bound.
                onAccepted: root.documents.attachUrls(fileDialog.selectedFiles)   // qmllint disable unqualified
            }
        }
    }
}
