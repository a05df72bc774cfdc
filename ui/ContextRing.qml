import QtQuick
import QtQuick.Controls

// How much of the model's context the conversation (and the draft) fills, as a small ring; the
// numbers on hover or keyboard focus. Past the context the local engine leaves the oldest
// exchanges out of the prompt: the ring turns to the danger colour.
Item {
    id: root

    required property int used    // tokens
    required property int size    // tokens; 0: unknown (nothing drawn)

    readonly property real fraction: size > 0 ? Math.min(1, used / size) : 0
    readonly property bool over: size > 0 && used > size
    readonly property color arcColor: over || fraction > 0.9 ? Theme.colors.danger
                                    : fraction > 0.75 ? Theme.colors.warning : Theme.colors.accent
    readonly property string summary: qsTr("Context: %1 of %2 tokens (%3%)")
                                      .arg(used.toLocaleString(Qt.locale(), 'f', 0))
                                      .arg(size.toLocaleString(Qt.locale(), 'f', 0))
                                      .arg(Math.round(100 * used / Math.max(1, size)))

    implicitWidth: Theme.ringSize
    implicitHeight: Theme.ringSize
    activeFocusOnTab: true
    Accessible.role: Accessible.ProgressBar
    Accessible.name: summary

    Canvas {
        id: canvas
        anchors.fill: parent
        // Sharp on HiDPI: the canvas is drawn at the screen's pixel density.
        renderStrategy: Canvas.Immediate
        onPaint: {
            const ctx = getContext("2d")
            ctx.reset()
            const line = Theme.ringLine
            const r = Math.min(width, height) / 2 - line
            ctx.lineWidth = line
            ctx.strokeStyle = Theme.colors.border
            ctx.beginPath()
            ctx.arc(width / 2, height / 2, r, 0, 2 * Math.PI)
            ctx.stroke()
            if (root.fraction > 0) {
                ctx.strokeStyle = root.arcColor
                ctx.lineCap = "round"
                ctx.beginPath()
                ctx.arc(width / 2, height / 2, r, -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * root.fraction)
                ctx.stroke()
            }
        }
        Connections {
            target: root
            function onFractionChanged() { canvas.requestPaint() }
            function onArcColorChanged() { canvas.requestPaint() }
        }
    }

    // The focus ring, as the buttons have.
    Rectangle {
        anchors.fill: parent
        anchors.margins: -Theme.spaceXs
        radius: width / 2
        color: "transparent"
        border.width: root.activeFocus ? Theme.focusWidth : 0
        border.color: Theme.colors.focus
    }

    HoverHandler { id: hover }
    PlainToolTip {
        objectName: "contextRingTip"
        visible: (hover.hovered || root.activeFocus) && root.size > 0
        delay: Theme.tooltipDelay
        text: root.summary + (root.over ? "\n" + qsTr("The oldest messages will be left out of the model's view.") : "")
    }
}
