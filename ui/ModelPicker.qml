import QtQuick
import QtQuick.Controls
import Causerie.App

// The top bar's model menu: the recent model files, the catalog, any file, the model's details.
Menu {
    id: root

    signal openDetails()
    signal openCatalog()
    signal openFile()

    width: Theme.menuWidth
    background: Rectangle {
        implicitWidth: Theme.menuWidth
        color: Theme.colors.raised
        border.color: Theme.colors.border
        radius: Theme.radiusM
    }

    MenuItem {
        objectName: "modelDetailsItem"
        enabled: App.model.state === LocalModel.Ready
        text: qsTr("Model details…")
        icon.source: Theme.icon("details")
        icon.color: Theme.colors.text
        onTriggered: root.openDetails()
    }
    MenuItem {
        objectName: "catalogItem"
        text: qsTr("Download a model…")
        icon.source: Theme.icon("download")
        icon.color: Theme.colors.text
        onTriggered: root.openCatalog()
    }
    MenuItem {
        objectName: "openFileItem"
        text: qsTr("Open a file…")
        icon.source: Theme.icon("open-file")
        icon.color: Theme.colors.text
        onTriggered: root.openFile()
    }

    MenuSeparator { visible: App.settings.recentModels.length > 0 }
    MenuItem {
        visible: App.settings.recentModels.length > 0
        height: visible ? implicitHeight : 0
        enabled: false
        text: qsTr("Recent models")
    }
    Instantiator {
        model: App.settings.recentModels
        delegate: MenuItem {
            id: recent
            required property string modelData
            // the file's name; its folder in the tooltip
            text: modelData.substring(modelData.lastIndexOf("/") + 1)
            checkable: true
            checked: App.model.path === modelData
            // A file name is shown as it is (a "<b>" in it is not markup).
            contentItem: Label {
                leftPadding: recent.indicator ? recent.indicator.width + recent.spacing : 0
                text: recent.text
                textFormat: Text.PlainText
                elide: Text.ElideMiddle
                property bool elisionIntended: true   // a file name can be any length
                verticalAlignment: Text.AlignVCenter
                color: Theme.colors.text
            }
            Accessible.name: qsTr("Open %1").arg(modelData)
            ToolTip.visible: hovered
            ToolTip.delay: Theme.tooltipDelay
            ToolTip.text: modelData
            onTriggered: App.model.openPath(modelData)
        }
        // Menu's insertItem/removeItem: Qt 6.4's qmllint does not know the instantiated type.
        onObjectAdded: (index, object) => root.insertItem(root.count, object)   // qmllint disable type
        onObjectRemoved: (index, object) => root.removeItem(object)   // qmllint disable type
    }
}
