// Study definitions: both trials load and validate; broken definitions are refused naming the place; every I-MICRO
// eligibility criterion and every IgM-FAT cap behaves as the protocol says; the form engine's rules.
#include "definition.h"
#include "eligibility.h"
#include "form_engine.h"
#include "translation.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <ostream>

using namespace crf;
using namespace crf::study;

namespace {

const v1::StudyDefinition& imicro()
{
    static const v1::StudyDefinition def = loadDefinition(CRF_STUDIES_DIR "/imicro.json").value();
    return def;
}

const v1::StudyDefinition& igmfat()
{
    static const v1::StudyDefinition def = loadDefinition(CRF_STUDIES_DIR "/igmfat.json").value();
    return def;
}

FormState eval(const v1::StudyDefinition& def, const std::string& form, const FormValues& values)
{
    const v1::Form* f = findForm(def, form);
    EXPECT_NE(f, nullptr) << form;
    return evaluateForm(def, *f, values);
}

bool hasIssue(const FormState& s, const std::string& item, IssueLevel level)
{
    for (const auto& i : s.issues)
        if (i.item == item && i.level == level)
            return true;
    return false;
}

} // namespace

TEST(StudyDefinitions, bothTrialsLoadAndValidate)
{
    EXPECT_EQ(imicro().study_id(), "I-MICRO");
    EXPECT_FALSE(imicro().version().empty());
    EXPECT_EQ(igmfat().study_id(), "IGM-FAT");
    EXPECT_TRUE(validate(imicro()).empty());
    EXPECT_TRUE(validate(igmfat()).empty());
}

TEST(StudyDefinitions, imicroFollowsTheProtocolSchedule)
{
    // Table 1: inclusion D0, daily D1-D7, end of study D28; SOFA D0-D7; mottling D0-D2; drug D0-D2 (48 h).
    std::vector<std::string> visits;
    for (const auto& v : imicro().visits())
        visits.push_back(v.oid());
    EXPECT_EQ(visits, (std::vector<std::string>{"SCREENING", "D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D28"}));
    auto has = [](const std::string& visit, const std::string& form) {
        const auto* v = findVisit(imicro(), visit);
        return std::find(v->form_oids().begin(), v->form_oids().end(), form) != v->form_oids().end();
    };
    for (int d = 0; d <= 7; ++d) {
        const std::string v = "D" + std::to_string(d);
        EXPECT_TRUE(has(v, "SOFA")) << v;
        EXPECT_TRUE(has(v, "CRT")) << v;
        EXPECT_EQ(has(v, "MOTTLING"), d <= 2) << v;
        EXPECT_EQ(has(v, "DRUGADMIN"), d <= 2) << v;
    }
    EXPECT_FALSE(has("D28", "SOFA"));
    EXPECT_TRUE(has("D28", "OUTCOMES"));
    EXPECT_TRUE(has("D0", "BIOBANK"));
    EXPECT_TRUE(findForm(imicro(), "CRT")->repeating());
    EXPECT_EQ(imicro().eligibility().inclusion_size(), 8);
    EXPECT_EQ(imicro().eligibility().exclusion_size(), 11);
}

TEST(StudyDefinitions, contactDetailsAndThePhotoOfTheSignedConsentAreSiteOnly)
{
    const auto* contact = findForm(imicro(), "CONTACT");
    ASSERT_NE(contact, nullptr);
    for (const auto* item : itemsOf(*contact))
        EXPECT_TRUE(item->site_only()) << item->oid();
    for (const auto& f : imicro().forms()) {
        if (f.oid() == "CONTACT")
            continue;
        for (const auto* item : itemsOf(f))
            EXPECT_EQ(item->site_only(), item->oid() == "CONSENT_PAPER_PHOTO") << f.oid() << "." << item->oid();
    }
}

// --- broken definitions ------------------------------------------------------------------------------------------

struct Broken {
    const char* name;
    const char* json;
    const char* where; // expected start of the first error's place
    const char* what;  // expected part of its message
};
std::ostream& operator<<(std::ostream& os, const Broken& b)
{
    return os << b.name;
}
class BrokenDefinition : public ::testing::TestWithParam<Broken> {};
TEST_P(BrokenDefinition, isRefusedNamingThePlace)
{
    const auto& b = GetParam();
    auto parsed = parseDefinition(b.json, "test.json");
    std::vector<Error> problems;
    if (!parsed)
        problems.push_back(parsed.error());
    else
        problems = validate(*parsed);
    ASSERT_FALSE(problems.empty()) << b.name;
    bool found = false;
    for (const auto& p : problems)
        found = found || (p.where.rfind(b.where, 0) == 0 && p.text().find(b.what) != std::string::npos);
    EXPECT_TRUE(found) << "expected " << b.where << ": ..." << b.what << "\ngot " << problems.front().text();
}

