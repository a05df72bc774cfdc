import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Causerie.App

GridLayout {
    columns: 2
    columnSpacing: Theme.spaceL

    Label { text: qsTr("Theme") }
    ComboBox {
        model: [{ key: "system", name: qsTr("Follow the system") }, { key: "light", name: qsTr("Light") }, { key: "dark", name: qsTr("Dark") }]
        textRole: "name"
        valueRole: "key"
        currentIndex: Math.max(0, indexOfValue(App.settings.theme))
        Accessible.name: qsTr("Theme")
        onActivated: App.settings.theme = currentValue
    }
    Label { text: qsTr("Language") }
    ComboBox {
        model: [{ key: "", name: qsTr("System language") }, { key: "en", name: "English" }, { key: "fr", name: "Français" }]
        textRole: "name"
        valueRole: "key"
        currentIndex: Math.max(0, indexOfValue(App.settings.language))
        Accessible.name: qsTr("Language")
        onActivated: App.settings.language = currentValue
    }
    Label { text: qsTr("Data folder") }
    TextField {
        Layout.fillWidth: true
        readOnly: true
        selectByMouse: true
        text: App.dataDir
        Accessible.name: qsTr("Data folder")
    }
    Item { Layout.fillHeight: true; Layout.columnSpan: 2 }
}
