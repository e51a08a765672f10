// A subject's casebook: the visits of the study's schedule and the forms of each, from the definition.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Crf.App

Page {
    id: page
    property string subjectId
    signal openForm(string visitOid, string formOid)
    title: qsTr("Subject %1").arg(subjectId)

    header: ToolBar {
        Material.background: "#2b4f73"
        Material.foreground: "white"
        RowLayout {
            anchors.fill: parent
            ToolButton { text: "‹ " + qsTr("Subjects"); visible: page.StackView.view !== null; onClicked: page.StackView.view.pop(); Layout.minimumHeight: 48 }
            Label { text: qsTr("Subject %1").arg(page.subjectId); font.pixelSize: 20; font.bold: true }
            Label { text: Study.studyId + " · " + qsTr("definition %1").arg(Study.version); font.pixelSize: 15 }
            Item { Layout.fillWidth: true }
        }
    }

    ListView {
        objectName: "visits"
        anchors.fill: parent
        anchors.margins: 8
        spacing: 8
        clip: true
        model: Study.visits
        delegate: Frame {
            id: visitFrame
            required property var modelData
            width: ListView.view.width
            RowLayout {
                anchors.fill: parent
                spacing: 12
                Label {
                    text: modelData.oid + "\n" + modelData.name
                    font.pixelSize: 16
                    wrapMode: Text.WordWrap
                    Layout.preferredWidth: 200
                    Layout.maximumWidth: 200
                }
                Flow {
                    Layout.fillWidth: true
                    spacing: 8
                    Repeater {
                        model: modelData.forms
                        Button {
                            required property var modelData
                            objectName: "form_" + modelData.oid
                            text: modelData.name
                            Layout.minimumHeight: 48
                            height: 48
                            onClicked: page.openForm(visitFrame.modelData.oid, modelData.oid)
                        }
                    }
                }
            }
        }
    }
}