#define VISITS R"("visits": [{"oid": "D0", "day": 0, "form_oids": ["F"]}])"
#define HEAD R"({"study_id": "T", "version": "1", )" VISITS ", "
INSTANTIATE_TEST_SUITE_P(
    Table, BrokenDefinition,
    ::testing::Values(
        Broken{"notJson", "{", "test.json", "not a valid study definition"},
        Broken{"unknownField", R"({"study_id": "T", "versoin": "1"})", "test.json", "versoin"},
        Broken{"missingVersion", R"({"study_id": "T", )" VISITS R"(, "forms": [{"oid": "F", "name": "F"}]})", "version",
               "missing"},
        Broken{"unknownFormInVisit", HEAD R"("forms": [{"oid": "G", "name": "G"}]})", "visits[D0].form_oids",
               "unknown form F"},
        Broken{"unknownItemInCondition", HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [
                   {"oid": "A", "label": "A", "type": "ITEM_TYPE_TEXT",
                    "visible_when": {"compare": {"item_oid": "NOPE", "op": "OPERATOR_PRESENT"}}}]}]}]})",
               "forms[F].items[A].visible_when", "unknown item NOPE"},
        Broken{"unknownItemInCheck",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_TEXT"}]}], "checks": [{"id": "C", "message": "m", "severity": "SEVERITY_ERROR",
                   "violated_when": {"compare": {"item_oid": "A", "op": "OPERATOR_LT", "other_item_oid": "B"}}}]}]})",
               "forms[F].checks[C].violated_when", "unknown item B"},
        Broken{"unknownCalculator",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_DECIMAL", "derived": {"calculator": "magic", "output": "x"}}]}]}]})",
               "forms[F].items[A].derived.calculator", "unknown calculator \"magic\""},
        Broken{"unknownInstrument",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_DECIMAL", "capture": {"instrument": "thermometer"}}]}]}]})",
               "forms[F].items[A].capture.instrument", "unknown instrument \"thermometer\""},
        Broken{"mottlingReferenceOnAScaleThatIsNotZeroToFive",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_CODE", "code_list_oid": "L", "capture": {"instrument": "mottling_reference"}}]}]}],
                   "code_lists": [{"oid": "L", "items": [{"code": "0", "label": "none"}, {"code": "1", "label": "some"}]}]})",
               "forms[F].items[A].capture", "code list is 0 to 5"},
        Broken{"stopwatchOutputOnAMissingItem",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_DECIMAL", "capture": {"instrument": "crt_stopwatch",
                   "outputs": {"site": "S", "pressure": "NOPE"}}}, {"oid": "S", "label": "S", "type": "ITEM_TYPE_CODE",
                   "code_list_oid": "L"}]}]}], "code_lists": [{"oid": "L", "items": [{"code": "FINGER", "label": "f"}]}]})",
               "forms[F].items[A].capture.outputs.pressure", "unknown item NOPE"},
        Broken{"stopwatchSiteOfTheWrongType",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_DECIMAL", "capture": {"instrument": "crt_stopwatch", "outputs": {"site": "S"}}},
                   {"oid": "S", "label": "S", "type": "ITEM_TYPE_TEXT"}]}]}]})",
               "forms[F].items[A].capture.outputs.site", "wrong type"},
        Broken{"unknownOutput",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_DECIMAL", "derived": {"calculator": "ibw", "output": "bmi"}}]}]}]})",
               "forms[F].items[A].derived.output", "no output \"bmi\""},
        Broken{"derivedInputUnknown",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_DECIMAL", "derived": {"calculator": "ibw", "output": "ibw_kg",
                   "inputs": {"height": "H"}}}]}]}]})",
               "forms[F].items[A].derived.inputs.height", "unknown item H"},
        Broken{"cycleBetweenDerivedItems", HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [
                   {"oid": "A", "label": "A", "type": "ITEM_TYPE_DECIMAL",
                    "derived": {"calculator": "quotient", "output": "value", "inputs": {"numerator": "B"}}},
                   {"oid": "B", "label": "B", "type": "ITEM_TYPE_DECIMAL",
                    "derived": {"calculator": "quotient", "output": "value", "inputs": {"numerator": "A"}}}]}]}]})",
               "forms[F].items[A].derived", "cycle between derived items: A -> B -> A"},
        Broken{"minAboveMax",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_DECIMAL", "units": [{"unit": "kg", "hard": {"min": 10, "max": 5}}]}]}]}]})",
               "forms[F].items[A].units[kg].hard", "min 10 is above max 5"},
        Broken{"softOutsideHard",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_DECIMAL", "units": [{"unit": "kg", "hard": {"min": 20, "max": 300},
                   "soft": {"min": 10, "max": 200}}]}]}]}]})",
               "forms[F].items[A].units[kg].soft", "soft min 10 is below hard min 20"},
        Broken{"unknownCodeList",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_CODE", "code_list_oid": "NOPE"}]}]}]})",
               "forms[F].items[A].code_list_oid", "unknown code list NOPE"},
        Broken{"duplicateItem", HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [
                   {"oid": "A", "label": "A", "type": "ITEM_TYPE_TEXT"},
                   {"oid": "A", "label": "A", "type": "ITEM_TYPE_TEXT"}]}]}]})",
               "forms[F].items[A]", "duplicate item OID"},
        Broken{"rangeOnText",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "A", "label": "A",
                   "type": "ITEM_TYPE_TEXT", "units": [{"unit": "kg"}]}]}]}]})",
               "forms[F].items[A].units", "only numeric items"},
        Broken{"eligibilityUnknownItem",
               HEAD R"("forms": [{"oid": "F", "name": "F"}], "eligibility": {"form_oid": "F", "visit_oid": "D0",
                   "inclusion": [{"id": "I1", "condition": {"compare": {"item_oid": "AGE", "op": "OPERATOR_GE",
                   "value": "18"}}}]}})",
               "eligibility.criteria[I1].condition", "unknown item AGE"},
        Broken{"consentFormNotRepeating",
               HEAD R"("forms": [{"oid": "F", "name": "F"}], "consent": {"form_oid": "F", "visit_oid": "D0",
                   "overdue_hours": 72}})",
               "consent.form_oid", "must be repeating"},
        Broken{"consentFormLacksDecision",
               HEAD R"("forms": [{"oid": "F", "name": "F", "repeating": true}], "consent": {"form_oid": "F",
                   "visit_oid": "D0", "overdue_hours": 72}})",
               "consent.form_oid", "lacks the item CONSENT_EVENT"},
        Broken{"consentUnknownCode",
               HEAD R"("forms": [{"oid": "F", "name": "F", "repeating": true, "sections": [{"items": [
                   {"oid": "CONSENT_EVENT", "label": "E", "type": "ITEM_TYPE_CODE", "code_list_oid": "CE"}]}]}],
                   "code_lists": [{"oid": "CE", "items": [{"code": "MAYBE", "label": "m"}]}],
                   "consent": {"form_oid": "F", "visit_oid": "D0", "overdue_hours": 72}})",
               "code_lists[CE]", "MAYBE is not a consent code"},
        Broken{"consentNoDelay",
               HEAD R"("forms": [{"oid": "F", "name": "F"}], "consent": {"form_oid": "F", "visit_oid": "D0"}})",
               "consent.overdue_hours", "must be positive"},
        Broken{"randomizationUnscheduled",
               HEAD R"("forms": [{"oid": "F", "name": "F"}, {"oid": "R", "name": "R"}], "randomization": {
                   "scheme": "SCHEME_TREATMENT_BOXES", "form_oid": "R", "visit_oid": "D0"}})",
               "randomization.visit_oid", "not scheduled"},
        Broken{"randomizationNumberNotInteger",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "N", "label": "N",
                   "type": "ITEM_TYPE_TEXT"}]}]}], "randomization": {"scheme": "SCHEME_TREATMENT_BOXES",
                   "form_oid": "F", "visit_oid": "D0", "number_item_oid": "N"}})",
               "randomization.number_item_oid", "integer item"},
        Broken{"boxesWithAnArmItem",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "N", "label": "N",
                   "type": "ITEM_TYPE_INTEGER"}]}]}], "randomization": {"scheme": "SCHEME_TREATMENT_BOXES",
                   "form_oid": "F", "visit_oid": "D0", "number_item_oid": "N", "arm_item_oid": "N"}})",
               "randomization.arm_item_oid", "arm hidden"},
        Broken{"listWithoutArmItem",
               HEAD R"("forms": [{"oid": "F", "name": "F", "sections": [{"items": [{"oid": "N", "label": "N",
                   "type": "ITEM_TYPE_INTEGER"}]}]}], "randomization": {"scheme": "SCHEME_ALLOCATION_LIST",
                   "form_oid": "F", "visit_oid": "D0", "number_item_oid": "N"}})",
               "randomization.arm_item_oid", "revealed arm"},
        Broken{"translationOfNothing",
               HEAD R"("forms": [{"oid": "F", "name": "F"}], "translations": {"fr": {"texts": {"item.F.NOPE": "x"}}}})",
               "translations.fr.item.F.NOPE", "names no text"},
        Broken{"emptyTranslation",
               HEAD R"("forms": [{"oid": "F", "name": "F"}], "translations": {"fr": {"texts": {"form.F": ""}}}})",
               "translations.fr.form.F", "is empty"},
        Broken{"labelOfAnUnknownUnit",
               HEAD
               R"("forms": [{"oid": "F", "name": "F"}], "translations": {"fr": {"texts": {"unit.furlong": "x"}}}})",
               "translations.fr.unit.furlong", "names no text"},
        Broken{"notALanguage",
               HEAD R"("forms": [{"oid": "F", "name": "F"}], "translations": {"French": {"texts": {"form.F": "x"}}}})",
               "translations.French", "language code"}));

