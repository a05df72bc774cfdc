import QtQuick

// A dialog's or popup's surface, drawn by the theme (the style's own is a shadow effect that
// does not render offscreen, where the screenshots are taken, and ignores the theme).
Rectangle {
    color: Theme.colors.raised
    radius: Theme.radiusL
    border.color: Theme.colors.border
    border.width: Theme.borderWidth
}
