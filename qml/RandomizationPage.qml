// Randomization at the bedside (docs/randomization.md): the tablet proposes the lowest box of the site, the
// investigator confirms the number printed on it, then the dosing plan and the titration timer; emergency unblinding.
// Every value comes from Trial (C++): nothing clinical is computed here.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Crf.App

Page {
    id: page
    property string subjectId
    title: qsTr("Randomization of %1").arg(subjectId)
    Component.onCompleted: Trial.load(subjectId)

    header: ToolBar {
        Material.background: "#2b4f73"
        Material.foreground: "white"
        RowLayout {
            anchors.fill: parent
            ToolButton { text: "‹ " + qsTr("Casebook"); onClicked: page.StackView.view.pop(); Layout.minimumHeight: 48 }
            Label { text: page.title; font.pixelSize: 20; font.bold: true }
            Item { Layout.fillWidth: true }
        }
    }

    Flickable {
        anchors.fill: parent
        contentHeight: column.implicitHeight + 32
        clip: true
        ColumnLayout {
            id: column
            x: 16; y: 16
            width: page.width - 32
            spacing: 14

            // 1. The box.
            Frame {
                Layout.fillWidth: true
                visible: !Trial.randomized
                ColumnLayout {
                    anchors.fill: parent
                    spacing: 10
                    Label {
                        objectName: "proposal"
                        text: Trial.proposalNote
                        font.pixelSize: 18; wrapMode: Text.WordWrap; Layout.fillWidth: true
                    }
                    RowLayout {
                        spacing: 10
                        Label { text: Trial.boxes ? qsTr("Number printed on the box") : qsTr("Allocation number"); font.pixelSize: 16 }
                        TextField {
                            id: number
                            objectName: "boxNumber"
                            text: Trial.proposedNumber > 0 ? String(Trial.proposedNumber) : ""
                            inputMethodHints: Qt.ImhDigitsOnly
                            validator: IntValidator { bottom: 1; top: 99999 }
                            font.pixelSize: 22
                            Layout.preferredWidth: 140; Layout.minimumHeight: 56
                        }
                        Button {
                            objectName: "confirmRandomization"
                            text: qsTr("Confirm and randomize")
                            enabled: number.acceptableInput && !Trial.busy && Session.role === "investigator"
                            Layout.minimumHeight: 56
                            onClicked: Trial.randomize(parseInt(number.text))
                        }
                    }
                    Label {
                        visible: Session.role !== "investigator"
                        text: qsTr("Only an investigator randomizes.")
                        color: "#ef6c00"; font.pixelSize: 15
                    }
                }
            }
            Label {
                objectName: "randomizationMessage"
                visible: Trial.message.length > 0
                text: Trial.message
                color: Trial.randomized ? "#ef6c00" : "#d32f2f"
                font.pixelSize: 16; wrapMode: Text.WordWrap; Layout.fillWidth: true
            }
            Label {
                objectName: "randomizedAs"
                visible: Trial.randomized
                text: Trial.boxes ? qsTr("Randomized with box %1. The box holds the study drug or placebo: the arm stays hidden.").arg(Trial.randomizedNumber)
                                  : qsTr("Randomized with number %1: %2").arg(Trial.randomizedNumber).arg(Trial.revealedArm)
                font.pixelSize: 18; font.bold: true; wrapMode: Text.WordWrap; Layout.fillWidth: true
            }

            // 2. The dosing plan: the same rates whatever the arm.
            Frame {
                objectName: "dosingPlan"
                Layout.fillWidth: true
                visible: Trial.doseSteps.length > 0 || Trial.dosingProblem.length > 0
                ColumnLayout {
                    anchors.fill: parent
                    spacing: 6
                    Label { text: qsTr("Dosing plan"); font.pixelSize: 18; font.bold: true }
                    Label { visible: Trial.dosingProblem.length > 0; text: Trial.dosingProblem; color: "#d32f2f"; font.pixelSize: 15 }
                    Label { visible: Trial.ibwText.length > 0; text: qsTr("Ideal body weight: %1").arg(Trial.ibwText); font.pixelSize: 17 }
                    Repeater {
                        model: Trial.doseSteps
                        Label {
                            required property var modelData
                            required property int index
                            text: qsTr("Step %1: %2 ng/kg/min = %3 mL/h").arg(index + 1).arg(modelData.dose).arg(modelData.rate)
                            font.pixelSize: 17
                            font.bold: index === Trial.titrationLevel
                            color: index === Trial.titrationLevel ? "#00695c" : palette.text
                        }
                    }
                    Label { text: qsTr("The rates are the same for every box."); font.pixelSize: 14; opacity: 0.7 }
                }
            }

            // 3. The titration timer.
            Frame {
                objectName: "titration"
                Layout.fillWidth: true
                visible: Trial.randomized && Trial.doseSteps.length > 0
                ColumnLayout {
                    anchors.fill: parent
                    spacing: 8
                    RowLayout {
                        Label { text: qsTr("Titration: %1").arg(Trial.titrationPhaseLabel); font.pixelSize: 18; font.bold: true }
                        Item { Layout.fillWidth: true }
                        Label {
                            objectName: "nextStepIn"
                            visible: Trial.nextStepIn.length > 0
                            text: qsTr("next step in %1").arg(Trial.nextStepIn)
                            font.pixelSize: 22; font.bold: true; color: "#00695c"
                        }
                    }
                    Label { text: Trial.titrationInstruction; font.pixelSize: 16; wrapMode: Text.WordWrap; Layout.fillWidth: true }
                    Flow {
                        Layout.fillWidth: true
                        spacing: 8
                        Button { text: qsTr("Start infusion"); visible: Trial.titrationPhase === "not started"; onClicked: Trial.startInfusion(); height: 48 }
                        Button { text: qsTr("MAP < 65"); onClicked: Trial.reportHypotension(); height: 48 }
                        Button { text: qsTr("PaO2/FiO2 < 100"); onClicked: Trial.reportHypoxaemia(); height: 48 }
                        Button { text: qsTr("Resolved"); onClicked: Trial.reportResolved(); height: 48 }
                        Button { text: qsTr("MAP < 50 > 5 min"); onClicked: Trial.reportSevereHypotension(); height: 48 }
                        Button { text: qsTr("Severe bleeding"); onClicked: Trial.reportSevereBleeding(); height: 48 }
                        Button { text: qsTr("Surgery"); onClicked: Trial.reportSurgery(); height: 48 }
                        Button { text: qsTr("Resume"); visible: Trial.titrationPhase === "paused"; onClicked: Trial.resumeInfusion(); height: 48 }
                    }
                }
            }

            // 4. Emergency unblinding: online, investigator, with a reason; offline the site's procedure.
            Frame {
                objectName: "unblinding"
                Layout.fillWidth: true
                visible: Trial.randomized && Trial.boxes && Session.role === "investigator"
                ColumnLayout {
                    anchors.fill: parent
                    spacing: 8
                    Label { text: qsTr("Emergency unblinding"); font.pixelSize: 18; font.bold: true; color: "#b71c1c" }
                    Label {
                        text: qsTr("Only when the treating team must know the drug now. The request, your name and the reason are recorded and the sponsor is alerted.")
                        font.pixelSize: 15; wrapMode: Text.WordWrap; Layout.fillWidth: true
                    }
                    RowLayout {
                        Layout.fillWidth: true
                        TextField { id: reason; placeholderText: qsTr("Reason"); Layout.fillWidth: true; Layout.minimumHeight: 48 }
                        Button {
                            text: qsTr("Unblind this subject")
                            enabled: reason.text.length >= 10 && !Trial.busy
                            Layout.minimumHeight: 48
                            onClicked: Trial.unblind(reason.text)
                        }
                    }
                    Label {
                        objectName: "unblindResult"
                        visible: Trial.unblindResult.length > 0
                        text: Trial.unblindResult
                        font.pixelSize: 16; wrapMode: Text.WordWrap; Layout.fillWidth: true
                    }
                }
            }
        }
    }
}