// --- translations of the definition's own texts (docs/study-definitions.md "Translations") ------------------------

TEST(StudyTranslations, bothTrialsGiveEveryTextInFrench)
{
    for (const auto* def : {&imicro(), &igmfat()}) {
        EXPECT_TRUE(untranslated(*def, "fr").empty()) << def->study_id() << ": " << untranslated(*def, "fr").front();
        EXPECT_FALSE(untranslated(*def, "de").empty()) << "no German: every text is missing";
    }
}

TEST(StudyTranslations, aLocalizedDefinitionSpeaksTheLanguageAndKeepsEverythingElse)
{
    const auto fr = localized(imicro(), "fr");
    const v1::Form* sofa = findForm(fr, "SOFA");
    ASSERT_NE(sofa, nullptr);
    EXPECT_EQ(sofa->name(), "Score SOFA");
    EXPECT_EQ(findItem(*sofa, "GCS")->label(), "Score de Glasgow");
    EXPECT_EQ(findItem(*sofa, "GCS")->help(), "Patient sédaté : le Glasgow présumé sans sédation");
    // The same item OID on another form keeps that form's own text.
    EXPECT_EQ(findItem(*findForm(fr, "ELIG"), "PLATELETS")->label(), "Numération plaquettaire");
    EXPECT_EQ(findCodeList(fr, "MOTTLING")->items(0).label(), "0 : pas de marbrures");
    EXPECT_EQ(fr.eligibility().exclusion(4).text(), "Numération plaquettaire < 30 000/mm3");
    // Only texts and unit labels change: codes, units, ranges, rules and the event version stay as they are.
    auto stripped = [](v1::StudyDefinition d) {
        forEachText(d, [](const std::string&, std::string& text) { text.clear(); });
        for (auto& f : *d.mutable_forms())
            for (auto& s : *f.mutable_sections())
                for (auto& i : *s.mutable_items())
                    for (auto& u : *i.mutable_units())
                        u.clear_label();
        return d;
    };
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(stripped(fr), stripped(imicro())));
    EXPECT_EQ(fr.version(), imicro().version());
    // Units keep their identity (stored with every value); only their label follows the language.
    const v1::Item* age = findItem(*findForm(fr, "DEMOG"), "AGE");
    ASSERT_EQ(age->units_size(), 1);
    EXPECT_EQ(age->units(0).unit(), "years");
    EXPECT_EQ(age->units(0).label(), "ans");
    EXPECT_TRUE(findItem(*findForm(imicro(), "DEMOG"), "AGE")->units(0).label().empty());
    // A language the definition does not give: as written.
    EXPECT_EQ(findForm(localized(imicro(), "de"), "SOFA")->name(), "SOFA score");
    // And the French definition still evaluates like the English one (derived SOFA scores).
    const FormValues values{{"PLATELETS", {"45", "10^3/uL"}}};
    const auto french = evaluateForm(fr, *sofa, values),
               english = evaluateForm(imicro(), *findForm(imicro(), "SOFA"), values);
    ASSERT_TRUE(french.values.count("SOFA_COAG"));
    EXPECT_EQ(french.values.at("SOFA_COAG"), english.values.at("SOFA_COAG"));
}

