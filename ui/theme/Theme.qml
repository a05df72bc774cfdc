pragma Singleton
import QtQuick
import Causerie.App

// The window's visual system in one place: light and dark palettes (App.settings.theme, or the
// system's when it is "system"), type scale, spacing, radii, icon sizes and motion. Nothing
// outside ui/theme/ writes a colour or a size literally (scripts/check-ui-literals.sh).
QtObject {
    id: theme

    // The desktop's own palette, read when the user follows the system.
    readonly property SystemPalette system: SystemPalette {
        colorGroup: SystemPalette.Active
    }
    readonly property bool dark: App.settings.theme === "dark"
                                 || (App.settings.theme !== "light" && system.window.hslLightness < 0.5)

    readonly property ColorSet lightColors: ColorSet {
        window: "#ffffff"
        sidebar: "#f6f4f1"
        bubble: "#efebe6"
        raised: "#f4f2ef"
        hover: "#e9e5e0"
        selected: "#e3ddd5"
        border: "#ddd7cf"
        scrim: "#66000000"
        text: "#1f1d1a"
        textMuted: "#5d5852"
        accent: "#b03b0a"
        textOnAccent: "#ffffff"
        danger: "#b42318"
        warning: "#8a5300"
        codeText: "#24211d"
        selection: "#fcd9bd"
        focus: "#b03b0a"
    }
    readonly property ColorSet darkColors: ColorSet {
        window: "#1b1a19"
        sidebar: "#232120"
        bubble: "#302d2a"
        raised: "#282624"
        hover: "#34312e"
        selected: "#3d3935"
        border: "#3b3835"
        scrim: "#99000000"
        text: "#ecebe8"
        textMuted: "#aaa49c"
        accent: "#fb923c"
        textOnAccent: "#1b1a19"
        danger: "#f8877c"
        warning: "#f0b45a"
        codeText: "#e6e3de"
        selection: "#7c3a12"
        focus: "#fb923c"
    }
    // The palette in use.
    readonly property ColorSet colors: dark ? darkColors : lightColors

    // Text written on a surface, [foreground, background] by name: what tst_theme.qml checks
    // (4.5:1, WCAG AA for body text) in both palettes.
    readonly property var textPairs: [
        ["text", "window"], ["text", "sidebar"], ["text", "bubble"], ["text", "raised"],
        ["text", "hover"], ["text", "selected"],
        ["textMuted", "window"], ["textMuted", "sidebar"], ["textMuted", "bubble"], ["textMuted", "raised"],
        ["textMuted", "hover"], ["textMuted", "selected"],
        ["accent", "window"], ["accent", "sidebar"], ["accent", "raised"], ["accent", "bubble"],
        ["textOnAccent", "accent"],
        ["danger", "window"], ["danger", "sidebar"], ["danger", "raised"],
        ["warning", "window"], ["warning", "raised"],
        ["codeText", "raised"],
        ["text", "selection"]
    ]

    // Type scale (pixel sizes; Qt scales them on HiDPI).
    readonly property int fontCaption: 12     // status line, counters, code header
    readonly property int fontSmall: 13       // sidebar rows, tooltips, buttons
    readonly property int fontBody: 15        // messages
    readonly property int fontCode: 14
    readonly property int fontTitle: 18       // dialog titles, the empty state's question
    readonly property int fontDisplay: 28     // the empty state's name
    readonly property string monospace: "monospace"

    // Spacing steps.
    readonly property int spaceXs: 2
    readonly property int spaceS: 4
    readonly property int spaceM: 8
    readonly property int spaceL: 12
    readonly property int spaceXl: 16
    readonly property int spaceXxl: 24

    // Radii.
    readonly property int radiusS: 4
    readonly property int radiusM: 8
    readonly property int radiusL: 16        // the user's bubble, the composer

    // Icons (16 px Breeze designs: whole multiples stay crisp) and controls.
    readonly property int iconSize: 16
    readonly property int iconButtonSize: 32
    readonly property int focusWidth: 2
    readonly property int borderWidth: 1
    readonly property int ringSize: 22        // the context ring

    // Widths.
    readonly property int readingWidth: 820   // the chat column's widest
    readonly property int sidebarWidth: 280
    readonly property int sidebarMinWidth: 220
    readonly property int tooltipWidth: 520

    // Motion (ms).
    readonly property int tooltipDelay: 500
    readonly property int fast: 120
    readonly property int normal: 200
    readonly property int cursorBlink: 530

    // Faded (de-emphasised) elements.
    readonly property real disabledOpacity: 0.45

    // An icon of resources/icons/ by name ("copy"): recoloured by the control to the theme.
    function icon(name: string): url {
        return "qrc:/icons/" + name + ".svg"
    }
}
