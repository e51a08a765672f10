// The site's subjects (number + initials only) and registration of a new one.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Crf.App

Page {
    id: page
    signal openSubject(string subjectId)
    title: qsTr("Subjects")
    Component.onCompleted: Trial.refreshWorklist()

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 16
        spacing: 12

        Label {
            visible: Session.openError.length > 0
            text: qsTr("The tablet database cannot be opened: %1").arg(Session.openError)
            color: "#d32f2f"; wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 16
        }

        RowLayout {
            spacing: 8
            TextField { id: newId; objectName: "newSubjectId"; placeholderText: qsTr("Subject number"); Layout.minimumHeight: 48; font.pixelSize: 18 }
            TextField { id: newInitials; objectName: "newSubjectInitials"; placeholderText: qsTr("Initials"); Layout.minimumHeight: 48; Layout.preferredWidth: 120; font.pixelSize: 18 }
            Button {
                text: qsTr("Register subject")
                enabled: Session.ready
                Layout.minimumHeight: 48
                onClicked: Session.addSubject(newId.text, newInitials.text)
            }
            Label { id: addMessage; font.pixelSize: 15 }
        }
        Connections {
            target: Session
            function onSubjectAdded(ok, message) {
                addMessage.text = message
                addMessage.color = ok ? "#2e7d32" : "#d32f2f"
                if (ok) { newId.text = ""; newInitials.text = "" }
            }
        }

        // Whom to approach for consent today (the gateway's worklist for this site, kept for offline use).
        Frame {
            objectName: "consentWorklist"
            visible: Trial.worklist.length > 0
            Layout.fillWidth: true
            background: Rectangle { color: "#fff3e0"; radius: 6; border.color: "#ef6c00" }
            ColumnLayout {
                anchors.fill: parent
                Label {
                    text: qsTr("Consent to seek: %n subject(s)", "", Trial.worklist.length)
                    font.pixelSize: 18; font.bold: true; color: "#bf360c"
                }
                Repeater {
                    model: Trial.worklist
                    ItemDelegate {
                        required property var modelData
                        Layout.fillWidth: true
                        Layout.minimumHeight: 48
                        text: modelData.subjectId + "   " + modelData.state
                              + (modelData.overdue ? "   " + qsTr("OVERDUE") : "")
                              + "   " + qsTr("next reminder %1").arg(modelData.nextReminder)
                        font.pixelSize: 16
                        font.bold: modelData.overdue
                        onClicked: page.openSubject(modelData.subjectId)
                    }
                }
            }
        }

        ListView {
            objectName: "subjectList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: Subjects
            delegate: ItemDelegate {
                width: ListView.view.width
                height: 64
                text: subjectId + "   " + initials + "   (" + qsTr("site") + " " + siteId + ")"
                font.pixelSize: 20
                onClicked: page.openSubject(subjectId)
            }
            Label {
                anchors.centerIn: parent
                visible: parent.count === 0
                text: qsTr("No subjects yet. Register one above, or sync to receive the site's subjects.")
                font.pixelSize: 16; opacity: 0.7
            }
        }
    }
}