// --- I-MICRO eligibility: every criterion --------------------------------------------------------------------------

namespace {
FormValues eligiblePatient()
{
    return {{"AGE", {"64", "years"}},
            {"CONSENT_MODE", {"EMERGENCY", ""}},
            {"INFECTION", {"Y", ""}},
            {"SOFA_CHANGE", {"4", "points"}},
            {"VASOPRESSOR_MAP65", {"Y", ""}},
            {"LACTATE", {"3.1", "mmol/L"}},
            {"MOTTLING_SCORE", {"3", ""}},
            {"FINGER_CRT", {"4.5", "s"}},
            {"KNEE_CRT", {"5.2", "s"}},
            {"NE_ONSET", {"2026-11-20T02:00+01:00", ""}},
            {"INCLUSION_TIME", {"2026-11-20T12:30+01:00", ""}},
            {"REFUSAL", {"N", ""}},
            {"PREGNANCY", {"N", ""}},
            {"HYPERSENSITIVITY", {"N", ""}},
            {"HAEMORRHAGIC_RISK", {"N", ""}},
            {"PLATELETS", {"85", "10^3/mm3"}},
            {"UNSTABLE_ANGINA", {"N", ""}},
            {"SEVERE_ARRHYTHMIA", {"N", ""}},
            {"PAO2", {"90", "mmHg"}},
            {"FIO2", {"50", "%"}},
            {"RECENT_MI", {"N", ""}},
            {"NO_INSURANCE", {"N", ""}},
            {"DEPRIVED_LIBERTY", {"N", ""}}};
}
} // namespace

TEST(ImicroEligibility, aPatientMeetingEveryCriterionIsEligible)
{
    const auto s = eval(imicro(), "ELIG", eligiblePatient());
    ASSERT_TRUE(s.eligibility.has_value());
    EXPECT_EQ(s.eligibility->status, VerdictStatus::Met);
    EXPECT_EQ(s.values.at("NE_HOURS").text, "10.5");
    EXPECT_EQ(s.values.at("PF_RATIO").text, "180");
    EXPECT_TRUE(s.issues.empty()) << s.issues.front().message;
}

