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
    signal openFormAt(string visitOid, string formOid, int repeat)
    signal openRandomization()
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
            ToolButton {
                objectName: "signCasebook"
                visible: Session.role === "investigator"
                text: qsTr("Sign casebook…")
                Layout.minimumHeight: 48
                onClicked: casebookSignDialog.open()
            }
        }
    }

    property string signatureText: ""
    property bool signatureIntact: false
    property string signatureError: ""
    Component.onCompleted: { Session.loadCasebookSignature(subjectId); Trial.load(subjectId) }
    Connections {
        target: Session
        function onCasebookSignature(subjectId, text, intact, error) {
            if (subjectId !== page.subjectId)
                return
            page.signatureText = text
            page.signatureIntact = intact
            page.signatureError = error
        }
    }

    footer: Label {
        objectName: "casebookSignature"
        visible: page.signatureText.length > 0 || page.signatureError.length > 0
        text: page.signatureError.length > 0 ? page.signatureError : page.signatureText
        color: "white"
        padding: 10
        wrapMode: Text.WordWrap
        background: Rectangle { color: page.signatureError.length > 0 ? "#d32f2f" : (page.signatureIntact ? "#2e7d32" : "#ef6c00") }
    }

    Dialog {
        id: casebookSignDialog
        title: qsTr("Sign the casebook of %1").arg(page.subjectId)
        modal: true
        anchors.centerIn: parent
        standardButtons: Dialog.Ok | Dialog.Cancel
        ColumnLayout {
            Label {
                text: qsTr("Meaning: I approve the data of this casebook as accurate and complete. Your signature records your printed name, the UTC time and every value of this subject. Enter your password to sign (21 CFR 11.50, 11.200).")
                wrapMode: Text.WordWrap; Layout.maximumWidth: 420
            }
            TextField { id: casebookPassword; echoMode: TextInput.Password; placeholderText: qsTr("Password"); Layout.fillWidth: true; Layout.minimumHeight: 48 }
        }
        onAccepted: { Session.signCasebook(page.subjectId, casebookPassword.text); casebookPassword.text = "" }
        onRejected: casebookPassword.text = ""
    }

    // Consent and randomization at a glance (docs/consent.md, docs/randomization.md).
    Frame {
        id: trialBar
        objectName: "consentBar"
        visible: Trial.consentFormOid.length > 0
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: 8 }
        background: Rectangle {
            radius: 6
            // Tinted backgrounds that keep the text readable in both themes (night shifts run dark).
            readonly property bool dark: Material.theme === Material.Dark
            color: Trial.collectionStopped && Trial.consentState !== "NOT_INCLUDED" ? (dark ? "#4e2328" : "#ffebee")
                   : (Trial.consentPending ? (dark ? "#4e3a1c" : "#fff3e0") : (dark ? "#1f3d2a" : "#e8f5e9"))
        }
        RowLayout {
            anchors.fill: parent
            spacing: 12
            ColumnLayout {
                Layout.fillWidth: true
                Label {
                    objectName: "consentState"
                    text: qsTr("Consent: %1").arg(Trial.consentLabel)
                    font.pixelSize: 17; font.bold: true
                    wrapMode: Text.WordWrap; Layout.fillWidth: true
                }
                Label {
                    visible: Trial.collectionStopped && Trial.consentState !== "NOT_INCLUDED"
                    text: qsTr("No new study data: adverse events, vital status and the end of study stay open.")
                    font.pixelSize: 15; wrapMode: Text.WordWrap; Layout.fillWidth: true
                }
                Label {
                    visible: Trial.consentProblem.length > 0
                    text: Trial.consentProblem
                    color: "#d32f2f"; font.pixelSize: 14; wrapMode: Text.WordWrap; Layout.fillWidth: true
                }
                Label {
                    visible: Trial.hasRandomization
                    text: Trial.randomized ? qsTr("Randomized: number %1").arg(Trial.randomizedNumber)
                                           : qsTr("Not randomized")
                    font.pixelSize: 15
                }
            }
            Button {
                objectName: "recordConsent"
                text: qsTr("Record consent decision…")
                Layout.minimumHeight: 48
                onClicked: page.openFormAt(Trial.consentVisitOid, Trial.consentFormOid, Trial.nextConsentRepeat)
            }
            Button {
                objectName: "openRandomization"
                visible: Trial.hasRandomization
                text: Trial.randomized ? qsTr("Dosing and unblinding…") : qsTr("Randomize…")
                Layout.minimumHeight: 48
                onClicked: page.openRandomization()
            }
        }
    }

    ListView {
        objectName: "visits"
        anchors.fill: parent
        anchors.topMargin: trialBar.visible ? trialBar.height + 16 : 8
        anchors.margins: 8
        spacing: 8
        clip: true
        // The visit timeline with each form's status (Trial.casebook, from this tablet's store); the schedule alone
        // until it is read.
        model: Trial.casebook.length > 0 ? Trial.casebook : Study.visits
        delegate: Frame {
            id: visitFrame
            required property var modelData
            width: ListView.view.width
            background: Rectangle {
                radius: 6
                color: "transparent"
                border.width: visitFrame.modelData.due === "today" || visitFrame.modelData.due === "overdue" ? 2 : 1
                border.color: visitFrame.modelData.due === "overdue" ? "#d32f2f"
                              : (visitFrame.modelData.due === "today" ? "#ef6c00" : "#b0bec5")
            }
            RowLayout {
                anchors.fill: parent
                spacing: 12
                ColumnLayout {
                    Layout.preferredWidth: 200
                    Layout.maximumWidth: 200
                    spacing: 2
                    Label { text: modelData.oid + " · " + modelData.name; font.pixelSize: 16; font.bold: true; wrapMode: Text.WordWrap; Layout.fillWidth: true }
                    Label { visible: (modelData.date || "").length > 0; text: modelData.date || ""; font.pixelSize: 14; opacity: 0.75 }
                    Label {
                        objectName: "due_" + modelData.oid
                        visible: modelData.due === "today" || modelData.due === "overdue"
                        text: modelData.due === "overdue" ? qsTr("Overdue") : qsTr("Due today")
                        color: modelData.due === "overdue" ? "#d32f2f" : "#ef6c00"
                        font.pixelSize: 14; font.bold: true
                    }
                }
                Flow {
                    Layout.fillWidth: true
                    spacing: 8
                    Repeater {
                        model: modelData.forms
                        Button {
                            id: formButton
                            required property var modelData
                            readonly property string status: modelData.status || ""
                            objectName: "form_" + modelData.oid
                            Layout.minimumHeight: 56
                            height: 64
                            onClicked: page.openForm(visitFrame.modelData.oid, modelData.oid)
                            contentItem: ColumnLayout {
                                spacing: 0
                                Label {
                                    text: formButton.modelData.name + (formButton.modelData.repeating && formButton.modelData.entries > 0
                                                                      ? " (" + formButton.modelData.entries + ")" : "")
                                    font.pixelSize: 15
                                }
                                Label {
                                    objectName: "status_" + formButton.modelData.oid
                                    visible: formButton.status.length > 0
                                    text: (formButton.modelData.statusLabel || "") + (formButton.modelData.pending ? " · " + qsTr("not yet sent") : "")
                                    font.pixelSize: 12
                                    font.bold: formButton.status !== "empty"
                                    readonly property bool dark: Material.theme === Material.Dark
                                    color: formButton.status === "conflict" || formButton.status === "resign" ? (dark ? "#f48fb1" : "#ad1457")
                                         : formButton.status === "query" ? (dark ? "#ffb74d" : "#ef6c00")
                                         : formButton.status === "signed" ? (dark ? "#90caf9" : "#1565c0")
                                         : formButton.status === "complete" ? (dark ? "#81c784" : "#2e7d32")
                                         : formButton.status === "partial" ? (dark ? "#fff176" : "#f9a825")
                                         : formButton.status === "error" ? (dark ? "#bdbdbd" : "#757575") : "#9e9e9e"
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
