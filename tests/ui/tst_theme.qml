import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// The palettes: every text colour on the surfaces it is written on reaches WCAG AA (4.5:1), in
// light and dark; the palette in use follows App.settings.theme.
TestCase {
    name: "Theme"

    // WCAG 2.x relative luminance of an sRGB colour.
    function luminance(c) {
        const lin = v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)
        return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
    }
    function contrast(a, b) {
        const la = luminance(a)
        const lb = luminance(b)
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05)
    }

    // The formula against WCAG's own reference points, so the check below can fail.
    function test_contrastFormula() {
        fuzzyCompare(contrast(Qt.color("#000000"), Qt.color("#ffffff")), 21, 0.001)
        fuzzyCompare(contrast(Qt.color("#777777"), Qt.color("#ffffff")), 4.48, 0.01)
        fuzzyCompare(contrast(Qt.color("#ffffff"), Qt.color("#ffffff")), 1, 0.001)
    }

    function test_pairsReachAA_data() {
        return [{ tag: "light", colors: Theme.lightColors }, { tag: "dark", colors: Theme.darkColors }]
    }
    function test_pairsReachAA(data) {
        verify(Theme.textPairs.length >= 20, "the pairs are listed")
        for (const [fg, bg] of Theme.textPairs) {
            const f = data.colors[fg]
            const b = data.colors[bg]
            verify(f !== undefined && b !== undefined, fg + " on " + bg + " are palette colours")
            const ratio = contrast(f, b)
            verify(ratio >= 4.5, `${data.tag}: ${fg} ${f} on ${bg} ${b} is ${ratio.toFixed(2)}:1, below 4.5:1`)
        }
    }

    // The pairs cover every text colour of the palette.
    function test_everyTextColourIsChecked() {
        const named = new Set(Theme.textPairs.map(p => p[0]))
        for (const c of ["text", "textMuted", "accent", "textOnAccent", "danger", "warning", "codeText"])
            verify(named.has(c), c + " is checked")
    }

    function test_followsSetting() {
        const before = App.settings.theme
        App.settings.theme = "dark"
        verify(Theme.dark)
        compare(Theme.colors, Theme.darkColors)
        App.settings.theme = "light"
        verify(!Theme.dark)
        compare(Theme.colors, Theme.lightColors)
        // The offscreen platform's palette is light: "system" follows it.
        App.settings.theme = "system"
        compare(Theme.dark, Theme.system.window.hslLightness < 0.5)
        App.settings.theme = before
    }

    function test_iconUrl() {
        compare(Theme.icon("copy").toString(), "qrc:/icons/copy.svg")
    }
}
