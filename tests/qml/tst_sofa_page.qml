// The SOFA page, driven as a nurse would: click a field, type the value; the total follows (computed in C++).
import QtQuick
import QtTest
import Crf.App
import Crf.Ui

Item {
    id: root
    width: 1280
    height: 800

    SofaPage { id: page; anchors.fill: parent; subjectId: "01-001"; day: 0 }

    TestCase {
        name: "SofaPage"
        when: windowShown

        function field(name) {
            var f = findChild(page, name + "Input")
            verify(f !== null, "field " + name + " exists")
            return f
        }
        function typeInto(name, text) {
            var f = field(name)
            mouseClick(f)
            f.selectAll()
            keyClick(Qt.Key_Delete)
            for (var i = 0; i < text.length; ++i)
                keyClick(text[i])
        }
        function total() { return findChild(page, "sofaTotal").text }
        function badge(organ) { return findChild(page, organ + "Badge") }

        function init() {
            var names = ["pao2", "fio2", "platelets", "bilirubin", "map", "norepinephrine", "epinephrine",
                         "dopamine", "dobutamine", "gcs", "creatinine", "urine"]
            for (var i = 0; i < names.length; ++i) {
                var f = field(names[i])
                f.text = ""
                f.textEdited()
            }
            page.controller.respiratorySupport = false
        }

        function test_emptyFormScoresNothing() {
            compare(total(), "0")
            compare(page.controller.complete, false)
            compare(page.controller.coagulationScore, -1, "missing, never 0")
        }

        function test_totalFollowsInputs_data() {
            return [
                { tag: "platelets 85 -> 2", inputs: { platelets: "85" }, total: "2" },
                { tag: "platelets 19 -> 4", inputs: { platelets: "19" }, total: "4" },
                { tag: "GCS 11 + platelets 150", inputs: { gcs: "11", platelets: "150" }, total: "2" },
                { tag: "bilirubin 204 umol/L -> 3", inputs: { bilirubin: "204" }, total: "3" },
                { tag: "noradrenaline 0,25 -> 4", inputs: { map: "64", norepinephrine: "0,25" }, total: "4" },
                { tag: "creatinine 180 + urine 150", inputs: { creatinine: "180", urine: "150" }, total: "4" },
                { tag: "P/F 150 without support -> 2", inputs: { pao2: "75", fio2: "50" }, total: "2" },
                { tag: "every organ", inputs: { pao2: "75", fio2: "50", platelets: "85", bilirubin: "40",
                  map: "64", norepinephrine: "0.05", gcs: "14", creatinine: "100", urine: "2000" }, total: "10" }
            ]
        }
        function test_totalFollowsInputs(data) {
            for (var name in data.inputs)
                typeInto(name, data.inputs[name])
            compare(total(), data.total)
        }

        function test_respiratorySupportRaisesTheRespiratoryScore() {
            typeInto("pao2", "75")
            typeInto("fio2", "50")
            compare(page.controller.respirationScore, 2)
            mouseClick(findChild(page, "respSupport"))
            compare(page.controller.respirationScore, 3)
            compare(total(), "3")
        }

        function test_unitChangeRescoresBilirubin() {
            typeInto("bilirubin", "2.5")
            compare(page.controller.liverScore, 0, "2.5 umol/L")
            page.controller.bilirubinUnit = "mg/dL"
            compare(page.controller.liverScore, 2, "2.5 mg/dL")
        }

        function test_impossibleValueShowsAnErrorAndTheOrganStaysMissing() {
            typeInto("gcs", "2")
            compare(page.controller.cnsScore, -1)
            verify(page.controller.errors["GCS"].length > 0)
            compare(badge("cns").children[0].text, "–")
        }

        function test_completeWhenAllSixOrgansAreScored() {
            typeInto("pao2", "300"); typeInto("fio2", "21"); typeInto("platelets", "200")
            typeInto("bilirubin", "10"); typeInto("map", "80"); typeInto("gcs", "15")
            compare(page.controller.complete, false)
            typeInto("creatinine", "80")
            compare(page.controller.complete, true)
            compare(total(), "0")
        }
    }
}
