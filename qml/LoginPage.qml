// Login and idle lock: an opaque screen over everything, so nothing of a user's work shows while nobody is logged in
// or the tablet is locked. Checks happen in C++ (SessionController -> AppCore: gateway, or the offline verifier).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Crf.App

Rectangle {
    id: screen
    // "login": nobody is logged in; "lock": the logged-in user's screen is kept under this one until unlocked.
    property string mode: "login"
    property string prefillUser: ""
    property bool confirmSwitch: false // "Switch user" asked once while an open form's input is unkept
    color: Material.theme === Material.Dark ? "#121a22" : "#eef2f5"

    // Swallow every click and touch: the pages underneath must not react while locked.
    MouseArea { anchors.fill: parent; hoverEnabled: true }

    onVisibleChanged: {
        password.text = ""
        confirmSwitch = false
        if (visible)
            (mode === "login" && user.text.length === 0 ? user : password).forceActiveFocus()
    }

    Pane {
        anchors.centerIn: parent
        width: Math.min(parent.width - 48, 460)
        Material.elevation: 6
        padding: 28

        ColumnLayout {
            anchors.fill: parent
            spacing: 14

            Label {
                text: screen.mode === "login" ? qsTr("Log in") : qsTr("Locked")
                font.pixelSize: 28; font.bold: true
            }
            Label {
                Layout.fillWidth: true; wrapMode: Text.WordWrap; font.pixelSize: 16; opacity: 0.8
                text: screen.mode === "login"
                      ? qsTr("%1 · gateway %2").arg(Session.studyId).arg(Session.gatewayAddress)
                      : qsTr("Locked after inactivity. %1 (%2), enter your password to go on where you left off.")
                            .arg(Session.printedName).arg(Session.userId)
            }
            TextField {
                id: user
                objectName: "loginUser"
                visible: screen.mode === "login"
                text: screen.prefillUser
                placeholderText: qsTr("User id")
                inputMethodHints: Qt.ImhNoAutoUppercase | Qt.ImhNoPredictiveText
                Layout.fillWidth: true; Layout.minimumHeight: 52; font.pixelSize: 20
                onAccepted: password.forceActiveFocus()
            }
            TextField {
                id: password
                objectName: "loginPassword"
                placeholderText: qsTr("Password")
                echoMode: TextInput.Password
                inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText
                Layout.fillWidth: true; Layout.minimumHeight: 52; font.pixelSize: 20
                onAccepted: go.clicked()
            }
            Label {
                objectName: "unkeptWarning"
                visible: screen.mode === "lock" && screen.confirmSwitch && Session.unkeptInput
                text: qsTr("An open form has input that could not be kept on this tablet (its storage is full). Switching user now loses it: unlock and save it first.")
                color: "#d32f2f"; wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 16
            }
            Label {
                objectName: "loginError"
                visible: Session.loginError.length > 0
                text: Session.loginError
                color: "#d32f2f"; wrapMode: Text.WordWrap; Layout.fillWidth: true; font.pixelSize: 16
            }
            RowLayout {
                Layout.fillWidth: true
                spacing: 12
                BusyIndicator { running: Session.busy; visible: Session.busy; Layout.preferredHeight: 40 }
                Item { Layout.fillWidth: true }
                Button {
                    objectName: "switchUser"
                    visible: screen.mode === "lock"
                    // Input an open form could not keep on this tablet is lost by closing the pages: said, and
                    // switched only when asked twice (unlock and save it instead).
                    text: screen.confirmSwitch ? qsTr("Switch anyway, lose it") : qsTr("Switch user")
                    flat: true
                    Layout.minimumHeight: 52
                    onClicked: {
                        if (Session.unkeptInput && !screen.confirmSwitch) {
                            screen.confirmSwitch = true
                            return
                        }
                        screen.confirmSwitch = false
                        Session.switchUser()
                    }
                }
                Button {
                    id: go
                    objectName: "loginButton"
                    text: screen.mode === "login" ? qsTr("Log in") : qsTr("Unlock")
                    highlighted: true
                    enabled: !Session.busy && password.text.length > 0 && (screen.mode === "lock" || user.text.length > 0)
                    Layout.minimumHeight: 52; font.pixelSize: 18
                    onClicked: {
                        if (screen.mode === "login")
                            Session.login(user.text, password.text)
                        else
                            Session.unlock(password.text)
                        password.text = ""
                    }
                }
            }
            Label {
                visible: screen.mode === "login"
                Layout.fillWidth: true; wrapMode: Text.WordWrap; font.pixelSize: 14; opacity: 0.7
                text: qsTr("Without a network, a user who logged in online on this tablet before can log in; changes are kept and sent later.")
            }
        }
    }
}
