// The capillary refill stopwatch (core/crt.h through CrtStopwatch): hold the large pad while pressing the skin (on the
// finger a 10 s countdown guides the pressure, ANDROMEDA-SHOCK), let go when releasing, tap when the colour returns.
// The measurement goes into the form's items; the form is saved as usual. Large targets: gloves, a dark room.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Crf.App

Popup {
    id: panel
    objectName: "crtStopwatch"
    property var form
    property string oid
    modal: true
    focus: true
    closePolicy: Popup.CloseOnEscape
    anchors.centerIn: Overlay.overlay
    width: Math.min(parent ? parent.width - 32 : 720, 720)
    padding: 20

    CrtStopwatch { id: watch; form: panel.form; oid: panel.oid }
    onClosed: watch.cancel() // a measurement under way is abandoned, never half-written

    readonly property bool timing: watch.phase === "timing"
    readonly property bool pressing: watch.phase === "pressing"

    contentItem: ColumnLayout {
        spacing: 14
        RowLayout {
            Layout.fillWidth: true
            Label { text: qsTr("Capillary refill"); font.pixelSize: 24; font.bold: true; Layout.fillWidth: true }
            Button {
                objectName: "crtSiteFinger"
                text: qsTr("Finger"); checkable: true; checked: watch.site === "FINGER"; highlighted: checked
                enabled: !panel.pressing && !panel.timing
                Layout.minimumHeight: 56; Layout.minimumWidth: 110; font.pixelSize: 18
                onClicked: watch.setSite("FINGER")
            }
            Button {
                objectName: "crtSiteKnee"
                text: qsTr("Knee"); checkable: true; checked: watch.site === "KNEE"; highlighted: checked
                enabled: !panel.pressing && !panel.timing
                Layout.minimumHeight: 56; Layout.minimumWidth: 110; font.pixelSize: 18
                onClicked: watch.setSite("KNEE")
            }
        }
        Label {
            objectName: "crtGuidance"
            text: watch.guidance
            font.pixelSize: 20
            wrapMode: Text.WordWrap
            Layout.fillWidth: true
        }
        // The pad: held down for as long as the nurse presses the skin.
        Rectangle {
            objectName: "crtHold"
            Layout.fillWidth: true
            Layout.preferredHeight: 200
            radius: 12
            color: panel.pressing ? (watch.countdown > 0 ? "#ef6c00" : "#2e7d32")
                                  : (Material.theme === Material.Dark ? "#263544" : "#e3eaf0")
            border.color: "#1f3b57"
            border.width: 2
            visible: !panel.timing
            Column {
                anchors.centerIn: parent
                spacing: 6
                Label {
                    anchors.horizontalCenter: parent.horizontalCenter
                    text: panel.pressing ? (watch.countdown > 0 ? watch.countdown : qsTr("Release")) : qsTr("Hold here while pressing")
                    font.pixelSize: panel.pressing ? 72 : 26
                    font.bold: true
                    color: panel.pressing ? "white" : Material.foreground
                }
                Label {
                    anchors.horizontalCenter: parent.horizontalCenter
                    visible: panel.pressing
                    text: qsTr("held %1 s").arg(watch.elapsed)
                    font.pixelSize: 18
                    color: "white"
                }
            }
            MouseArea {
                anchors.fill: parent
                onPressed: watch.press()
                onReleased: watch.release()
                onCanceled: watch.cancel()
            }
        }
        // After the release: one large tap when the colour is back.
        Button {
            objectName: "crtColourBack"
            visible: panel.timing
            Layout.fillWidth: true
            Layout.preferredHeight: 200
            highlighted: true
            font.pixelSize: 30
            text: qsTr("Colour returned\n%1 s").arg(watch.elapsed)
            onClicked: watch.colourReturned()
        }
        Label {
            objectName: "crtResult"
            visible: watch.message.length > 0
            text: watch.message
            font.pixelSize: 18
            wrapMode: Text.WordWrap
            Layout.fillWidth: true
        }
        Label {
            visible: watch.measurements.length > 0
            text: qsTr("Written into the form: save it to keep the measurement; each measurement is one entry of this form.")
            font.pixelSize: 14; opacity: 0.75; wrapMode: Text.WordWrap; Layout.fillWidth: true
        }
        RowLayout {
            Layout.fillWidth: true
            Item { Layout.fillWidth: true }
            Button {
                text: qsTr("Cancel measurement")
                visible: panel.pressing || panel.timing
                flat: true
                Layout.minimumHeight: 52
                onClicked: watch.cancel()
            }
            Button {
                objectName: "crtClose"
                text: qsTr("Close")
                Layout.minimumHeight: 52
                onClicked: panel.close()
            }
        }
    }
}