struct EligCase {
    const char* name;
    std::vector<std::pair<const char*, const char*>> changes; // item -> new text ("" removes)
    VerdictStatus expected;
    const char* criterion; // failing (not met) or undecided (incomplete); "" when met
};
std::ostream& operator<<(std::ostream& os, const EligCase& c)
{
    return os << c.name;
}
class ImicroCriterion : public ::testing::TestWithParam<EligCase> {};
TEST_P(ImicroCriterion, decidesTheVerdictAndNamesTheCriterion)
{
    const auto& c = GetParam();
    FormValues v = eligiblePatient();
    for (const auto& [item, text] : c.changes) {
        if (std::string(text).empty())
            v.erase(item);
        else
            v[item].text = text;
    }
    const auto verdict = *eval(imicro(), "ELIG", v).eligibility;
    EXPECT_EQ(verdict.status, c.expected) << verdictName(verdict.status);
    if (c.expected == VerdictStatus::Met)
        return;
    const auto named = c.expected == VerdictStatus::NotMet ? verdict.failing() : verdict.undecided();
    ASSERT_EQ(named.size(), 1u);
    EXPECT_EQ(named.front()->id, c.criterion);
}
using VS = VerdictStatus;
INSTANTIATE_TEST_SUITE_P(
    Table, ImicroCriterion,
    ::testing::Values(
        EligCase{"age17", {{"AGE", "17"}}, VS::NotMet, "I1"}, EligCase{"age18", {{"AGE", "18"}}, VS::Met, ""},
        EligCase{"noConsentModeYet", {{"CONSENT_MODE", ""}}, VS::Incomplete, "I2"},
        EligCase{"noInfection", {{"INFECTION", "N"}}, VS::NotMet, "I3"},
        EligCase{"sofaChange1", {{"SOFA_CHANGE", "1"}}, VS::NotMet, "I4"},
        EligCase{"sofaChange2", {{"SOFA_CHANGE", "2"}}, VS::Met, ""},
        EligCase{"noVasopressor", {{"VASOPRESSOR_MAP65", "N"}}, VS::NotMet, "I5"},
        EligCase{"lactate2", {{"LACTATE", "2"}}, VS::NotMet, "I6"},
        EligCase{"lactate2point1", {{"LACTATE", "2.1"}}, VS::Met, ""},
        EligCase{"lactateMissing", {{"LACTATE", ""}}, VS::Incomplete, "I6"},
        EligCase{
            "noHypoperfusion", {{"MOTTLING_SCORE", "1"}, {"FINGER_CRT", "3"}, {"KNEE_CRT", "4"}}, VS::NotMet, "I7"},
        EligCase{"mottling2Only", {{"MOTTLING_SCORE", "2"}, {"FINGER_CRT", "3"}, {"KNEE_CRT", "4"}}, VS::Met, ""},
        EligCase{"fingerCrtOnly", {{"MOTTLING_SCORE", "0"}, {"FINGER_CRT", "3.1"}, {"KNEE_CRT", "4"}}, VS::Met, ""},
        EligCase{"kneeCrtOnly", {{"MOTTLING_SCORE", "0"}, {"FINGER_CRT", "2"}, {"KNEE_CRT", "4.1"}}, VS::Met, ""},
        EligCase{"hypoperfusionUnknown",
                 {{"MOTTLING_SCORE", "1"}, {"FINGER_CRT", ""}, {"KNEE_CRT", "4"}},
                 VS::Incomplete,
                 "I7"},
        EligCase{"ne5h59", {{"INCLUSION_TIME", "2026-11-20T07:59+01:00"}}, VS::NotMet, "I8"},
        EligCase{"ne6h", {{"INCLUSION_TIME", "2026-11-20T08:00+01:00"}}, VS::Met, ""},
        EligCase{"ne24h", {{"INCLUSION_TIME", "2026-11-21T02:00+01:00"}}, VS::Met, ""},
        EligCase{"ne24h01", {{"INCLUSION_TIME", "2026-11-21T02:01+01:00"}}, VS::NotMet, "I8"},
        EligCase{"neAcrossOffsets", {{"INCLUSION_TIME", "2026-11-20T07:00Z"}}, VS::Met, ""}, // 6 h in UTC terms
        EligCase{"refusal", {{"REFUSAL", "Y"}}, VS::NotMet, "E1"},
        EligCase{"pregnancy", {{"PREGNANCY", "Y"}}, VS::NotMet, "E2"},
        EligCase{"hypersensitivity", {{"HYPERSENSITIVITY", "Y"}}, VS::NotMet, "E3"},
        EligCase{"haemorrhagicRisk", {{"HAEMORRHAGIC_RISK", "Y"}}, VS::NotMet, "E4"},
        EligCase{"platelets29", {{"PLATELETS", "29.9"}}, VS::NotMet, "E5"},
        EligCase{"platelets30", {{"PLATELETS", "30"}}, VS::Met, ""},
        EligCase{"unstableAngina", {{"UNSTABLE_ANGINA", "Y"}}, VS::NotMet, "E6"},
        EligCase{"arrhythmia", {{"SEVERE_ARRHYTHMIA", "Y"}}, VS::NotMet, "E7"},
        EligCase{"pf99point6", {{"PAO2", "49.8"}}, VS::NotMet, "E8"}, // 99.6: must not round to 100
        EligCase{"pf100", {{"PAO2", "50"}}, VS::Met, ""}, EligCase{"recentMi", {{"RECENT_MI", "Y"}}, VS::NotMet, "E9"},
        EligCase{"noInsurance", {{"NO_INSURANCE", "Y"}}, VS::NotMet, "E10"},
        EligCase{"deprivedOfLiberty", {{"DEPRIVED_LIBERTY", "Y"}}, VS::NotMet, "E11"},
        EligCase{"exclusionUnanswered", {{"PREGNANCY", ""}}, VS::Incomplete, "E2"}));

