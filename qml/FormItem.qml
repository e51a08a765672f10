// One item of any form, drawn from its FormModel row: the control follows the item type; the rules (ranges, checks,
// derived values, visibility) all come from C++. Touch targets are at least 48 px.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Item {
    id: root
    required property int index
    required property string oid
    required property string label
    required property string itemType
    required property string unit
    required property var units
    required property string unitLabel
    required property var unitLabels
    required property string value
    required property string displayValue
    required property bool derived
    required property bool shown
    required property bool required
    required property var choices
    required property string issueLevel
    required property string issueMessage
    required property bool confirmed
    required property string missingReason
    required property string missingText
    required property string help
    required property bool siteOnly
    required property bool conflict
    required property string capture
    property var form
    signal missingReasonRequested(string oid, string label)
    signal instrumentRequested(string oid, string instrument)
    signal photoRequested(string oid)
    signal cameraRequested(string oid)
    property bool cameraAvailable: false

    objectName: "item_" + oid
    visible: shown
    width: ListView.view ? ListView.view.width : 600
    height: shown ? column.implicitHeight + 12 : 0

    readonly property color issueColor: issueLevel === "error" ? "#d32f2f" : issueLevel === "warning" ? "#ef6c00" : "#1565c0"

    ColumnLayout {
        id: column
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.margins: 12
        y: 6
        spacing: 4

        RowLayout {
            Layout.fillWidth: true
            spacing: 12
            Label {
                text: root.label + (root.required && !root.derived ? " *" : "")
                font.pixelSize: 17
                wrapMode: Text.WordWrap
                Layout.preferredWidth: 360
                Layout.maximumWidth: 360
            }
            Label {
                visible: root.siteOnly
                text: qsTr("site only")
                font.pixelSize: 12
                color: "#6a1b9a"
            }

            // Derived: computed in C++, never typed.
            Label {
                objectName: root.oid + "_value"
                visible: root.derived
                text: root.value.length ? root.displayValue + (root.unitLabel.length ? " " + root.unitLabel : "") : "–"
                font.pixelSize: 22
                font.bold: true
            }
            Label { visible: root.derived; text: qsTr("computed"); opacity: 0.6; font.pixelSize: 13 }

            TextField {
                id: textInput
                objectName: root.oid + "_input"
                visible: !root.derived && ["integer", "decimal", "text", "date", "datetime"].indexOf(root.itemType) >= 0
                text: root.value
                Layout.preferredWidth: root.itemType === "text" ? 320 : (root.itemType === "datetime" ? 260 : 140)
                Layout.minimumHeight: 48
                font.pixelSize: 19
                placeholderText: root.itemType === "date" ? "YYYY-MM-DD" : root.itemType === "datetime" ? "YYYY-MM-DDTHH:MM" : ""
                inputMethodHints: root.itemType === "integer" || root.itemType === "decimal" ? Qt.ImhFormattedNumbersOnly : Qt.ImhNone
                onTextEdited: root.form.setValue(root.oid, text)
            }
            // A bedside instrument bound to this item by the definition (the capillary refill stopwatch).
            Loader {
                active: root.capture === "crt_stopwatch"
                visible: active
                Layout.minimumHeight: 48
                sourceComponent: Button {
                    objectName: root.oid + "_stopwatch"
                    text: qsTr("Stopwatch")
                    icon.name: "chronometer"
                    highlighted: true
                    Layout.minimumHeight: 48
                    onClicked: root.instrumentRequested(root.oid, root.capture)
                }
            }
            Loader {
                active: !root.derived && root.itemType === "datetime"
                visible: active
                Layout.minimumHeight: 48
                sourceComponent: Button {
                    text: qsTr("Now")
                    Layout.minimumHeight: 48
                    onClicked: root.form.setValue(root.oid, root.form.now())
                }
            }
            // Units: a choice when the definition allows several (bilirubin, creatinine), else shown as text.
            // Choices are made only for the items that have them: a form opens faster (docs/performance.md).
            Loader {
                active: !root.derived && root.units.length > 1
                visible: active
                Layout.minimumHeight: 48
                sourceComponent: ComboBox {
                    objectName: root.oid + "_unit"
                    model: root.unitLabels // shown in the screen's language; the unit chosen is root.units[i]
                    currentIndex: Math.max(0, root.units.indexOf(root.unit))
                    height: 48
                    onActivated: root.form.setUnit(root.oid, root.units[currentIndex])
                }
            }
            Label {
                visible: !root.derived && root.units.length <= 1 && root.unit.length > 0
                text: root.unitLabel
                font.pixelSize: 16
            }

            // Yes / No, with "not answered" as a real state.
            Loader {
                active: !root.derived && root.itemType === "boolean"
                visible: active
                sourceComponent: RowLayout {
                    spacing: 6
                    Button {
                        objectName: root.oid + "_yes"
                        text: qsTr("Yes"); checkable: true; checked: root.value === "Y"
                        Layout.minimumHeight: 48; Layout.minimumWidth: 80
                        onClicked: root.form.setValue(root.oid, root.value === "Y" ? "" : "Y")
                    }
                    Button {
                        objectName: root.oid + "_no"
                        text: qsTr("No"); checkable: true; checked: root.value === "N"
                        Layout.minimumHeight: 48; Layout.minimumWidth: 80
                        onClicked: root.form.setValue(root.oid, root.value === "N" ? "" : "N")
                    }
                }
            }

            Loader {
                active: !root.derived && root.itemType === "code"
                visible: active
                Layout.preferredWidth: 420
                Layout.minimumHeight: 48
                sourceComponent: ComboBox {
                    objectName: root.oid + "_choice"
                    model: root.choices
                    textRole: "label"
                    valueRole: "code"
                    width: 420
                    height: 48
                    currentIndex: {
                        for (var i = 0; i < root.choices.length; ++i)
                            if (root.choices[i].code === root.value) return i
                        return -1
                    }
                    displayText: currentIndex < 0 ? qsTr("Choose…") : currentText
                    onActivated: root.form.setValue(root.oid, currentValue)
                }
            }

            // Photo: taken with the tablet's camera where there is one, straight into the encrypted store.
            Loader {
                active: root.itemType === "photo" && root.cameraAvailable
                visible: active
                Layout.minimumHeight: 48
                sourceComponent: Button {
                    objectName: root.oid + "_camera"
                    text: qsTr("Take photo…")
                    highlighted: true
                    onClicked: root.cameraRequested(root.oid)
                }
            }
            // Photo: imported from a file into the encrypted store (never a clear copy, metadata stripped).
            Loader {
                active: root.itemType === "photo"
                visible: active
                Layout.minimumHeight: 48
                sourceComponent: Button {
                    objectName: root.oid + "_import"
                    text: root.value.length ? qsTr("Replace photo…") : qsTr("Import photo…")
                    Layout.minimumHeight: 48
                    onClicked: root.photoRequested(root.oid)
                }
            }

            Item { Layout.fillWidth: true }
        }

        Image {
            objectName: root.oid + "_photo"
            visible: root.itemType === "photo" && source.toString().length > 0
            source: root.itemType === "photo" && root.form && root.form.photos[root.oid] ? root.form.photos[root.oid] : ""
            cache: false // in memory only while the form is open
            fillMode: Image.PreserveAspectFit
            Layout.preferredHeight: 220
            Layout.preferredWidth: 300
        }
        Label {
            visible: root.itemType === "photo" && root.value.length > 0 && !(root.form && root.form.photos[root.oid])
            text: qsTr("Photo recorded (taken on another tablet: held at the gateway)")
            font.pixelSize: 14; opacity: 0.7
        }
        // Made only for the items that have it: six drawings per coded item would slow every form's opening.
        Loader {
            active: root.capture === "mottling_reference" && !root.derived
            visible: active
            Layout.fillWidth: true
            sourceComponent: MottlingReference {
                oid: root.oid
                value: root.value
                choices: root.choices
                onPicked: function(code) { root.form.setValue(root.oid, code) }
            }
        }
        Label {
            visible: root.help.length > 0 && !root.derived
            text: root.help
            font.pixelSize: 13
            opacity: 0.65
            wrapMode: Text.WordWrap
            Layout.fillWidth: true
        }

        RowLayout {
            visible: root.issueLevel.length > 0
            Layout.fillWidth: true
            spacing: 10
            Label {
                objectName: root.oid + "_issue"
                text: root.issueMessage
                color: root.issueColor
                font.pixelSize: 15
                wrapMode: Text.WordWrap
                Layout.fillWidth: true
            }
            Loader {
                active: root.issueLevel === "warning"
                visible: active
                Layout.minimumHeight: 48
                sourceComponent: CheckBox {
                    objectName: root.oid + "_confirm"
                    text: qsTr("Confirmed")
                    checked: root.confirmed
                    onToggled: root.form.setConfirmed(root.oid, checked)
                }
            }
            Loader {
                active: root.issueLevel === "missing"
                visible: active
                Layout.minimumHeight: 48
                sourceComponent: Button {
                    text: qsTr("Reason missing…")
                    Layout.minimumHeight: 48
                    onClicked: root.missingReasonRequested(root.oid, root.label)
                }
            }
        }
        Label {
            objectName: root.oid + "_conflict"
            visible: root.conflict
            text: qsTr("Conflict: another value was entered for this item at the same time. The value shown is the one kept; both are in the audit trail. Save the correct value with a reason to resolve the query.")
            color: "#ad1457"
            font.pixelSize: 14
            wrapMode: Text.WordWrap
            Layout.fillWidth: true
        }
        Label {
            visible: root.missingReason.length > 0
            text: qsTr("Missing: %1%2").arg(root.missingReason).arg(root.missingText.length ? " – " + root.missingText : "")
            color: "#1565c0"
            font.pixelSize: 14
        }
    }
}
