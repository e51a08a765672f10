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
            TextField { id: newId; objectName: "newSubjectId"; placeholderText: qsTr("Subject number"); Layout.minimumHeight: 48; Layout.preferredWidth: 220; font.pixelSize: 18 }
            TextField { id: newInitials; objectName: "newSubjectInitials"; placeholderText: qsTr("Initials"); Layout.minimumHeight: 48; Layout.preferredWidth: 120; font.pixelSize: 18 }
            Button {
                objectName: "registerSubject"
                text: qsTr("Register subject")
                enabled: Session.ready
                Layout.minimumHeight: 48
                onClicked: Session.addSubject(newId.text, newInitials.text)
            }
            Label { id: addMessage; objectName: "addMessage"; font.pixelSize: 15 }
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

        // The site's day at a glance, counted in subjects (from this tablet's store; offline too).
        Flow {
            objectName: "dashboard"
            Layout.fillWidth: true
            spacing: 10
            visible: Subjects.count > 0
            Repeater {
                model: [
                    { key: "dueToday", label: qsTr("visit due today"), color: "#ef6c00" },
                    { key: "overdue", label: qsTr("visit overdue"), color: "#d32f2f" },
                    { key: "consent", label: qsTr("consent awaited"), color: "#bf360c" },
                    { key: "queries", label: qsTr("open query"), color: "#ef6c00" },
                    { key: "conflicts", label: qsTr("conflict"), color: "#ad1457" },
                    { key: "unsent", label: qsTr("changes not yet sent"), color: "#1565c0" }
                ]
                delegate: Rectangle {
                    required property var modelData
                    readonly property int n: Subjects.summary[modelData.key] || 0
                    objectName: "summary_" + modelData.key
                    radius: 18
                    height: 40
                    width: summaryText.implicitWidth + 28
                    color: n > 0 ? modelData.color : "transparent"
                    border.color: n > 0 ? modelData.color : "#b0bec5"
                    Label {
                        id: summaryText
                        anchors.centerIn: parent
                        text: qsTr("%1 · %2").arg(parent.n).arg(parent.modelData.label)
                        color: parent.n > 0 ? "white" : "#78909c"
                        font.pixelSize: 15
                        font.bold: parent.n > 0
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
                id: row
                required property string subjectId
                required property string initials
                required property string siteId
                required property int dueToday
                required property int overdue
                required property int queries
                required property int conflicts
                required property int unsent
                required property string consentAwaited
                objectName: "subject_" + subjectId
                width: ListView.view.width
                height: 72
                onClicked: page.openSubject(subjectId)
                contentItem: RowLayout {
                    spacing: 10
                    Label { text: row.subjectId; font.pixelSize: 22; font.bold: true; Layout.preferredWidth: 110 }
                    Label { text: row.initials; font.pixelSize: 20; Layout.preferredWidth: 70 }
                    Label { text: qsTr("site %1").arg(row.siteId); font.pixelSize: 15; opacity: 0.6; Layout.preferredWidth: 80 }
                    Repeater {
                        model: [
                            { show: row.overdue > 0, text: qsTr("Visit overdue"), color: "#d32f2f" },
                            { show: row.dueToday > 0, text: qsTr("Visit due today"), color: "#ef6c00" },
                            { show: row.consentAwaited.length > 0, text: row.consentAwaited, color: "#bf360c" },
                            { show: row.queries > 0, text: qsTr("%n open query(ies)", "", row.queries), color: "#ef6c00" },
                            { show: row.conflicts > 0, text: qsTr("%n conflict(s)", "", row.conflicts), color: "#ad1457" },
                            { show: row.unsent > 0, text: qsTr("not yet sent"), color: "#1565c0" }
                        ]
                        delegate: Rectangle {
                            required property var modelData
                            visible: modelData.show
                            radius: 14; height: 30
                            width: badge.implicitWidth + 20
                            color: "transparent"
                            border.color: modelData.color; border.width: 2
                            Label { id: badge; anchors.centerIn: parent; text: parent.modelData.text; color: parent.modelData.color; font.pixelSize: 14; font.bold: true }
                        }
                    }
                    Item { Layout.fillWidth: true }
                }
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
