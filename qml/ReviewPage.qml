// The central assessor's review: the queue of random codes on the left, the photo in the middle, the study's mottling
// scale (Ait-Oufella 2011) as the reference beside it, and one large button per score. Nothing here names a subject,
// site, visit or arm: the desk (ReviewDesk, C++) only ever receives codes and the picture.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

Page {
    id: page
    // A ReviewDesk (crf-review registers it as the Review singleton; tests pass their own).
    property var desk
    title: qsTr("Central mottling review · %1").arg(desk ? desk.studyId : "")

    header: ToolBar {
        Material.background: Material.primary
        Material.foreground: "white"
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 16; anchors.rightMargin: 8
            Label {
                text: page.title
                color: "white"; font.pixelSize: 20; font.bold: true
                Layout.fillWidth: true; elide: Text.ElideRight
            }
            Label {
                objectName: "remaining"
                color: "white"; font.pixelSize: 16
                text: desk ? qsTr("%1 of %2 left to score").arg(desk.remaining).arg(desk.items.length) : ""
            }
            ToolButton {
                text: qsTr("Refresh")
                enabled: desk && !desk.busy
                Layout.minimumHeight: 48
                onClicked: desk.refresh()
            }
            ToolButton {
                text: qsTr("Log out")
                Layout.minimumHeight: 48
                onClicked: desk.logout()
            }
        }
    }

    RowLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 12

        // The queue: codes only; a score given in this session is shown beside its code.
        Pane {
            Layout.preferredWidth: 250
            Layout.fillHeight: true
            Material.elevation: 2
            padding: 0
            ListView {
                id: queue
                objectName: "queue"
                anchors.fill: parent
                clip: true
                model: desk ? desk.items : []
                delegate: ItemDelegate {
                    objectName: "code_" + modelData.code
                    width: ListView.view.width
                    height: 52
                    highlighted: desk && modelData.code === desk.currentCode
                    text: modelData.code
                    font.family: "monospace"; font.pixelSize: 15
                    onClicked: desk.open(modelData.code)
                    Label {
                        anchors.right: parent.right; anchors.rightMargin: 12
                        anchors.verticalCenter: parent.verticalCenter
                        font.pixelSize: 15
                        color: modelData.scored ? "#2e7d32" : "#9e9e9e"
                        text: modelData.score >= 0 ? "✓ " + modelData.score : qsTr("to score")
                    }
                }
            }
        }

        // The photo under review.
        Pane {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Material.elevation: 2
            ColumnLayout {
                anchors.fill: parent
                spacing: 8
                Label {
                    objectName: "currentCode"
                    text: desk && desk.currentCode.length > 0 ? qsTr("Photo %1").arg(desk.currentCode) : qsTr("No photo open")
                    font.pixelSize: 18; font.bold: true; font.family: "monospace"
                }
                Image {
                    objectName: "photo"
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    fillMode: Image.PreserveAspectFit
                    asynchronous: true
                    cache: false // the picture stays in memory only while shown
                    source: desk ? desk.photoUrl : ""
                    BusyIndicator { anchors.centerIn: parent; running: desk && desk.busy }
                }
                Label {
                    objectName: "deskMessage"
                    Layout.fillWidth: true
                    visible: text.length > 0
                    text: desk ? desk.message : ""
                    wrapMode: Text.WordWrap; font.pixelSize: 16
                }
            }
        }

        // The reference scale, each line a score button (gloves or mouse: 56 px rows).
        Pane {
            Layout.preferredWidth: 380
            Layout.fillHeight: true
            Material.elevation: 2
            ColumnLayout {
                anchors.fill: parent
                spacing: 8
                Label {
                    text: qsTr("Mottling score")
                    font.pixelSize: 18; font.bold: true
                }
                Label {
                    Layout.fillWidth: true; wrapMode: Text.WordWrap; opacity: 0.75; font.pixelSize: 14
                    text: qsTr("Extent of mottling from the knee (Ait-Oufella 2011). Tap the score you read on the photo.")
                }
                Repeater {
                    model: desk ? desk.scale : []
                    delegate: Button {
                        objectName: "score_" + modelData.score
                        Layout.fillWidth: true
                        Layout.minimumHeight: 56
                        enabled: desk && !desk.busy && desk.currentCode.length > 0
                        highlighted: desk && desk.currentScore === modelData.score
                        contentItem: Label {
                            text: modelData.label
                            wrapMode: Text.WordWrap; font.pixelSize: 16
                            verticalAlignment: Text.AlignVCenter
                        }
                        onClicked: desk.submitScore(modelData.score)
                    }
                }
                Item { Layout.fillHeight: true }
            }
        }
    }
}
