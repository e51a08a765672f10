// Tablet main window: the sync bar on top of a stack (subject list -> SOFA form).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Crf.App

ApplicationWindow {
    id: window
    width: 1280
    height: 800
    visible: true
    title: qsTr("CRF tablet")
    property string initialSubject: ""
    // Toolbars in a deep blue that reads in a dark room and in daylight; accent for switches and focus.
    Material.primary: "#1f3b57"
    Material.accent: "#00897b"

    header: SyncBar {}

    StackView {
        id: stack
        objectName: "stack"
        anchors.fill: parent
        initialItem: SubjectListPage {
            onOpenSofa: function(subjectId) { window.openSofa(subjectId) }
        }
    }

    function openSofa(subjectId) {
        stack.push(sofaPage, { subjectId: subjectId, core: Session.core })
    }

    Component { id: sofaPage; SofaPage {} }

    Connections {
        target: Session
        function onReadyChanged() {
            Subjects.refresh()
            if (Session.ready && window.initialSubject.length > 0)
                window.openSofa(window.initialSubject)
        }
    }
}
