// Sync status, always visible: pending changes, last sync, error, progress, and a Sync action.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Controls.Material
import Crf.App

ToolBar {
    Material.background: "#1f3b57"
    Material.foreground: "white"
    id: root
    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        RowLayout {
            Layout.fillWidth: true
            spacing: 16
            Label { text: Session.studyId + " · " + qsTr("site") + " " + Session.siteId + " · " + Session.userId; font.pixelSize: 15; Layout.leftMargin: 12 }
            Item { Layout.fillWidth: true }
            Label {
                objectName: "pendingLabel"
                text: Session.pendingCount === 0 ? qsTr("All changes sent") : qsTr("%n change(s) not yet sent", "", Session.pendingCount)
                font.pixelSize: 15
            }
            Label {
                objectName: "photosPending"
                visible: Session.pendingPhotos > 0
                text: qsTr("%n photo(s) not yet sent", "", Session.pendingPhotos)
                font.pixelSize: 15
            }
            Label { text: qsTr("Last sync: %1").arg(Session.lastSyncText); font.pixelSize: 15 }
            Button {
                objectName: "syncButton"
                highlighted: true
                text: Session.syncing ? qsTr("Syncing…") : qsTr("Sync")
                enabled: Session.ready && !Session.syncing
                Layout.minimumHeight: 48
                Layout.minimumWidth: 96
                onClicked: Session.syncNow()
            }
        }
        ProgressBar {
            Layout.fillWidth: true
            visible: Session.syncing
            indeterminate: Session.progress <= 0
            value: Session.progress
        }
        Label {
            objectName: "refused"
            Layout.fillWidth: true
            Layout.leftMargin: 12
            visible: Session.refusedCount > 0
            text: qsTr("%n change(s) refused by the gateway (kept on this tablet and in the audit trail). Latest: %1", "", Session.refusedCount).arg(Session.lastRefusal)
            color: "#ffcc80"
            wrapMode: Text.WordWrap
            font.pixelSize: 14
        }
        Label {
            objectName: "syncError"
            Layout.fillWidth: true
            Layout.leftMargin: 12
            visible: Session.lastError.length > 0
            text: qsTr("Last sync failed: %1").arg(Session.lastError)
            color: "#ffab91"
            wrapMode: Text.WordWrap
            font.pixelSize: 14
        }
    }
}