TEST(ImicroEligibility, notMetWinsOverIncompleteAndListsEveryFailure)
{
    FormValues v = eligiblePatient();
    v["AGE"].text = "16";
    v["REFUSAL"].text = "Y";
    v.erase("LACTATE");
    const auto verdict = *eval(imicro(), "ELIG", v).eligibility;
    EXPECT_EQ(verdict.status, VerdictStatus::NotMet);
    ASSERT_EQ(verdict.failing().size(), 2u);
    EXPECT_EQ(verdict.failing()[0]->id, "I1");
    EXPECT_EQ(verdict.failing()[1]->id, "E1");
    ASSERT_EQ(verdict.undecided().size(), 1u);
    EXPECT_TRUE(verdict.undecided()[0]->missing.count("LACTATE"));
}

// --- IgM-FAT caps ------------------------------------------------------------------------------------------------

struct CapCase {
    const char* name;
    std::vector<std::pair<const char*, const char*>> values;
    const char* item;
    IssueLevel level;
    bool expectIssue;
};
std::ostream& operator<<(std::ostream& os, const CapCase& c)
{
    return os << c.name;
}
class IgmFatCap : public ::testing::TestWithParam<CapCase> {};
TEST_P(IgmFatCap, isEnforced)
{
    const auto& c = GetParam();
    FormValues v{{"ARM", {"TITRE", ""}},         {"TREATMENT_DAY", {"2", "day"}},
                 {"IGM_TITRE", {"70", "mg/dL"}}, {"VASOPRESSORS_ONGOING", {"Y", ""}},
                 {"DOSE", {"300", "mg/kg/day"}}, {"INFUSION_RATE", {"0.3", "mL/kg/h"}}};
    for (const auto& [item, text] : c.values)
        v[item].text = text;
    const auto s = eval(igmfat(), "DOSING", v);
    EXPECT_EQ(hasIssue(s, c.item, c.level), c.expectIssue);
}
INSTANTIATE_TEST_SUITE_P(
    Table, IgmFatCap,
    ::testing::Values(CapCase{"dose350", {{"DOSE", "350"}}, "DOSE", IssueLevel::Error, false},
                      CapCase{"dose350point1", {{"DOSE", "350.1"}}, "DOSE", IssueLevel::Error, true},
                      CapCase{"rate0point4", {{"INFUSION_RATE", "0.4"}}, "INFUSION_RATE", IssueLevel::Error, false},
                      CapCase{"rate0point41", {{"INFUSION_RATE", "0.41"}}, "INFUSION_RATE", IssueLevel::Error, true},
                      CapCase{"titreDay7", {{"TREATMENT_DAY", "7"}}, "TREATMENT_DAY", IssueLevel::Error, false},
                      CapCase{"titreDay8", {{"TREATMENT_DAY", "8"}}, "TREATMENT_DAY", IssueLevel::Error, true},
                      CapCase{"flatDose250", {{"ARM", "FLAT"}, {"DOSE", "250"}}, "DOSE", IssueLevel::Warning, false},
                      CapCase{"flatDose300", {{"ARM", "FLAT"}, {"DOSE", "300"}}, "DOSE", IssueLevel::Warning, true},
                      CapCase{"flatDay3",
                              {{"ARM", "FLAT"}, {"DOSE", "250"}, {"TREATMENT_DAY", "3"}},
                              "TREATMENT_DAY",
                              IssueLevel::Error,
                              false},
                      CapCase{"flatDay4",
                              {{"ARM", "FLAT"}, {"DOSE", "250"}, {"TREATMENT_DAY", "4"}},
                              "TREATMENT_DAY",
                              IssueLevel::Error,
                              true},
                      CapCase{
                          "titreAfterVasopressors", {{"VASOPRESSORS_ONGOING", "N"}}, "DOSE", IssueLevel::Error, true}));

TEST(IgmFat, derivesVolumeAndRateAtFiftyMgPerMl)
{
    const auto s = eval(igmfat(), "DOSING",
                        {{"ARM", {"FLAT", ""}},
                         {"TREATMENT_DAY", {"1", ""}},
                         {"DOSE", {"250", "mg/kg/day"}},
                         {"INFUSION_RATE", {"0.4", "mL/kg/h"}}});
    EXPECT_EQ(s.values.at("VOLUME").text, "5");   // 250 mg/kg = 5 mL/kg
    EXPECT_EQ(s.values.at("RATE_MG").text, "20"); // 0.4 mL/kg/h = 20 mg/kg/h
    EXPECT_TRUE(s.hidden.count("IGM_TITRE"));     // titre only in the titre-guided arm
}

