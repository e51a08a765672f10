// The site's pages driven as a nurse would, offline on a real encrypted store: register a subject on the dashboard,
// see it listed with its unsent change in the sync bar, open its casebook and see each form's status change after a
// save, be refused at login with plain words when no verifier is on the tablet, and be told when a full tablet cannot
// keep what is typed.
import QtQuick
import QtQuick.Controls
import QtTest
import Crf.App
import Crf.Ui

Item {
    id: root
    width: 1280
    height: 800

    Component { id: listComponent; SubjectListPage { anchors.fill: parent } }
    Component { id: casebookComponent; CasebookPage { anchors.fill: parent } }
    Component { id: formComponent; FormPage { anchors.fill: parent; study: Study; core: Session.core } }
    Component { id: barComponent; SyncBar { width: 1280; y: 720 } } // below the page's fields
    Component { id: loginComponent; LoginPage { anchors.fill: parent } }
    Component { id: randomizationComponent; RandomizationPage { anchors.fill: parent } }

    TestCase {
        name: "Pages"
        when: windowShown

        function typeInto(field, text) {
            mouseClick(field)
            field.selectAll()
            keyClick(Qt.Key_Delete)
            for (var i = 0; i < text.length; ++i)
                keyClick(text[i])
        }

        function test_1_registeringASubjectListsItAndTheSyncBarCountsTheChange() {
            var page = createTemporaryObject(listComponent, root)
            tryVerify(function() { return Session.ready }, 15000)
            var bar = createTemporaryObject(barComponent, root)
            waitForRendering(page)
            typeInto(findChild(page, "newSubjectId"), "01-900")
            typeInto(findChild(page, "newSubjectInitials"), "X1")
            mouseClick(findChild(page, "registerSubject"))
            tryVerify(function() { return findChild(page, "addMessage").text.indexOf("Initials") === 0 }, 5000,
                      "bad initials are refused naming the field")
            typeInto(findChild(page, "newSubjectInitials"), "XY")
            mouseClick(findChild(page, "registerSubject"))
            tryVerify(function() { return findChild(page, "subject_01-900") !== null }, 5000, "the subject is listed")
            Session.refresh()
            tryVerify(function() { return findChild(bar, "pendingLabel").text.indexOf("1 change not yet sent") === 0 },
                      5000, "the sync bar counts the unsent change")
            tryVerify(function() { return findChild(page, "summary_unsent").n === 1 }, 5000,
                      "the dashboard counts the subject with unsent changes")
        }

        function test_2_theCasebookShowsEachFormsStatusAndFollowsASave() {
            var casebook = createTemporaryObject(casebookComponent, root, { subjectId: "01-900" })
            tryVerify(function() { var s = findChild(casebook, "status_SOFA"); return s !== null && s.text.indexOf("Empty") === 0 }, 5000)
            compare(findChild(casebook, "status_REG").text.indexOf("Complete"), 0)
            casebook.destroy()
            var form = createTemporaryObject(formComponent, root, { subjectId: "01-900", visitOid: "D0", formOid: "SOFA" })
            tryVerify(function() { return !form.form.busy })
            var values = { PAO2: "68", FIO2: "45", RESP_SUPPORT: "Y", PLATELETS: "92", BILI: "38", MAP: "66",
                           NOREPINEPHRINE: "0,32", GCS: "10", CREAT: "190", URINE_24H: "420" }
            for (var oid in values)
                form.form.setValue(oid, values[oid])
            verify(form.form.canSave)
            var saved = false
            form.form.saved.connect(function(ok) { saved = ok })
            mouseClick(findChild(form, "saveButton"))
            tryVerify(function() { return saved }, 5000)
            form.destroy()
            casebook = createTemporaryObject(casebookComponent, root, { subjectId: "01-900" })
            tryVerify(function() { var s = findChild(casebook, "status_SOFA"); return s !== null && s.text.indexOf("Complete") === 0 }, 5000)
            verify(findChild(casebook, "status_SOFA").text.indexOf("not yet sent") > 0, "unsent, said on the form")
        }

        // A nurse sees the randomization page but cannot confirm; offline and before the first sync there is no box
        // list on the tablet, and the page says so instead of proposing a number.
        function test_4_onlyAnInvestigatorRandomizesAndNoBoxIsInventedOffline() {
            var page = createTemporaryObject(randomizationComponent, root, { subjectId: "01-900" })
            waitForRendering(page)
            compare(Session.role, "research_nurse")
            var confirm = findChild(page, "confirmRandomization")
            typeInto(findChild(page, "boxNumber"), "3")
            verify(!confirm.enabled, "a nurse cannot confirm a randomization")
            tryVerify(function() { return findChild(page, "proposal").text.length > 0 }, 5000)
            compare(Trial.proposedNumber, 0)
        }

        Component { id: switchSpy; SignalSpy { target: Session; signalName: "switchingUser" } }

        // A full tablet: the input cannot be kept, so the form says so and leaving "for later" is not offered (it
        // would lose the input unasked); saving or staying is. Once space is back the draft is kept by itself and the
        // choice returns.
        function test_5_inputThatCannotBeKeptIsNotLeftForLater() {
            var form = createTemporaryObject(formComponent, root, { subjectId: "01-900", visitOid: "D0", formOid: "SOFA" })
            tryVerify(function() { return !form.form.busy })
            form.form.setDraftRetryInterval(50)
            TestStorage.fill()
            form.form.setValue("PAO2", "70")
            var warning = findChild(form, "draftWarning")
            tryVerify(function() { return warning.visible }, 5000, "the form says the input is not kept")
            // The lock screen: a user switch would close the form and lose the input, so it is said and asked twice.
            verify(Session.unkeptInput)
            var lock = createTemporaryObject(loginComponent, root, { mode: "lock" })
            var switching = createTemporaryObject(switchSpy, root)
            mouseClick(findChild(lock, "switchUser"))
            verify(findChild(lock, "unkeptWarning").visible, "the lock screen says the input would be lost")
            compare(switching.count, 0)
            mouseClick(findChild(lock, "switchUser"))
            compare(switching.count, 1, "switched when asked again")
            lock.destroy()
            form.requestLeave()
            var dialog = findChild(form, "leaveDialog")
            tryVerify(function() { return dialog.opened })
            verify(!findChild(dialog, "leaveKeep").enabled, "leaving for later would lose the input")
            mouseClick(findChild(dialog, "leaveStay"))
            tryVerify(function() { return !dialog.opened })
            compare(form.form.valueOf("PAO2"), "70")
            TestStorage.empty()
            tryVerify(function() { return !warning.visible }, 5000, "kept once space is back")
            verify(!Session.unkeptInput)
            form.requestLeave()
            tryVerify(function() { return dialog.opened })
            verify(findChild(dialog, "leaveKeep").enabled)
            mouseClick(findChild(dialog, "leaveDiscard"))
            tryVerify(function() { return !dialog.opened })
        }

        function test_3_aLoginWithoutNetworkOrVerifierIsRefusedInPlainWords() {
            var login = createTemporaryObject(loginComponent, root)
            typeInto(findChild(login, "loginUser"), "nobody")
            typeInto(findChild(login, "loginPassword"), "not-a-password")
            mouseClick(findChild(login, "loginButton"))
            tryVerify(function() { return findChild(login, "loginError").visible }, 20000)
            verify(findChild(login, "loginError").text.length > 10)
        }
    }
}
