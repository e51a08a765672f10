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
    property string initialVisit: "D0"
    property string initialForm: ""
    // Toolbars in a deep blue that reads in a dark room and in daylight; accent for switches and focus.
    Material.primary: "#1f3b57"
    Material.accent: "#00897b"

    header: SyncBar {}

    StackView {
        id: stack
        objectName: "stack"
        anchors.fill: parent
        initialItem: SubjectListPage {
            onOpenSubject: function(subjectId) { window.openCasebook(subjectId) }
        }
    }

    function openCasebook(subjectId) {
        var casebook = stack.push(casebookPage, { subjectId: subjectId })
        casebook.openForm.connect(function(visitOid, formOid) { window.openForm(subjectId, visitOid, formOid) })
    }
    function openForm(subjectId, visitOid, formOid) {
        stack.push(formPage, { subjectId: subjectId, visitOid: visitOid, formOid: formOid, study: Study, core: Session.core })
    }

    Component { id: casebookPage; CasebookPage {} }
    Component { id: formPage; FormPage {} }

    Connections {
        target: Session
        function onReadyChanged() {
            Subjects.refresh()
            if (Session.ready && window.initialSubject.length > 0) {
                window.openCasebook(window.initialSubject)
                if (window.initialForm.length > 0)
                    window.openForm(window.initialSubject, window.initialVisit, window.initialForm)
            }
        }
    }
}
