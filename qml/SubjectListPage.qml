// The site's subjects (number + initials only) and registration of a new one.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Crf.App

Page {
    id: page
    signal openSubject(string subjectId)
    title: qsTr("Subjects")

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
