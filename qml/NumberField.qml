// A labelled numeric entry with its unit shown and the error from C++ under it. No clinical logic here.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: root
    property string label
    property string unit
    property string value
    property string error
    property alias field: input
    signal edited(string text)
    spacing: 2

    Label { text: root.label; font.pixelSize: 15; opacity: 0.8 }
    RowLayout {
        spacing: 6
        TextField {
            id: input
            objectName: root.objectName + "Input"
            Layout.preferredWidth: 120
            Layout.minimumHeight: 48
            text: root.value
            inputMethodHints: Qt.ImhFormattedNumbersOnly
            font.pixelSize: 20
            onTextEdited: root.edited(text)
        }
        Label { text: root.unit; visible: root.unit.length > 0; font.pixelSize: 15 }
    }
    Label {
        text: root.error
        visible: root.error.length > 0
        color: "#d32f2f"
        wrapMode: Text.WordWrap
        Layout.maximumWidth: 260
        font.pixelSize: 13
    }
}
