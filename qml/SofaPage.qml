// Daily SOFA form: raw values in, organ scores and total live from C++ (SofaController -> core/sofa).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Controls.Material
import Crf.App

Page {
    id: page
    property alias controller: sofa
    property alias subjectId: sofa.subjectId
    property alias day: sofa.day
    property QtObject core: null
    title: qsTr("SOFA · subject %1 · D%2").arg(sofa.subjectId).arg(sofa.day)

    SofaController {
        id: sofa
        objectName: "sofaController"
        core: page.core
        onSaved: function(ok, message) { saveMessage.text = message; saveMessage.color = ok ? "#2e7d32" : "#d32f2f" }
    }
    Component.onCompleted: sofa.load()

    header: ToolBar {
        Material.background: "#2b4f73"
        Material.foreground: "white"
        RowLayout {
            anchors.fill: parent
            spacing: 12
            ToolButton { text: "‹ " + qsTr("Subjects"); visible: page.StackView.view !== null; onClicked: page.StackView.view.pop(); Layout.minimumHeight: 48 }
            Label { text: qsTr("Subject %1").arg(sofa.subjectId); font.pixelSize: 20; font.bold: true }
            Label { text: qsTr("Day"); font.pixelSize: 16 }
            SpinBox {
                objectName: "daySpin"
                from: 0; to: 7
                value: sofa.day
                textFromValue: function(v) { return "D" + v }
                onValueModified: { sofa.day = value; sofa.load() }
                Layout.minimumHeight: 48
            }
            Item { Layout.fillWidth: true }
            Label { text: qsTr("SOFA total"); font.pixelSize: 18 }
            Label {
                objectName: "sofaTotal"
                text: sofa.total
                font.pixelSize: 34; font.bold: true
            }
            Label {
                text: sofa.complete ? qsTr("complete") : qsTr("incomplete: organs missing")
                color: sofa.complete ? "#a5d6a7" : "#ffcc80"
                font.pixelSize: 15
                Layout.rightMargin: 12
            }
        }
    }

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        GridLayout {
            width: parent.width - 24
            x: 12
            columns: page.width > 1100 ? 3 : 2
            columnSpacing: 12
            rowSpacing: 12

            OrganCard {
                objectName: "respiration"
                title: qsTr("Respiration")
                score: sofa.respirationScore
                NumberField { objectName: "pao2"; label: "PaO2"; unit: "mmHg"; value: sofa.pao2; error: sofa.errors["PAO2"] || ""; onEdited: (t) => sofa.pao2 = t }
                NumberField { objectName: "fio2"; label: "FiO2"; unit: "%"; value: sofa.fio2; error: sofa.errors["FIO2"] || ""; onEdited: (t) => sofa.fio2 = t }
                Switch { objectName: "respSupport"; text: qsTr("Respiratory support"); checked: sofa.respiratorySupport; onToggled: sofa.respiratorySupport = checked; height: 48 }
                Label { text: sofa.pfRatio.length ? "PaO2/FiO2 = " + sofa.pfRatio + " mmHg" : ""; font.pixelSize: 15 }
            }
            OrganCard {
                objectName: "coagulation"
                title: qsTr("Coagulation")
                score: sofa.coagulationScore
                NumberField { objectName: "platelets"; label: qsTr("Platelets"); unit: "×10³/µL"; value: sofa.platelets; error: sofa.errors["PLATELETS"] || ""; onEdited: (t) => sofa.platelets = t }
            }
            OrganCard {
                objectName: "liver"
                title: qsTr("Liver")
                score: sofa.liverScore
                NumberField { objectName: "bilirubin"; label: qsTr("Bilirubin"); value: sofa.bilirubin; error: sofa.errors["BILI"] || ""; onEdited: (t) => sofa.bilirubin = t }
                ComboBox {
                    objectName: "bilirubinUnit"
                    model: ["umol/L", "mg/dL"]
                    currentIndex: sofa.bilirubinUnit === "mg/dL" ? 1 : 0
                    onActivated: sofa.bilirubinUnit = currentText
                    height: 48
                }
            }
            OrganCard {
                objectName: "cardiovascular"
                title: qsTr("Cardiovascular")
                score: sofa.cardiovascularScore
                NumberField { objectName: "map"; label: qsTr("Mean arterial pressure"); unit: "mmHg"; value: sofa.map; error: sofa.errors["MAP"] || ""; onEdited: (t) => sofa.map = t }
                NumberField { objectName: "norepinephrine"; label: qsTr("Norepinephrine"); unit: "µg/kg/min"; value: sofa.norepinephrine; error: sofa.errors["NOREPINEPHRINE"] || ""; onEdited: (t) => sofa.norepinephrine = t }
                NumberField { objectName: "epinephrine"; label: qsTr("Epinephrine"); unit: "µg/kg/min"; value: sofa.epinephrine; error: sofa.errors["EPINEPHRINE"] || ""; onEdited: (t) => sofa.epinephrine = t }
                NumberField { objectName: "dopamine"; label: qsTr("Dopamine"); unit: "µg/kg/min"; value: sofa.dopamine; error: sofa.errors["DOPAMINE"] || ""; onEdited: (t) => sofa.dopamine = t }
                NumberField { objectName: "dobutamine"; label: qsTr("Dobutamine"); unit: "µg/kg/min"; value: sofa.dobutamine; error: sofa.errors["DOBUTAMINE"] || ""; onEdited: (t) => sofa.dobutamine = t }
            }
            OrganCard {
                objectName: "cns"
                title: qsTr("Central nervous system")
                score: sofa.cnsScore
                NumberField { objectName: "gcs"; label: qsTr("Glasgow Coma Scale (3-15)"); value: sofa.gcs; error: sofa.errors["GCS"] || ""; onEdited: (t) => sofa.gcs = t }
            }
            OrganCard {
                objectName: "renal"
                title: qsTr("Renal")
                score: sofa.renalScore
                NumberField { objectName: "creatinine"; label: qsTr("Creatinine"); value: sofa.creatinine; error: sofa.errors["CREAT"] || ""; onEdited: (t) => sofa.creatinine = t }
                ComboBox {
                    objectName: "creatinineUnit"
                    model: ["umol/L", "mg/dL"]
                    currentIndex: sofa.creatinineUnit === "mg/dL" ? 1 : 0
                    onActivated: sofa.creatinineUnit = currentText
                    height: 48
                }
                NumberField { objectName: "urine"; label: qsTr("Urine output"); unit: "mL/24 h"; value: sofa.urineOutput; error: sofa.errors["URINE_24H"] || ""; onEdited: (t) => sofa.urineOutput = t }
            }
        }
    }

    footer: ToolBar {
        RowLayout {
            anchors.fill: parent
            spacing: 12
            Label { id: saveMessage; objectName: "saveMessage"; text: sofa.message; font.pixelSize: 15; Layout.fillWidth: true; Layout.leftMargin: 12; elide: Text.ElideRight }
            Label { text: sofa.dirty ? qsTr("Unsaved changes") : ""; color: "#ef6c00"; font.pixelSize: 15 }
            Button {
                objectName: "saveButton"
                highlighted: true
                text: qsTr("Save")
                enabled: sofa.dirty && !sofa.busy && page.core !== null
                Layout.minimumHeight: 48
                Layout.minimumWidth: 120
                Layout.rightMargin: 12
                onClicked: sofa.needsReason() ? reasonDialog.open() : sofa.save()
            }
        }
    }

    Dialog {
        id: reasonDialog
        title: qsTr("Reason for change")
        modal: true
        anchors.centerIn: parent
        standardButtons: Dialog.Ok | Dialog.Cancel
        ColumnLayout {
            Label { text: qsTr("A saved value is being changed. Give the reason (21 CFR 11.10(e))."); wrapMode: Text.WordWrap; Layout.maximumWidth: 420 }
            ComboBox { id: reasonCode; model: ["TRANSCRIPTION_ERROR", "NEW_RESULT", "ENTERED_IN_ERROR", "OTHER"]; Layout.fillWidth: true }
            TextField { id: reasonText; placeholderText: qsTr("Explain the change"); Layout.fillWidth: true; Layout.minimumHeight: 48 }
        }
        onAccepted: { sofa.save(reasonCode.currentText, reasonText.text); reasonText.text = "" }
    }
}
