import QtQuick
import QtQuick.Controls

// A tooltip for data (a link's target, a server's message, a device note): shown exactly as
// written. The attached ToolTip renders its text as HTML when it looks like HTML, <img> included.
ToolTip {
    id: control
    width: Math.min(implicitWidth, Theme.tooltipWidth)
    contentItem: Label {
        text: control.text
        textFormat: Text.PlainText
        wrapMode: Text.WrapAnywhere
        font: control.font
    }
}
