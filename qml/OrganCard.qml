// A card grouping one organ's raw inputs with its score (-1 = missing, shown as a dash, never as 0).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Frame {
    id: root
    property string title
    property int score: -1
    default property alias content: body.data
    Layout.fillWidth: true
    Layout.alignment: Qt.AlignTop

    ColumnLayout {
        anchors.fill: parent
        spacing: 8
        RowLayout {
            Layout.fillWidth: true
            Label { text: root.title; font.pixelSize: 18; font.bold: true; Layout.fillWidth: true }
            Rectangle {
                objectName: root.objectName + "Badge"
                width: 48; height: 48; radius: 24
                color: root.score < 0 ? "#9e9e9e" : (root.score >= 3 ? "#c62828" : (root.score >= 1 ? "#ef6c00" : "#2e7d32"))
                Label {
                    anchors.centerIn: parent
                    text: root.score < 0 ? "–" : root.score
                    color: "white"; font.pixelSize: 22; font.bold: true
                }
            }
        }
        Flow { id: body; Layout.fillWidth: true; spacing: 14 }
    }
}
