// Any form of the study, rendered from its definition (FormModel). No per-form QML.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import QtQuick.Dialogs
import QtMultimedia
import Crf.App

Page {
    id: page
    property alias form: model
    property alias subjectId: model.subjectId
    property alias visitOid: model.visitOid
    property alias formOid: model.formOid
    property alias repeat: model.repeat
    property QtObject study: null
    property QtObject core: null
    title: model.title

    FormModel {
        id: model
        objectName: "formModel"
        study: page.study
        core: page.core
        onSaved: function(ok, message) { saveMessage.text = message; saveMessage.color = ok ? "#2e7d32" : "#d32f2f" }
    }
    Component.onCompleted: model.load()

    // The bedside instrument bound to an item (the capillary refill stopwatch); one per page, so it survives the list
    // recycling the item's row while a measurement runs.
    property alias stopwatch: stopwatchPanel
    CrtStopwatchPanel { id: stopwatchPanel; form: model }
    // The camera (Qt Multimedia), where the device has one: the still goes to memory, then into the encrypted store.
    property alias camera: camera
    PhotoCamera {
        id: camera
        onCaptured: function(image) { model.attachImage(cameraPopup.oid, image); cameraPopup.close() }
    }
    Popup {
        id: cameraPopup
        objectName: "cameraPopup"
        property string oid
        modal: true
        anchors.centerIn: Overlay.overlay
        width: Math.min(page.width - 32, 960)
        height: Math.min(page.height - 32, 720)
        onOpened: { camera.videoOutput = viewfinder; camera.start() }
        onClosed: camera.stop()
        contentItem: ColumnLayout {
            spacing: 10
            VideoOutput { id: viewfinder; Layout.fillWidth: true; Layout.fillHeight: true }
            Label { visible: camera.message.length > 0; text: camera.message; color: "#d32f2f"; wrapMode: Text.WordWrap; Layout.fillWidth: true }
            RowLayout {
                Layout.fillWidth: true
                Item { Layout.fillWidth: true }
                Button { text: qsTr("Cancel"); flat: true; Layout.minimumHeight: 56; onClicked: cameraPopup.close() }
                Button {
                    objectName: "cameraShoot"
                    text: qsTr("Take photo")
                    highlighted: true
                    enabled: camera.active
                    Layout.minimumHeight: 56; Layout.minimumWidth: 180
                    onClicked: camera.capture()
                }
            }
        }
    }

    // One file dialog per page (a photo imported from a file: no camera on this device, or a picture taken apart).
    FileDialog {
        id: photoDialog
        property string oid
        title: qsTr("Photo of the knees")
        nameFilters: [qsTr("Photos (*.jpg *.jpeg *.png)")]
        onAccepted: model.attachPhoto(oid, selectedFile)
    }
    function openInstrument(oid) {
        stopwatchPanel.oid = oid
        stopwatchPanel.open()
    }

    header: ToolBar {
        Material.background: "#2b4f73"
        Material.foreground: "white"
        RowLayout {
            anchors.fill: parent
            spacing: 12
            ToolButton {
                objectName: "backButton"
                text: "‹ " + qsTr("Casebook")
                visible: page.StackView.view !== null
                onClicked: page.requestLeave()
                Layout.minimumHeight: 48
            }
            Label { text: model.title; font.pixelSize: 20; font.bold: true }
            Label { text: qsTr("subject %1 · %2").arg(model.subjectId).arg(model.visitOid); font.pixelSize: 16 }
            Label { visible: model.repeating; text: qsTr("entry"); font.pixelSize: 16 }
            SpinBox {
                visible: model.repeating
                from: 0; to: 99
                value: model.repeat
                textFromValue: function(v) { return "#" + (v + 1) }
                // Input that could not be kept as a draft would be lost by opening another entry.
                enabled: !(model.dirty && model.draftWarning.length > 0)
                onValueModified: { model.repeat = value; model.load() }
                Layout.minimumHeight: 48
            }
            Item { Layout.fillWidth: true }
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Label {
            objectName: "recordStatus"
            visible: model.recordStatus === "ENTERED_IN_ERROR"
            text: qsTr("This record is marked ENTERED IN ERROR. Its values are kept in the audit trail.")
            color: "white"
            font.bold: true
            padding: 10
            background: Rectangle { color: "#ad1457" }
            Layout.fillWidth: true
        }

        Label {
            objectName: "signatureStatus"
            visible: model.signatureText.length > 0
            text: model.signatureText
            color: "white"
            padding: 10
            wrapMode: Text.WordWrap
            background: Rectangle { color: model.signatureIntact ? "#2e7d32" : "#ef6c00" }
            Layout.fillWidth: true
        }

        // Data queries on this form (from the data desk, edit checks, merge conflicts): answered here, offline too.
        Frame {
            objectName: "queryPanel"
            visible: page.form.queries.length > 0 || page.form.queryMessage.length > 0
            Layout.fillWidth: true
            Layout.margins: 8
            background: Rectangle { color: "#fff3e0"; border.color: "#ef6c00"; radius: 4 }
            ColumnLayout {
                anchors.fill: parent
                spacing: 6
                Label {
                    text: qsTr("Open data queries on this form: %1").arg(page.form.queries.length)
                    font.pixelSize: 17; font.bold: true; color: "#e65100"
                    visible: page.form.queries.length > 0
                }
                Repeater {
                    model: page.form.queries
                    ColumnLayout {
                        id: queryRow
                        required property var modelData
                        Layout.fillWidth: true
                        spacing: 4
                        Label {
                            objectName: "query_" + queryRow.modelData.id
                            text: queryRow.modelData.itemLabel + " · " + queryRow.modelData.question
                            wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 15
                        }
                        Label {
                            visible: queryRow.modelData.answer.length > 0
                            text: (queryRow.modelData.pending ? qsTr("Answered here, sent at the next sync: ")
                                                              : qsTr("Answered: ")) + queryRow.modelData.answer
                            color: queryRow.modelData.pending ? "#ef6c00" : "#2e7d32"
                            wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 15
                        }
                        Label {
                            visible: queryRow.modelData.origin === "CONFLICT"
                            text: qsTr("Changed on two tablets: save the right value with its reason to resolve it.")
                            wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 14
                        }
                        RowLayout {
                            visible: queryRow.modelData.canAnswer
                            Layout.fillWidth: true
                            TextField {
                                id: answerText
                                objectName: "answer_" + queryRow.modelData.id
                                placeholderText: qsTr("Answer (correct the value above if needed, with its reason)")
                                Layout.fillWidth: true
                                Layout.minimumHeight: 48
                            }
                            Button {
                                text: qsTr("Answer")
                                enabled: answerText.text.trim().length > 0
                                Layout.minimumHeight: 48
                                onClicked: page.form.answerQuery(queryRow.modelData.id, answerText.text)
                            }
                        }
                    }
                }
                Label {
                    objectName: "queryMessage"
                    visible: page.form.queryMessage.length > 0
                    text: page.form.queryMessage
                    color: "#c62828"; wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 14
                }
            }
        }

        // Eligibility verdict, when this form carries the study's criteria.
        Frame {
            objectName: "eligibilityPanel"
            visible: model.eligibilityStatus.length > 0
            Layout.fillWidth: true
            Layout.margins: 8
            ColumnLayout {
                anchors.fill: parent
                Label {
                    objectName: "eligibilityStatus"
                    text: model.eligibilityStatus === "met" ? qsTr("Eligible: every criterion is met")
                        : model.eligibilityStatus === "not met" ? qsTr("Not eligible")
                        : qsTr("Eligibility incomplete")
                    color: model.eligibilityStatus === "met" ? "#2e7d32" : model.eligibilityStatus === "not met" ? "#c62828" : "#ef6c00"
                    font.pixelSize: 20
                    font.bold: true
                }
                Repeater {
                    model: page.form.eligibilityFailing
                    Label { required property string modelData; text: "✗ " + modelData; color: "#c62828"; wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 15 }
                }
                // Many undecided criteria (an empty page) fit on one line; a few are spelled out.
                Label {
                    visible: page.form.eligibilityUndecided.length > 4
                    text: qsTr("%1 criteria not yet decided: %2").arg(page.form.eligibilityUndecided.length)
                          .arg(page.form.eligibilityUndecided.map(function(c) { return c.split(":")[0] }).join(", "))
                    color: "#ef6c00"; wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 15
                }
                Repeater {
                    model: page.form.eligibilityUndecided.length > 4 ? [] : page.form.eligibilityUndecided
                    Label { required property string modelData; text: "? " + modelData; color: "#ef6c00"; wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 15 }
                }
            }
        }

        // Computed values stay in view while typing (SOFA total, IBW and rates, free days...).
        Flow {
            objectName: "computedBar"
            visible: page.form.computed.length > 0
            Layout.fillWidth: true
            Layout.margins: 8
            spacing: 18
            Repeater {
                model: page.form.computed
                Row {
                    required property var modelData
                    spacing: 6
                    Label { text: modelData.label; font.pixelSize: 15; opacity: 0.8; anchors.baseline: valueLabel.baseline }
                    Label {
                        id: valueLabel
                        objectName: "computed_" + modelData.oid
                        text: modelData.value.length ? modelData.value + (modelData.unit.length ? " " + modelData.unit : "") : "–"
                        font.pixelSize: modelData.oid.indexOf("TOTAL") >= 0 ? 28 : 20
                        font.bold: true
                    }
                }
            }
        }

        // Unsaved input of an earlier session put back (a crash, a lock, a user switch, leaving the page).
        Frame {
            objectName: "draftNote"
            visible: model.draftNote.length > 0
            Layout.fillWidth: true
            Layout.margins: 8
            background: Rectangle { color: "#fff8e1"; radius: 6; border.color: "#f9a825" }
            RowLayout {
                anchors.fill: parent
                Label { text: model.draftNote; color: "#5d4037"; wrapMode: Text.WordWrap; font.pixelSize: 15; Layout.fillWidth: true }
                Button { text: qsTr("Discard"); flat: true; Layout.minimumHeight: 48; onClicked: model.discardChanges() }
            }
        }

        // Input that could not be kept as a draft (the storage is full): it is only on the screen.
        Frame {
            objectName: "draftWarning"
            visible: model.draftWarning.length > 0
            Layout.fillWidth: true
            Layout.margins: 8
            background: Rectangle { color: "#ffebee"; radius: 6; border.color: "#d32f2f" }
            Label { anchors.fill: parent; text: model.draftWarning; color: "#b71c1c"; wrapMode: Text.WordWrap; font.pixelSize: 15 }
        }

        Label {
            visible: model.description.length > 0
            text: model.description
            wrapMode: Text.WordWrap
            opacity: 0.7
            Layout.fillWidth: true
            Layout.margins: 12
        }

        ListView {
            id: items
            objectName: "items"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: model
            cacheBuffer: 4000
            section.property: "section"
            section.delegate: Label {
                required property string section
                text: section
                font.pixelSize: 18
                font.bold: true
                topPadding: 14
                leftPadding: 12
                bottomPadding: 4
            }
            delegate: FormItem {
                form: page.form
                onMissingReasonRequested: function(oid, label) { missingDialog.ask(oid, label) }
                onInstrumentRequested: function(oid, instrument) { page.openInstrument(oid) }
                onPhotoRequested: function(oid) { photoDialog.oid = oid; photoDialog.open() }
                onCameraRequested: function(oid) { cameraPopup.oid = oid; cameraPopup.open() }
                cameraAvailable: camera.available
            }
            ScrollBar.vertical: ScrollBar {}
        }

        Repeater {
            model: page.form.formIssues
            Label {
                required property var modelData
                text: modelData.message
                color: modelData.level === "error" ? "#d32f2f" : "#ef6c00"
                Layout.margins: 8
            }
        }
    }

    footer: ToolBar {
        RowLayout {
            anchors.fill: parent
            spacing: 12
            Label { id: saveMessage; objectName: "saveMessage"; text: model.message; font.pixelSize: 15; Layout.fillWidth: true; Layout.leftMargin: 12; elide: Text.ElideRight }
            Label { text: model.dirty ? qsTr("Unsaved changes") : ""; color: "#ef6c00"; font.pixelSize: 15 }
            Button {
                objectName: "statusButton"
                text: model.recordStatus === "ENTERED_IN_ERROR" ? qsTr("Restore record…") : qsTr("Entered in error…")
                enabled: !model.busy && page.core !== null
                Layout.minimumHeight: 48
                onClicked: statusDialog.open()
            }
            Button {
                objectName: "signButton"
                visible: Session.role === "investigator"
                text: qsTr("Sign…")
                enabled: !model.dirty && !model.busy && page.core !== null
                Layout.minimumHeight: 48
                onClicked: signDialog.open()
            }
            Button {
                objectName: "saveButton"
                text: qsTr("Save")
                highlighted: true
                enabled: model.dirty && !model.busy && page.core !== null
                Layout.minimumHeight: 48
                Layout.minimumWidth: 120
                Layout.rightMargin: 12
                onClicked: model.needsReason() ? reasonDialog.open() : model.save()
            }
        }
    }

    Dialog {
        id: missingDialog
        property string oid
        title: qsTr("Why is this value missing?")
        modal: true
        anchors.centerIn: parent
        standardButtons: Dialog.Ok | Dialog.Cancel
        function ask(itemOid, label) { oid = itemOid; itemLabel.text = label; missingText.text = ""; open() }
        ColumnLayout {
            Label { id: itemLabel; font.bold: true }
            ComboBox { id: missingCode; model: page.form.missingReasons; textRole: "label"; valueRole: "code"; Layout.fillWidth: true; Layout.minimumHeight: 48 }
            TextField { id: missingText; placeholderText: qsTr("Details"); Layout.fillWidth: true; Layout.minimumHeight: 48 }
        }
        onAccepted: model.setMissingReason(oid, missingCode.currentValue, missingText.text)
    }

    Dialog {
        id: statusDialog
        title: model.recordStatus === "ENTERED_IN_ERROR" ? qsTr("Restore this record") : qsTr("Mark this record entered in error")
        modal: true
        anchors.centerIn: parent
        standardButtons: Dialog.Ok | Dialog.Cancel
        ColumnLayout {
            Label { text: qsTr("Nothing is deleted: the record is marked and every value stays in the audit trail. Give the reason."); wrapMode: Text.WordWrap; Layout.maximumWidth: 420 }
            TextField { id: statusReason; placeholderText: qsTr("Reason"); Layout.fillWidth: true; Layout.minimumHeight: 48 }
        }
        onAccepted: {
            model.setRecordStatus(model.recordStatus === "ENTERED_IN_ERROR" ? "RESTORED" : "ENTERED_IN_ERROR",
                                  model.recordStatus === "ENTERED_IN_ERROR" ? "RESTORED" : "ENTERED_IN_ERROR", statusReason.text)
            statusReason.text = ""
        }
    }

    Dialog {
        id: signDialog
        title: qsTr("Sign this form")
        modal: true
        anchors.centerIn: parent
        standardButtons: Dialog.Ok | Dialog.Cancel
        ColumnLayout {
            Label {
                text: qsTr("Meaning: I approve the data of this form as accurate and complete. Your signature records your printed name, the UTC time and exactly these values. Enter your password to sign (21 CFR 11.50, 11.200).")
                wrapMode: Text.WordWrap; Layout.maximumWidth: 420
            }
            TextField { id: signPassword; objectName: "signPassword"; echoMode: TextInput.Password; placeholderText: qsTr("Password"); Layout.fillWidth: true; Layout.minimumHeight: 48 }
        }
        onAccepted: { model.sign(signPassword.text); signPassword.text = "" }
        onRejected: signPassword.text = ""
    }

    // Leaving with unsaved input: say that it is kept, and offer to save or discard it (nothing typed is lost unasked).
    function requestLeave() {
        if (model.dirty) {
            model.keepDraftNow()
            leaveDialog.open()
        } else {
            page.leave()
        }
    }
    function leave() {
        if (page.StackView.view)
            page.StackView.view.pop()
    }
    Dialog {
        id: leaveDialog
        objectName: "leaveDialog"
        title: qsTr("Unsaved changes")
        modal: true
        anchors.centerIn: parent
        ColumnLayout {
            spacing: 12
            Label {
                text: model.draftWarning.length > 0
                      ? qsTr("This form has input that is not saved, and it could not be kept on this tablet: leaving now loses it. Save it, or stay until it can be kept.")
                      : qsTr("This form has input that is not saved. It is kept on this tablet and shown again when the form is opened; it is not in the record until it is saved.")
                wrapMode: Text.WordWrap; Layout.maximumWidth: 480; font.pixelSize: 16
            }
            RowLayout {
                spacing: 8
                Button {
                    objectName: "leaveSave"
                    text: qsTr("Save")
                    highlighted: true
                    enabled: model.canSave
                    Layout.minimumHeight: 52
                    onClicked: { leaveDialog.close(); model.needsReason() ? reasonDialog.open() : model.save() }
                }
                Button {
                    objectName: "leaveKeep"
                    text: qsTr("Leave, keep for later")
                    Layout.minimumHeight: 52
                    enabled: model.draftWarning.length === 0
                    onClicked: { leaveDialog.close(); page.leave() }
                }
                Button {
                    objectName: "leaveDiscard"
                    text: qsTr("Discard changes")
                    flat: true
                    Material.foreground: "#d32f2f"
                    Layout.minimumHeight: 52
                    onClicked: { leaveDialog.close(); model.discardChanges(); page.leave() }
                }
                Button {
                    objectName: "leaveStay"
                    text: qsTr("Stay")
                    flat: true
                    Layout.minimumHeight: 52
                    onClicked: leaveDialog.close()
                }
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
        onAccepted: { model.save(reasonCode.currentText, reasonText.text); reasonText.text = "" }
    }
}
