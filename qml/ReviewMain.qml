// crf-review's window: a login panel, then the review page. Online only (the photos never leave the gateway's store
// except into this window's memory).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Crf.App

ApplicationWindow {
    id: window
    width: 1280
    height: 800
    visible: true
    title: qsTr("Central mottling review")
    property string prefillUser: ""
    Material.primary: "#1f3b57"
    Material.accent: "#00897b"

    ReviewPage {
        anchors.fill: parent
        visible: Review.loggedIn
        desk: Review
    }

    Rectangle {
        objectName: "reviewLogin"
        anchors.fill: parent
        visible: !Review.loggedIn
        color: Material.theme === Material.Dark ? "#121a22" : "#eef2f5"
        Pane {
            anchors.centerIn: parent
            width: Math.min(parent.width - 48, 460)
            Material.elevation: 6
            padding: 28
            ColumnLayout {
                anchors.fill: parent
                spacing: 14
                Label { text: qsTr("Central review"); font.pixelSize: 28; font.bold: true }
                Label {
                    Layout.fillWidth: true; wrapMode: Text.WordWrap; font.pixelSize: 16; opacity: 0.8
                    text: qsTr("%1 · central assessors only · online").arg(Review.studyId)
                }
                TextField {
                    id: user
                    text: window.prefillUser
                    placeholderText: qsTr("User id")
                    inputMethodHints: Qt.ImhNoAutoUppercase | Qt.ImhNoPredictiveText
                    Layout.fillWidth: true; Layout.minimumHeight: 52; font.pixelSize: 20
                    onAccepted: password.forceActiveFocus()
                }
                TextField {
                    id: password
                    placeholderText: qsTr("Password")
                    echoMode: TextInput.Password
                    inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText
                    Layout.fillWidth: true; Layout.minimumHeight: 52; font.pixelSize: 20
                    onAccepted: go.clicked()
                }
                Label {
                    visible: Review.message.length > 0
                    text: Review.message
                    color: "#d32f2f"; wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 16
                }
                RowLayout {
                    Layout.fillWidth: true
                    BusyIndicator { running: Review.busy; visible: Review.busy; Layout.preferredHeight: 40 }
                    Item { Layout.fillWidth: true }
                    Button {
                        id: go
                        text: qsTr("Log in")
                        highlighted: true
                        enabled: !Review.busy && user.text.length > 0 && password.text.length > 0
                        Layout.minimumHeight: 52; font.pixelSize: 18
                        onClicked: { Review.login(user.text, password.text); password.text = "" }
                    }
                }
            }
        }
    }
}
