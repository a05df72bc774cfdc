import QtQuick
import QtQuick.Controls
import QtTest
import Causerie.App
import Causerie.Ui

// IconButton: its icon is drawn, in the theme's text colour (so dark mode recolours it); its
// text is its accessible name and tooltip; it takes keyboard focus and shows it.
TestCase {
    id: testCase
    name: "IconButton"
    when: windowShown
    visible: true   // TestCase is hidden by default: the buttons must be drawn and take focus
    width: 200
    height: 100

    Rectangle {
        width: 200
        height: 100
        color: Theme.colors.window
    }
    Row {
        IconButton {
            id: button
            iconName: "copy"
            text: "Copy message"
            shortcutHint: "Ctrl+C"
            property int clicks: 0
            onClicked: ++clicks
        }
        IconButton {
            id: other
            iconName: "settings"
            text: "Settings"
        }
    }

    // The share of pixels in `image` close to `c` (each channel within 40/255).
    function share(image, c) {
        let n = 0
        let total = 0
        for (let y = 0; y < image.height; y += 1)
            for (let x = 0; x < image.width; x += 1) {
                const p = image.pixel(x, y)
                ++total
                if (Math.abs(p.r - c.r) < 0.16 && Math.abs(p.g - c.g) < 0.16 && Math.abs(p.b - c.b) < 0.16)
                    ++n
            }
        return n / total
    }

    function init() { App.settings.theme = "light" }
    function cleanupTestCase() { App.settings.theme = "system" }

    function test_accessibleNameAndTooltip() {
        compare(button.Accessible.name, "Copy message")
        compare(button.ToolTip.text, "Copy message (Ctrl+C)")
        compare(other.ToolTip.text, "Settings")
        compare(button.display, AbstractButton.IconOnly)
    }

    function test_iconIsDrawnInThemeColour_data() {
        return [{ tag: "dark", theme: "dark" }, { tag: "light", theme: "light" }]
    }
    function test_iconIsDrawnInThemeColour(data) {
        App.settings.theme = data.theme
        compare(button.icon.color, Theme.colors.text)
        compare(grabImage(button).width, button.width)
        // Some pixels of the icon in the text colour: the SVG was found, drawn and recoloured
        // (the Breeze files are drawn in #232629, far from the dark palette's text). The image
        // is loaded asynchronously the first time.
        tryVerify(() => share(grabImage(button), Theme.colors.text) > 0.03, 5000,
                  "the icon is drawn in " + Theme.colors.text)
    }

    function test_keyboardFocusIsShownAndActivates() {
        button.clicks = 0
        button.forceActiveFocus(Qt.TabFocusReason)
        verify(button.activeFocus)
        verify(button.visualFocus)
        compare(button.background.border.width, Theme.focusWidth)
        keyClick(Qt.Key_Space)
        compare(button.clicks, 1)
        tryVerify(() => button.ToolTip.toolTip.visible, 2000, "the tooltip shows on keyboard focus too")
        verify(button.activeFocusOnTab)
        keyClick(Qt.Key_Tab)
        verify(other.activeFocus, "Tab moves to the next button, not " + testCase.Window.activeFocusItem)
        compare(button.background.border.width, 0)
    }
}