TEST(IgmFat, eligibilityNeedsShockUnder24hAndLowIgm)
{
    FormValues v{{"AGE", {"55", ""}},
                 {"CONSENT_MODE", {"DEFERRED", ""}},
                 {"SOFA_CHANGE", {"3", ""}},
                 {"VASOPRESSOR_MAP65", {"Y", ""}},
                 {"LACTATE", {"2.5", "mmol/L"}},
                 {"SHOCK_ONSET", {"2026-11-20T10:00Z", ""}},
                 {"INCLUSION_TIME", {"2026-11-21T09:00Z", ""}},
                 {"IGM", {"45", "mg/dL"}}};
    EXPECT_EQ(eval(igmfat(), "ELIG", v).eligibility->status, VerdictStatus::Met);
    v["IGM"].text = "60";
    EXPECT_EQ(eval(igmfat(), "ELIG", v).eligibility->status,
              VerdictStatus::Incomplete); // local-threshold item unanswered
    v["IGM_LOW_LOCAL"] = {"N", ""};
    EXPECT_EQ(eval(igmfat(), "ELIG", v).eligibility->failing().front()->id, "I5");
    v["IGM"].text = "45";
    v["INCLUSION_TIME"].text = "2026-11-21T10:00Z"; // 24 h
    EXPECT_EQ(eval(igmfat(), "ELIG", v).eligibility->failing().front()->id, "I4");
}

// --- form engine ---------------------------------------------------------------------------------------------------

TEST(FormEngine, sofaFormDerivesEveryScoreFromRawValues)
{
    const auto s = eval(imicro(), "SOFA",
                        {{"PAO2", {"68", "mmHg"}},
                         {"FIO2", {"45", "%"}},
                         {"RESP_SUPPORT", {"Y", ""}},
                         {"PLATELETS", {"92", "10^3/uL"}},
                         {"BILI", {"2.5", "mg/dL"}},
                         {"MAP", {"66", "mmHg"}},
                         {"NOREPINEPHRINE", {"0.32", "ug/kg/min"}},
                         {"GCS", {"10", ""}},
                         {"CREAT", {"190", "umol/L"}},
                         {"URINE_24H", {"420", "mL/24h"}}});
    EXPECT_EQ(s.values.at("SOFA_RESP").text, "3");
    EXPECT_EQ(s.values.at("SOFA_LIVER").text, "2");
    EXPECT_EQ(s.values.at("SOFA_RENAL").text, "3");
    EXPECT_EQ(s.values.at("SOFA_TOTAL").text, "16");
    EXPECT_TRUE(s.issues.empty()) << s.issues.front().message;
}

TEST(FormEngine, derivedValuesTypedByTheUserAreIgnoredAndRecomputed)
{
    const auto s = eval(imicro(), "SOFA", {{"PLATELETS", {"40", "10^3/uL"}}, {"SOFA_TOTAL", {"0", ""}}});
    EXPECT_EQ(s.values.at("SOFA_TOTAL").text, "3");
}

TEST(FormEngine, hardRangeRefusesAndSoftRangeAsksForConfirmation)
{
    auto s = eval(imicro(), "SOFA", {{"PLATELETS", {"2500", "10^3/uL"}}});
    EXPECT_TRUE(hasIssue(s, "PLATELETS", IssueLevel::Error));
    s = eval(imicro(), "SOFA", {{"PLATELETS", {"1500", "10^3/uL"}}});
    EXPECT_TRUE(hasIssue(s, "PLATELETS", IssueLevel::Warning));
    EXPECT_FALSE(s.canSave({}));
    // Still blocked by the other required items without a value or a reason.
    EXPECT_FALSE(s.canSave({"PLATELETS"}));
}

TEST(FormEngine, unitsCarryTheirOwnRanges)
{
    EXPECT_FALSE(hasIssue(eval(imicro(), "SOFA", {{"BILI", {"300", "umol/L"}}}), "BILI", IssueLevel::Error));
    EXPECT_TRUE(hasIssue(eval(imicro(), "SOFA", {{"BILI", {"300", "mg/dL"}}}), "BILI", IssueLevel::Error));
    EXPECT_TRUE(hasIssue(eval(imicro(), "SOFA", {{"BILI", {"3", "g/L"}}}), "BILI", IssueLevel::Error));
}

TEST(FormEngine, requiredItemsNeedAValueOrAMissingDataReason)
{
    FormValues v{{"BIOBANK_COLLECTED", {"N", ""}}};
    auto s = eval(imicro(), "BIOBANK", v);
    EXPECT_TRUE(s.canSave({})) << "collection items are hidden when nothing was collected";
    v = {{"BIOBANK_COLLECTED", {"Y", ""}}};
    s = eval(imicro(), "BIOBANK", v);
    EXPECT_TRUE(hasIssue(s, "TUBES", IssueLevel::MissingReason));
    for (const char* item :
         {"RANDOMIZATION_TIME", "COLLECTION_TIME", "BIOBANK_VOLUME", "TUBE_TYPE", "TUBES", "ALIQUOTS", "STORAGE_TEMP"})
        v[std::string(item) + kMissingSuffix] = {"NOT_DONE|freezer unavailable", ""};
    EXPECT_TRUE(eval(imicro(), "BIOBANK", v).canSave({}));
    v["TUBES#ND"] = {"BECAUSE|x", ""};
    EXPECT_TRUE(hasIssue(eval(imicro(), "BIOBANK", v), "TUBES", IssueLevel::MissingReason)) << "unknown reason code";
}

