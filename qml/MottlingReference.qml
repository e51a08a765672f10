// The mottling score's reference drawings (Ait-Oufella 2011; shared FACTS "Mottling and capillary refill"): a leg from
// the groin fold down, mottled from the knee up to the extent of each score. Tapping a drawing chooses the score;
// the labels come from the study's code list.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

Flow {
    id: reference
    property string oid
    property string value
    property var choices: []   // [{code, label}] of the item's code list
    signal picked(string code)
    spacing: 8

    Repeater {
        model: reference.choices
        delegate: Rectangle {
            required property var modelData
            objectName: reference.oid + "_ref_" + modelData.code
            width: 116
            height: 196
            radius: 8
            color: reference.value === modelData.code ? "#b2dfdb" : (Material.theme === Material.Dark ? "#263544" : "#f4f6f8")
            border.color: reference.value === modelData.code ? "#00897b" : "#90a4ae"
            border.width: reference.value === modelData.code ? 3 : 1

            Canvas {
                id: leg
                anchors.top: parent.top
                anchors.topMargin: 6
                anchors.horizontalCenter: parent.horizontalCenter
                width: 64
                height: 132
                property int score: parseInt(parent.modelData.code)
                onPaint: {
                    var g = getContext("2d")
                    g.reset()
                    var groin = 22, midThigh = 50, kneeTop = 80, kneeCentre = 92
                    // Mottled area from the knee up to the score's landmark (drawn first, clipped to the leg below).
                    function patch(top, bottom) {
                        g.fillStyle = "rgba(142, 90, 134, 0.75)"
                        for (var y = top; y < bottom; y += 5)
                            for (var x = 14; x < 50; x += 7)
                                g.fillRect(x + ((y / 5) % 2) * 3, y, 5, 3)
                    }
                    // Abdomen and the leg's outline.
                    g.fillStyle = "#e8b89a"
                    g.fillRect(0, 0, 64, groin)
                    g.beginPath()
                    g.moveTo(10, groin); g.lineTo(54, groin); g.lineTo(48, 132); g.lineTo(18, 132); g.closePath()
                    g.fill()
                    g.strokeStyle = "#5d4037"; g.lineWidth = 1
                    g.beginPath(); g.moveTo(6, groin); g.lineTo(58, groin); g.stroke() // the groin fold
                    // Kneecap.
                    g.fillStyle = "#f0c8ae"
                    g.beginPath(); g.ellipse(22, kneeTop, 20, 22); g.fill()
                    g.stroke()
                    if (score === 1) {
                        g.fillStyle = "rgba(142, 90, 134, 0.85)"
                        g.beginPath(); g.ellipse(28, kneeCentre - 6, 8, 8); g.fill()
                    } else if (score === 2) {
                        patch(kneeTop, kneeTop + 26)
                    } else if (score === 3) {
                        patch(midThigh, kneeTop + 26)
                    } else if (score === 4) {
                        patch(groin + 2, kneeTop + 26)
                    } else if (score === 5) {
                        patch(2, kneeTop + 26)
                    }
                }
                Component.onCompleted: requestPaint()
            }
            Label {
                anchors.top: leg.bottom
                anchors.topMargin: 2
                anchors.left: parent.left
                anchors.right: parent.right
                anchors.margins: 4
                text: parent.modelData.label
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                font.pixelSize: 11
                maximumLineCount: 3
                elide: Text.ElideRight
            }
            MouseArea {
                anchors.fill: parent
                onClicked: reference.picked(parent.modelData.code)
            }
        }
    }
}
