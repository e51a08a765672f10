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
    property bool initialRandomization: false
    property string initialInstrument: ""   // with initialForm: open the instrument bound to this item
    property string prefillUser: ""
    // Toolbars in a deep blue that reads in a dark room and in daylight; accent for switches and focus.
    Material.primary: "#1f3b57"
    Material.accent: "#00897b"

    // Nothing of a user's work shows while nobody is logged in or the tablet is locked.
    header: SyncBar { visible: Session.loggedIn && !Session.locked }

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
        casebook.openFormAt.connect(function(visitOid, formOid, repeat) { window.openForm(subjectId, visitOid, formOid, repeat) })
        casebook.openRandomization.connect(function() { stack.push(randomizationPage, { subjectId: subjectId }) })
    }
    function openForm(subjectId, visitOid, formOid, repeat) {
        var props = { subjectId: subjectId, visitOid: visitOid, formOid: formOid, study: Study, core: Session.core }
        if (repeat !== undefined)
            props.repeat = repeat
        return stack.push(formPage, props)
    }

    LoginPage {
        objectName: "loginScreen"
        anchors.fill: parent
        z: 100
        visible: !Session.loggedIn || Session.locked
        mode: Session.loggedIn ? "lock" : "login"
        prefillUser: window.prefillUser
    }

    Component { id: casebookPage; CasebookPage {} }
    Component { id: formPage; FormPage {} }
    Component { id: randomizationPage; RandomizationPage {} }

    Connections {
        target: Session
        // Another user on a shared tablet: close every page of the previous user (unsaved input included).
        function onSwitchingUser() { stack.pop(null) }
        function onReadyChanged() {
            Subjects.refresh()
            if (Session.ready && window.initialSubject.length > 0) {
                window.openCasebook(window.initialSubject)
                if (window.initialForm.length > 0) {
                    var page = window.openForm(window.initialSubject, window.initialVisit, window.initialForm)
                    if (window.initialInstrument.length > 0)
                        page.openInstrument(window.initialInstrument)
                }
                else if (window.initialRandomization)
                    stack.push(randomizationPage, { subjectId: window.initialSubject })
            }
        }
    }
}