TEST(FormEngine, crossItemChecksCompareItems)
{
    auto s = eval(imicro(), "CLINEXAM", {{"SBP", {"110", "mmHg"}}, {"MAP", {"120", "mmHg"}}, {"DBP", {"60", "mmHg"}}});
    EXPECT_TRUE(hasIssue(s, "MAP", IssueLevel::Error));
    s = eval(imicro(), "CLINEXAM", {{"SBP", {"120", "mmHg"}}, {"MAP", {"80", "mmHg"}}, {"DBP", {"60", "mmHg"}}});
    EXPECT_FALSE(hasIssue(s, "MAP", IssueLevel::Error));
}

TEST(FormEngine, typesAndCodeListsAreChecked)
{
    auto s = eval(imicro(), "SOFA", {{"GCS", {"13.5", ""}}, {"RESP_SUPPORT", {"maybe", ""}}});
    EXPECT_TRUE(hasIssue(s, "GCS", IssueLevel::Error));
    EXPECT_TRUE(hasIssue(s, "RESP_SUPPORT", IssueLevel::Error));
    s = eval(imicro(), "MOTTLING", {{"MOTTLING_SCORE", {"6", ""}}});
    EXPECT_TRUE(hasIssue(s, "MOTTLING_SCORE", IssueLevel::Error));
}

TEST(FormEngine, safetyChecksOnAdverseEventsAndDrugLog)
{
    auto s = eval(imicro(), "AE", {{"SERIOUS", {"Y", ""}}, {"SAE_DEATH", {"N", ""}}});
    EXPECT_FALSE(hasIssue(s, "SERIOUS", IssueLevel::Error)) << "undecided while criteria are unanswered";
    EXPECT_TRUE(hasIssue(s, "SAE_HOSPITALISATION", IssueLevel::MissingReason));
    s = eval(imicro(), "AE",
             {{"SERIOUS", {"Y", ""}},
              {"SAE_DEATH", {"N", ""}},
              {"SAE_LIFE_THREATENING", {"N", ""}},
              {"SAE_HOSPITALISATION", {"N", ""}},
              {"SAE_DISABILITY", {"N", ""}},
              {"SAE_CONGENITAL", {"N", ""}}});
    EXPECT_TRUE(hasIssue(s, "SERIOUS", IssueLevel::Error));
    EXPECT_FALSE(s.hidden.count("SAE_HOSPITALISATION"));
    s = eval(imicro(), "AE", {{"SERIOUS", {"N", ""}}});
    EXPECT_TRUE(s.hidden.count("SAE_HOSPITALISATION"));
    s = eval(imicro(), "DRUGADMIN",
             {{"DRUG_EVENT", {"INTERRUPTION", ""}},
              {"INTERRUPTION_REASON", {"SEVERE_BLEEDING", ""}},
              {"DOSE_LEVEL", {"0", ""}}});
    EXPECT_TRUE(hasIssue(s, "DRUG_EVENT", IssueLevel::Error));
    s = eval(imicro(), "CONMED", {{"DRUG_CLASS", {"ANTIPLATELET", ""}}});
    EXPECT_TRUE(hasIssue(s, "DRUG_CLASS", IssueLevel::Warning));
}

TEST(FormEngine, ibwAndRatesFollowSexAndHeightAndNeverTheArm)
{
    const auto s = eval(imicro(), "DEMOG", {{"SEX", {"M", ""}}, {"HEIGHT", {"172", "cm"}}});
    EXPECT_NEAR(std::stod(s.values.at("IBW").text), 67.836, 1e-9);
    EXPECT_NEAR(std::stod(s.values.at("RATE_15").text), 6.10524, 1e-9);
}

// A serious adverse event is urgent (sent before anything else); a non-serious one, or one not yet classified,
// is not.
TEST(ImicroAdverseEvents, anEventMarkedSeriousIsUrgent)
{
    const v1::Form* ae = findForm(imicro(), "AE");
    ASSERT_NE(ae, nullptr);
    EXPECT_TRUE(isUrgent(*ae, {{"AE_TERM", {"bleeding", ""}}, {"SERIOUS", {"Y", ""}}}));
    EXPECT_FALSE(isUrgent(*ae, {{"AE_TERM", {"rash", ""}}, {"SERIOUS", {"N", ""}}}));
    EXPECT_FALSE(isUrgent(*ae, {{"AE_TERM", {"rash", ""}}}));
    EXPECT_FALSE(isUrgent(*findForm(imicro(), "SOFA"), {{"SERIOUS", {"Y", ""}}}));
}
