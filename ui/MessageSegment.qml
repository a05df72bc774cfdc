import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

// A piece of an answer: Markdown prose (its inline formulas as image://math images), a code block
// with its language and a copy button, or a display formula, centred, with "Copy LaTeX".
Item {
    id: root

    required property string kind       // "text" | "code" | "math"
    required property string text       // code: without its fences (what "Copy code" copies); math: the LaTeX
    required property string language
    required property string markdown
    required property bool closed       // code: its closing fence has arrived
    required property bool plain        // prose too costly for Qt's Markdown: shown as text
    // A piece of a long code block (MessageSegmentModel cuts them, its roles of the same names):
    // the block's header is on its first piece only, and the pieces are drawn as one box.
    property int part: 0                // 0: the block's first piece
    property bool continues: false      // the block goes on in the next piece
    property bool joinsLine: false      // starts inside a line cut at the end of the piece before
    property int offset: 0              // where the piece starts in the block's code
    // Where "Copy code" takes the whole block from (the later pieces may have no items), and this
    // piece's row in it; without one, the piece's own text. Given, a prose or code piece is read
    // from that row in C++ as it changes (ProseDocument, CodeHighlighter.showRow), and `text` /
    // `markdown` are used only for math: no script string of the piece per streamed delta.
    property MessageSegmentModel blockSource: null
    property int row: -1
    readonly property bool isCode: kind === "code"
    readonly property bool isMath: kind === "math"

    implicitHeight: isCode ? codeBox.implicitHeight : isMath ? mathBox.implicitHeight : prose.implicitHeight

    TextEdit {
        id: prose
        objectName: "proseText"
        visible: !root.isCode && !root.isMath
        width: parent.width
        // Filled by ProseDocument, not through `text`: given Markdown as its text, Qt 6.4's
        // TextEdit lays the document out again after each run the importer inserts.
        // Completes the formulas' image names (safeMarkdown): the window's text colour and pixel ratio.
        baseUrl: MathText.baseUrl(palette.text, Screen.devicePixelRatio)
        // Qt keeps the images it loaded when the base changes (another theme): the piece is
        // imported again, so that they are asked for in the new colour. Not at creation.
        onBaseUrlChanged: if (complete && !root.isCode && !root.isMath) proseDocument.reload()
        textFormat: root.plain ? TextEdit.PlainText : TextEdit.MarkdownText
        wrapMode: TextEdit.Wrap
        readOnly: true
        selectByMouse: true
        color: palette.text
        selectionColor: palette.highlight
        font.pixelSize: Theme.fontBody
        // With formulas, the text (each formula as its LaTeX): the document holds an object
        // character where each one is, which is all a screen reader would say of it.
        Accessible.name: proseDocument.spokenText.length > 0 ? proseDocument.spokenText : qsTr("Message text")
        Accessible.role: Accessible.StaticText
        // The text of a link may lie: hovering shows where it leads, clicking asks first.
        onLinkActivated: link => root.confirmLink(link)
        // Copying a selection gives its formulas as LaTeX ($…$), not as object characters.
        Keys.onPressed: event => {
            if (event.matches(StandardKey.Copy) && prose.selectedText.length > 0) {
                App.copyText(MathText.selectedText(prose.textDocument, prose.selectionStart, prose.selectionEnd))
                event.accepted = true
            }
        }

        TapHandler {
            acceptedButtons: Qt.RightButton
            onTapped: (eventPoint, button) => root.openProseMenu(eventPoint.position)
        }

        // Filled once complete: before, the format is still being set, and the TextEdit's own
        // completion edits the document (the import would be thrown away and done again).
        property bool complete: false
        Component.onCompleted: complete = true
        onTextFormatChanged: proseDocument.refresh()   // Qt converts the document itself then
        // Bound to the piece's properties: no script call with the piece's text per delta.
        ProseDocument {
            id: proseDocument
            document: prose.textDocument
            markdown: root.markdown
            text: root.text
            plain: root.plain
            source: root.blockSource
            row: root.row
            active: prose.complete && !root.isCode && !root.isMath
        }

        // Made on the first hover of a link: a tooltip (a popup and its items) per piece made
        // is a good part of what making a piece costs, and a streamed answer makes one a delta.
        // The Component: Qt 6.4's qmllint cannot see that `prose` is in scope there (it is: the
        // QML context; Qt 6.5's "pragma ComponentBehavior: Bound" makes it checkable).
        // qmllint disable unqualified
        Loader {
            objectName: "linkTargetLoader"
            active: prose.hoveredLink.length > 0 || item !== null
            sourceComponent: Component {
                PlainToolTip {
                    objectName: "linkTarget"
                    visible: prose.hoveredLink.length > 0
                    text: prose.hoveredLink
                }
            }
        }
        // qmllint enable unqualified
    }

    function openProseMenu(position) {
        proseMenuLoader.active = true
        // A Loader's item is a QObject to qmllint; here the Menu below.
        proseMenuLoader.item.openAt(position, MathText.formulaAt(prose.textDocument, prose.positionAt(position.x, position.y)))   // qmllint disable type
    }

    function confirmLink(link) {
        linkDialogLoader.active = true
        // A Loader's item is a QObject to qmllint; here the Dialog below.
        linkDialogLoader.item.ask(link)   // qmllint disable type
    }

    // The two Components below: Qt 6.4's qmllint cannot see that `root`, `link` and the loaders'
    // ids are in scope inside them (they are: the QML context; Qt 6.5's
    // "pragma ComponentBehavior: Bound" makes it checkable).
    // qmllint disable unqualified
    // Created on first use: one dialog per piece of every answer would cost each its creation.
    Loader {
        id: linkDialogLoader
        objectName: "linkDialogLoader"
        active: false
        sourceComponent: Component {
            Dialog {
                id: linkDialog
                property var link: ({ openable: false, target: "", scheme: "" })
                function ask(href) {
                    link = Links.check(href)
                    open()
                }
                parent: Overlay.overlay
                anchors.centerIn: parent
                width: Math.min(parent.width * 0.9, 520)
                modal: true
                title: link.openable ? qsTr("Open this link?") : qsTr("This link is not opened")
                standardButtons: link.openable ? (Dialog.Open | Dialog.Cancel) : Dialog.Ok
                onAccepted: if (link.openable) Links.open(link.target)

                ColumnLayout {
                    width: parent.width
                    spacing: Theme.spaceM
                    Label {
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        wrapMode: Text.Wrap
                        text: link.openable ? qsTr("It leads to:")
                                            : qsTr("Causerie opens only web (http, https) and e-mail (mailto) links from a conversation. This one is:")
                    }
                    Label {
                        objectName: "linkDialogTarget"
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        wrapMode: Text.WrapAnywhere
                        font.family: "monospace"
                        text: link.target
                    }
                }
            }
        }
    }

    // The prose's context menu, made on first use: copy the selection (formulas as LaTeX), or the
    // LaTeX of the formula under the pointer.
    Loader {
        id: proseMenuLoader
        objectName: "proseMenuLoader"
        active: false
        sourceComponent: Component {
            Menu {
                id: proseMenu
                property string formula: ""
                function openAt(position, latex) {
                    formula = latex
                    popup(prose, position.x, position.y)
                }
                MenuItem {
                    text: qsTr("Copy")
                    enabled: prose.selectedText.length > 0
                    onTriggered: App.copyText(MathText.selectedText(prose.textDocument, prose.selectionStart,
                                                                    prose.selectionEnd))
                }
                MenuItem {
                    objectName: "copyFormulaLatex"
                    text: qsTr("Copy LaTeX")
                    visible: proseMenu.formula.length > 0
                    height: visible ? implicitHeight : 0
                    onTriggered: App.copyText(proseMenu.formula)
                }
            }
        }
    }

    // Made only for display math: the formula centred, or its source when it does not lay out
    // (or is still being written).
    Loader {
        id: mathBox
        objectName: "mathBox"
        active: root.isMath
        visible: root.isMath
        width: parent.width
        sourceComponent: Component {
            Item {
                id: mathItem
                readonly property string url: root.closed ? MathText.displaySource(root.text, palette.text,
                                                                                     Screen.devicePixelRatio) : ""
                width: mathBox.width
                implicitHeight: Math.max(url.length > 0 ? formula.height : mathSource.implicitHeight,
                                         copyLatex.implicitHeight) + 8

                Image {
                    id: formula
                    objectName: "mathImage"
                    visible: mathItem.url.length > 0
                    source: mathItem.url
                    y: 4
                    // The image has the window's pixel ratio: its size in pixels, divided back.
                    width: implicitWidth / Screen.devicePixelRatio
                    height: implicitHeight / Screen.devicePixelRatio
                    x: Math.max(0, (parent.width - width) / 2)
                    Accessible.role: Accessible.Graphic
                    Accessible.name: root.text
                }
                TextEdit {
                    id: mathSource
                    objectName: "mathSource"
                    visible: mathItem.url.length === 0
                    y: 4
                    width: parent.width - copyLatex.width - 8
                    text: visible ? root.markdown : ""
                    textFormat: TextEdit.PlainText
                    wrapMode: TextEdit.WrapAnywhere
                    readOnly: true
                    selectByMouse: true
                    color: palette.text
                    selectionColor: palette.highlight
                    font.family: "monospace"
                    font.pixelSize: Theme.fontCode
                    Accessible.name: qsTr("Formula source")
                }
                ToolButton {
                    id: copyLatex
                    objectName: "copyLatex"
                    anchors.right: parent.right
                    y: 4
                    text: qsTr("Copy LaTeX")
                    font.pixelSize: Theme.fontCaption
                    opacity: hovered || activeFocus ? 1 : 0.6
                    Accessible.name: qsTr("Copy LaTeX")
                    onClicked: App.copyText(root.text)
                }
            }
        }
    }

    // Made only for code: a prose piece (most of an answer) carries no code box items.
    Loader {
        id: codeBox
        active: root.isCode
        visible: root.isCode
        width: parent.width
        sourceComponent: Component {
            // The pieces of a block are drawn as one box: a piece's box runs past the edges it
            // shares with the pieces before and after it, and is clipped there (no border, no
            // rounded corner, no padding between two pieces).
            Item {
                width: codeBox.width
                implicitHeight: codeColumn.y + codeColumn.implicitHeight + (root.continues ? 0 : 8)
                clip: root.part > 0 || root.continues

                Rectangle {
                    objectName: "codeBackground"
                    readonly property real hidden: radius + border.width
                    y: root.part > 0 ? -hidden : 0
                    width: parent.width
                    height: parent.height - y + (root.continues ? hidden : 0)
                    radius: Theme.radiusM
                    color: Theme.colors.raised
                    border.color: Theme.colors.border
                }

                // A Column, not a ColumnLayout: a layout asks the TextEdit for its implicit width,
                // and from then on Qt lays the whole block out twice more on every change (once
                // unwrapped to measure it); with a given width only the changed lines are.
                Column {
                    id: codeColumn
                    x: 8
                    y: root.part > 0 ? 0 : 8
                    width: parent.width - 16
                    spacing: Theme.spaceXs

                    // The block's header, on its first piece only (made only there).
                    Loader {
                        objectName: "codeHeader"
                        active: root.part === 0
                        visible: active
                        width: parent.width
                        sourceComponent: Component {
                            RowLayout {
                                Label {
                                    text: root.language.length > 0 ? root.language : qsTr("code")
                                    textFormat: Text.PlainText
                                    color: Theme.colors.textMuted
                                    font.pixelSize: Theme.fontCaption
                                }
                                Item { Layout.fillWidth: true }
                                // An icon, its name as tooltip and accessible name (IconButton).
                                IconButton {
                                    objectName: "copyCode"
                                    iconName: "copy"
                                    text: qsTr("Copy code")
                                    onClicked: App.copyText(root.blockSource ? root.blockSource.codeBlock(root.row)
                                                                             : root.text)
                                }
                            }
                        }
                    }
                    // Plain text coloured by CodeHighlighter, which keeps the document in step with the
                    // code: a streamed block is appended to, never parsed or laid out again whole.
                    TextEdit {
                        id: code
                        objectName: "codeText"
                        width: parent.width
                        textFormat: TextEdit.PlainText
                        wrapMode: TextEdit.WrapAnywhere
                        readOnly: true
                        selectByMouse: true
                        color: palette.text
                        selectionColor: palette.highlight
                        font.pixelSize: Theme.fontCode
                        Accessible.name: qsTr("Code")
                        function refresh() {
                            if (root.blockSource)
                                CodeHighlighter.showRow(code.textDocument, root.blockSource, root.row)
                            else
                                CodeHighlighter.show(code.textDocument, root.isCode ? root.text : "", root.language,
                                                     root.closed, root.offset, root.joinsLine)
                        }
                        Component.onCompleted: refresh()
                        Connections {
                            target: root.blockSource
                            function onSegmentChanged(changed) { if (changed === root.row) code.refresh() }
                        }
                        Connections {
                            target: root
                            function onBlockSourceChanged() { code.refresh() }
                            function onRowChanged() { code.refresh() }
                            function onTextChanged() { code.refresh() }
                            function onLanguageChanged() { code.refresh() }
                            function onClosedChanged() { code.refresh() }
                            function onIsCodeChanged() { code.refresh() }
                            function onOffsetChanged() { code.refresh() }
                            function onJoinsLineChanged() { code.refresh() }
                        }
                    }
                }
            }
        }
    }
    // qmllint enable unqualified
}
