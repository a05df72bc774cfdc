import QtQuick
import QtQuick.Controls

// A button drawn as a Breeze icon (resources/icons/<iconName>.svg), recoloured to the theme. Its
// text is never drawn but is always its tooltip and its accessible name; keyboard focus shows a
// ring. `filled`: drawn on the accent (the composer's send button).
ToolButton {
    id: control

    required property string iconName
    required text                        // the tooltip and the accessible name
    property string shortcutHint: ""     // shown in the tooltip: "Settings (Ctrl+,)"
    property bool filled: false
    property color iconColor: filled ? Theme.colors.textOnAccent : Theme.colors.text

    display: AbstractButton.IconOnly
    focusPolicy: Qt.StrongFocus
    padding: (Theme.iconButtonSize - Theme.iconSize) / 2
    implicitWidth: Theme.iconButtonSize
    implicitHeight: Theme.iconButtonSize
    icon.source: Theme.icon(iconName)
    icon.width: Theme.iconSize
    icon.height: Theme.iconSize
    icon.color: iconColor
    opacity: enabled ? 1 : Theme.disabledOpacity

    Accessible.name: text
    Accessible.role: Accessible.Button

    ToolTip.visible: (hovered || visualFocus) && text.length > 0
    ToolTip.delay: Theme.tooltipDelay
    ToolTip.text: shortcutHint.length > 0 ? qsTr("%1 (%2)").arg(text).arg(shortcutHint) : text

    background: Rectangle {
        implicitWidth: Theme.iconButtonSize
        implicitHeight: Theme.iconButtonSize
        radius: control.filled ? height / 2 : Theme.radiusM
        color: control.filled ? Theme.colors.accent
             : control.down || control.checked ? Theme.colors.selected
             : control.hovered ? Theme.colors.hover : "transparent"
        border.width: control.visualFocus ? Theme.focusWidth : 0
        border.color: control.filled ? Theme.colors.text : Theme.colors.focus
    }
}
