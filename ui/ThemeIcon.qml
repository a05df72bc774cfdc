import QtQuick
import QtQuick.Controls.impl

// A Breeze icon (resources/icons/<name>.svg) drawn in a theme colour, outside a button.
IconImage {
    required property string iconName
    source: Theme.icon(iconName)
    sourceSize.width: Theme.iconSize
    sourceSize.height: Theme.iconSize
    color: Theme.colors.text
}
