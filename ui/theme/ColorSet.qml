import QtQuick

// One palette of the window (Theme.light, Theme.dark). Text colours are named for what they are
// written on; every such pair is listed in Theme.textPairs and reaches WCAG AA (tst_theme.qml).
QtObject {
    // Surfaces, from the window's back to the raised ones.
    required property color window          // the chat's background
    required property color sidebar         // the side panel, the top bar
    required property color bubble          // the user's messages
    required property color raised          // code blocks, table headers, menus, the composer
    required property color hover           // a row or button under the pointer (on window/sidebar)
    required property color selected        // the open conversation in the sidebar
    required property color border          // hairlines (not text: no contrast required)
    required property color scrim           // behind modal dialogs
    // Text and icons.
    required property color text
    required property color textMuted       // secondary text: model name, dates, counters
    required property color accent          // links, the send button, focus rings, the ring's fill
    required property color textOnAccent        // text and icons on the accent
    required property color danger          // errors, the context ring when full
    required property color warning         // the context ring when nearly full
    required property color codeText
    required property color selection       // selected text's background
    required property color focus           // the keyboard focus ring
}
