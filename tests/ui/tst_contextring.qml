import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// The context ring: the arc's share and colour follow the numbers, the numbers are in the
// tooltip on hover and keyboard focus, and the accessible name says them.
TestCase {
    id: testCase
    name: "ContextRing"
    when: windowShown
    visible: true   // TestCase is hidden by default: the ring must be drawn and take focus
    width: 200
    height: 100

    Rectangle {
        width: 200
        height: 100
        color: Theme.colors.window
    }
    ContextRing {
        id: ring
        x: 20
        y: 20
        used: 0
        size: 4096
    }

    function init() {
        App.settings.theme = "light"
        ring.used = 0
        ring.size = 4096
    }
    function cleanupTestCase() { App.settings.theme = "system" }

    // How many pixels of the ring's grab are close to `c`.
    function count(c) {
        const image = grabImage(ring)
        let n = 0
        for (let y = 0; y < image.height; ++y)
            for (let x = 0; x < image.width; ++x) {
                const p = image.pixel(x, y)
                if (Math.abs(p.r - c.r) < 0.1 && Math.abs(p.g - c.g) < 0.1 && Math.abs(p.b - c.b) < 0.1)
                    ++n
            }
        return n
    }

    function test_fractionAndColour() {
        ring.used = 1024
        compare(ring.fraction, 0.25)
        compare(ring.arcColor, Theme.colors.accent)
        ring.used = 3300   // past three quarters
        compare(ring.arcColor, Theme.colors.warning)
        ring.used = 4000   // past 90 %
        compare(ring.arcColor, Theme.colors.danger)
        verify(!ring.over)
        ring.used = 5000
        compare(ring.fraction, 1)
        verify(ring.over)
        compare(ring.arcColor, Theme.colors.danger)
    }

    // The arc is drawn: more of the accent for a fuller context, none when empty.
    function test_arcIsDrawn() {
        tryVerify(() => count(Theme.colors.accent) === 0, 2000, "nothing drawn for an empty context")
        ring.used = 1024
        let quarter = 0
        tryVerify(() => (quarter = count(Theme.colors.accent)) > 5, 2000, "a quarter of the ring is drawn")
        ring.used = 3000
        tryVerify(() => count(Theme.colors.accent) > 2 * quarter, 2000, "three quarters draw more than twice as much")
    }

    function test_numbersOnHoverAndFocus() {
        ring.used = 1234
        const tip = findChild(ring, "contextRingTip")
        verify(tip)
        verify(!tip.visible)
        verify(tip.text.indexOf(Number(1234).toLocaleString(Qt.locale(), 'f', 0)) >= 0, tip.text)
        verify(tip.text.indexOf(Number(4096).toLocaleString(Qt.locale(), 'f', 0)) >= 0, tip.text)
        verify(tip.text.indexOf("30%") >= 0, tip.text)
        compare(ring.Accessible.name, ring.summary)
        mouseMove(ring, ring.width / 2, ring.height / 2)
        tryVerify(() => tip.visible, 3000, "shown on hover")
        mouseMove(testCase, 190, 90)
        tryVerify(() => !tip.visible, 3000)
        ring.forceActiveFocus(Qt.TabFocusReason)
        tryVerify(() => tip.visible, 3000, "shown on keyboard focus")
        ring.focus = false
    }

    function test_overSaysWhatHappens() {
        ring.used = 5000
        const tip = findChild(ring, "contextRingTip")
        verify(tip.text.indexOf("left out") >= 0, tip.text)
    }

    // An unknown context size draws nothing and shows no numbers.
    function test_unknownSize() {
        ring.size = 0
        ring.used = 100
        compare(ring.fraction, 0)
        verify(!ring.over)
        ring.forceActiveFocus(Qt.TabFocusReason)
        wait(0)
        verify(!findChild(ring, "contextRingTip").visible)
        ring.focus = false
    }
}
