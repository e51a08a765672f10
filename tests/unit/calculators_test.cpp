// IBW, infusion rates, day-28 outcomes (shared FACTS) and crfctl's JSON calculator contract.
#include "dosing.h"
#include "json_calculators.h"
#include "outcomes.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <gtest/gtest.h>
#include <ostream>
#include <set>

using namespace crf;
using dosing::Sex;

struct IbwCase {
    Sex sex;
    double height;
    double expected;
};
std::ostream& operator<<(std::ostream& os, const IbwCase& c)
{
    return os << (c.sex == Sex::Male ? "male" : "female") << c.height << "cm_is" << c.expected;
}
class IdealBodyWeight : public ::testing::TestWithParam<IbwCase> {};
TEST_P(IdealBodyWeight, devineWithArdsNetConstantsAndNoFloor)
{
    const auto& c = GetParam();
    auto ibw = dosing::idealBodyWeightKg(c.sex, c.height);
    ASSERT_TRUE(ibw.ok());
    EXPECT_NEAR(*ibw, c.expected, 1e-9);
}
INSTANTIATE_TEST_SUITE_P(Table, IdealBodyWeight,
                         ::testing::Values(IbwCase{Sex::Male, 152.4, 50.0}, IbwCase{Sex::Female, 152.4, 45.5},
                                           IbwCase{Sex::Male, 170, 50 + 0.91 * 17.6},
                                           IbwCase{Sex::Female, 165, 45.5 + 0.91 * 12.6},
                                           IbwCase{Sex::Male, 140, 50 - 0.91 * 12.4},     // no floor
                                           IbwCase{Sex::Female, 100, 45.5 - 0.91 * 52.4}, // lowest accepted
                                           IbwCase{Sex::Male, 250, 50 + 0.91 * 97.6}));

TEST(IdealBodyWeight, heightsOutside100To250AreRefusedNamingTheField)
{
    for (double h : {99.9, 250.1, -1.0}) {
        auto r = dosing::idealBodyWeightKg(Sex::Male, h);
        ASSERT_FALSE(r.ok()) << h;
        EXPECT_EQ(r.error().where, "height_cm");
    }
}

struct RateCase {
    double dose, ibw, concentration, expected;
};
std::ostream& operator<<(std::ostream& os, const RateCase& c)
{
    return os << c.dose << "ngkgmin_" << c.ibw << "kg_" << c.concentration << "ugml_is" << c.expected;
}
class InfusionRate : public ::testing::TestWithParam<RateCase> {};
TEST_P(InfusionRate, followsTheFactsFormula)
{
    const auto& c = GetParam();
    auto r = dosing::infusionRateMlPerHour(c.dose, c.ibw, c.concentration);
    ASSERT_TRUE(r.ok());
    EXPECT_DOUBLE_EQ(dosing::roundTo(*r, 2), c.expected);
}
// FACTS: at 1 ug/mL a 70 kg IBW gives 2.1 / 4.2 / 6.3 mL/h at 0.5 / 1.0 / 1.5 ng/kg/min.
INSTANTIATE_TEST_SUITE_P(Table, InfusionRate,
                         ::testing::Values(RateCase{0.5, 70, 1, 2.10}, RateCase{1.0, 70, 1, 4.20},
                                           RateCase{1.5, 70, 1, 6.30}, RateCase{1.0, 70, 2, 2.10},
                                           RateCase{0, 70, 1, 0.0}, RateCase{1.5, 45.5, 1, 4.10}));

TEST(InfusionRate, usesTheUnroundedIbw)
{
    // Male 172 cm: IBW 67.836 kg (shown 67.8). At 1.5 ng/kg/min rounding the IBW first would change the rate shown.
    auto t = dosing::doseTable(Sex::Male, 172, 1, {1.5});
    ASSERT_TRUE(t.ok());
    EXPECT_DOUBLE_EQ(dosing::roundTo(t->ratesMlH[0], 2), 6.11); // 0.09 x 67.836 = 6.105 -> 6.11
    EXPECT_DOUBLE_EQ(dosing::roundTo(0.09 * 67.8, 2), 6.10);    // the rounded IBW would print 6.10
}

TEST(InfusionRate, refusesNegativeDosesAndZeroConcentration)
{
    EXPECT_EQ(dosing::infusionRateMlPerHour(-0.5, 70, 1).error().where, "dose");
    EXPECT_EQ(dosing::infusionRateMlPerHour(0.5, 70, 0).error().where, "concentration_ug_ml");
}

TEST(Outcomes, deltaSofaUsesDay0AndDay7)
{
    outcomes::Inputs in;
    in.sofaByDay = {{0, 11}, {3, 9}, {7, 5}};
    auto r = outcomes::compute(in);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->deltaSofa, -6);
    EXPECT_FALSE(r->deadAtDay28);
}

TEST(Outcomes, deathOnOrBeforeDay7GivesTheMaximumSofaAtDay7)
{
    for (int deathDay : {0, 3, 7}) {
        outcomes::Inputs in;
        in.sofaByDay = {{0, 11}};
        in.deathDay = deathDay;
        auto r = outcomes::compute(in);
        EXPECT_EQ(r->deltaSofa, 24 - 11) << deathDay;
        EXPECT_TRUE(r->deadAtDay28);
    }
    outcomes::Inputs after;
    after.sofaByDay = {{0, 11}, {7, 8}};
    after.deathDay = 8;
    EXPECT_EQ(outcomes::compute(after)->deltaSofa, -3);
}

TEST(Outcomes, deltaSofaIsMissingWithoutBothDays)
{
    outcomes::Inputs in;
    in.sofaByDay = {{7, 5}};
    EXPECT_FALSE(outcomes::compute(in)->deltaSofa.has_value());
}

struct FreeCase {
    std::optional<int> deathDay;
    std::set<int> used;
    std::optional<int> discharge;
    int freeDays;
    int icuFree;
};
std::ostream& operator<<(std::ostream& os, const FreeCase& c)
{
    return os << "death" << (c.deathDay ? std::to_string(*c.deathDay) : "none") << "_used" << c.used.size()
              << "_discharge" << (c.discharge ? std::to_string(*c.discharge) : "none");
}
class FreeDays : public ::testing::TestWithParam<FreeCase> {};
TEST_P(FreeDays, are28MinusDaysUsedAndZeroIfDeadByDay28)
{
    const auto& c = GetParam();
    outcomes::Inputs in;
    in.deathDay = c.deathDay;
    in.ventilationDays = c.used;
    in.rrtDays = c.used;
    in.vasopressorDays = c.used;
    in.icuDischargeDay = c.discharge;
    auto r = outcomes::compute(in);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->ventilationFreeDays, c.freeDays);
    EXPECT_EQ(r->rrtFreeDays, c.freeDays);
    EXPECT_EQ(r->vasopressorFreeDays, c.freeDays);
    EXPECT_EQ(r->icuFreeDays, c.icuFree);
}
INSTANTIATE_TEST_SUITE_P(Table, FreeDays,
                         ::testing::Values(FreeCase{std::nullopt, {}, 5, 28, 23},
                                           FreeCase{std::nullopt, {1, 2, 3}, 10, 25, 18},
                                           FreeCase{std::nullopt, {1, 2, 3}, 28, 25, 0},
                                           FreeCase{std::nullopt, {1}, std::nullopt, 27, 0}, // still in ICU
                                           FreeCase{std::nullopt, {1}, 30, 27, 0},           // discharged after D28
                                           FreeCase{28, {1, 2}, 10, 0, 0},                   // dead on D28
                                           FreeCase{29, {1, 2}, 10, 26, 18},                 // dead after D28
                                           FreeCase{5, {1, 2, 3, 4, 5}, std::nullopt, 0, 0}));

TEST(Outcomes, daysOutside1To28AreRefused)
{
    outcomes::Inputs in;
    in.rrtDays = {0};
    EXPECT_EQ(outcomes::compute(in).error().where, "rrt_days");
}

// --- crfctl JSON contract ---------------------------------------------------------------------------------------

namespace {
QJsonObject json(const tools::CliResult& r)
{
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(r.err.empty());
    return QJsonDocument::fromJson(QByteArray::fromStdString(r.out)).object();
}
} // namespace

TEST(CrfctlSofa, scoresAndReportsAbsentOrgansAsNull)
{
    auto o = json(tools::sofaJson(R"({"platelets_10e3_per_ul": 45, "gcs": 14,
        "bilirubin": {"value": 2.0, "unit": "mg/dL"}, "creatinine": {"value": 441, "unit": "umol/L"}})"));
    EXPECT_EQ(o["coagulation"].toInt(), 3);
    EXPECT_EQ(o["cns"].toInt(), 1);
    EXPECT_EQ(o["liver"].toInt(), 2);
    EXPECT_EQ(o["renal"].toInt(), 4);
    EXPECT_TRUE(o["respiration"].isNull());
    EXPECT_TRUE(o["cardiovascular"].isNull());
    EXPECT_EQ(o["total"].toInt(), 10);
    EXPECT_FALSE(o["complete"].toBool());
}

TEST(CrfctlSofa, respiratorySupportCapsAndAbsentDosesAreZero)
{
    EXPECT_EQ(json(tools::sofaJson(R"({"pao2_fio2_mmhg": 90})"))["respiration"].toInt(), 2);
    EXPECT_EQ(json(tools::sofaJson(R"({"pao2_fio2_mmhg": 90, "respiratory_support": true})"))["respiration"].toInt(),
              4);
    EXPECT_EQ(json(tools::sofaJson(R"({"map_mmhg": 72})"))["cardiovascular"].toInt(), 0);
    EXPECT_EQ(json(tools::sofaJson(R"({"map_mmhg": 72, "norepinephrine_ug_kg_min": 0.1})"))["cardiovascular"].toInt(),
              3);
}

struct BadInput {
    const char* command;
    const char* input;
    const char* field;
};
std::ostream& operator<<(std::ostream& os, const BadInput& b)
{
    return os << b.command << "_" << b.field;
}
class CrfctlBadInput : public ::testing::TestWithParam<BadInput> {};
TEST_P(CrfctlBadInput, exitsWith2AndOneStderrLineNamingTheFieldAndNothingOnStdout)
{
    const auto& b = GetParam();
    const std::string cmd = b.command;
    const auto r = cmd == "sofa"   ? tools::sofaJson(b.input)
                   : cmd == "dose" ? tools::doseJson(b.input)
                                   : tools::outcomesJson(b.input);
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(r.out.empty());
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
    EXPECT_EQ(r.err.rfind(b.field, 0), 0u) << r.err;
}
INSTANTIATE_TEST_SUITE_P(
    Table, CrfctlBadInput,
    ::testing::Values(
        BadInput{"sofa", "not json", "input"}, BadInput{"sofa", "[1]", "input"},
        BadInput{"sofa", R"({"gcs": 3.5})", "gcs"}, BadInput{"sofa", R"({"gcs": 2})", "gcs"},
        BadInput{"sofa", R"({"gcs": 16})", "gcs"}, BadInput{"sofa", R"({"gcs": "12"})", "gcs"},
        BadInput{"sofa", R"({"platelets_10e3_per_ul": -1})", "platelets_10e3_per_ul"},
        BadInput{"sofa", R"({"platelets_10e3_per_ul": "85"})", "platelets_10e3_per_ul"},
        BadInput{"sofa", R"({"bilirubin": {"value": 2, "unit": "mmol/L"}})", "bilirubin.unit"},
        BadInput{"sofa", R"({"bilirubin": 2})", "bilirubin"},
        BadInput{"sofa", R"({"creatinine": {"value": -3, "unit": "mg/dL"}})", "creatinine.value"},
        BadInput{"sofa", R"({"respiratory_support": "yes"})", "respiratory_support"},
        BadInput{"sofa", R"({"map_mmhg": 400})", "map_mmhg"},
        BadInput{"sofa", R"({"norepinephrine_ug_kg_min": -0.1})", "norepinephrine_ug_kg_min"},
        BadInput{"sofa", R"({"pao2_fio2_mmhg": 0})", "pao2_fio2_mmhg"},
        BadInput{"sofa", R"({"plateletz": 1})", "plateletz"},
        BadInput{"dose", R"({"sex": "m", "height_cm": 170, "concentration_ug_ml": 1, "levels_ng_kg_min": []})", "sex"},
        BadInput{"dose", R"({"sex": "male", "height_cm": 90, "concentration_ug_ml": 1, "levels_ng_kg_min": [1]})",
                 "height_cm"},
        BadInput{"dose", R"({"sex": "male", "concentration_ug_ml": 1, "levels_ng_kg_min": [1]})", "height_cm"},
        BadInput{"dose", R"({"sex": "male", "height_cm": 170, "concentration_ug_ml": 0, "levels_ng_kg_min": [1]})",
                 "concentration_ug_ml"},
        BadInput{"dose", R"({"sex": "male", "height_cm": 170, "concentration_ug_ml": 1, "levels_ng_kg_min": [1, -1]})",
                 "levels_ng_kg_min[1]"},
        BadInput{"dose", R"({"sex": "male", "height_cm": 170, "concentration_ug_ml": 1, "levels_ng_kg_min": 1})",
                 "levels_ng_kg_min"},
        BadInput{"outcomes", R"({"sofa_by_day": {"x": 3}})", "sofa_by_day.x"},
        BadInput{"outcomes", R"({"sofa_by_day": {"0": 25}})", "sofa_by_day.0"},
        BadInput{"outcomes", R"({"ventilation_days": [0]})", "ventilation_days[0]"},
        BadInput{"outcomes", R"({"rrt_days": [29]})", "rrt_days[0]"},
        BadInput{"outcomes", R"({"death_day": -2})", "death_day"},
        BadInput{"outcomes", R"({"icu_discharge_day": 2.5})", "icu_discharge_day"}));

TEST(CrfctlDose, givesIbwToOneDecimalAndRatesToTwo)
{
    auto o = json(tools::doseJson(
        R"({"sex": "female", "height_cm": 160, "concentration_ug_ml": 1, "levels_ng_kg_min": [0.5, 1, 1.5]})"));
    EXPECT_DOUBLE_EQ(o["ibw_kg"].toDouble(), 52.4); // 45.5 + 0.91 x 7.6 = 52.416
    const auto rates = o["rates_ml_h"].toArray();
    ASSERT_EQ(rates.size(), 3);
    EXPECT_DOUBLE_EQ(rates[0].toDouble(), 1.57); // 0.03 x 52.416 = 1.572
    EXPECT_DOUBLE_EQ(rates[1].toDouble(), 3.14);
    EXPECT_DOUBLE_EQ(rates[2].toDouble(), 4.72); // 4.717
}

TEST(CrfctlOutcomes, computesEveryOutput)
{
    auto o = json(tools::outcomesJson(R"({"sofa_by_day": {"0": 9, "7": 4}, "ventilation_days": [1, 2, 3, 4],
        "rrt_days": [], "vasopressor_days": [1, 2], "icu_discharge_day": 9})"));
    EXPECT_EQ(o["delta_sofa"].toInt(), -5);
    EXPECT_EQ(o["ventilation_free_days"].toInt(), 24);
    EXPECT_EQ(o["rrt_free_days"].toInt(), 28);
    EXPECT_EQ(o["vasopressor_free_days"].toInt(), 26);
    EXPECT_EQ(o["icu_free_days"].toInt(), 19);
    EXPECT_FALSE(o["dead_at_day28"].toBool());
    auto dead = json(tools::outcomesJson(R"({"sofa_by_day": {"0": 9}, "death_day": 4, "icu_discharge_day": null})"));
    EXPECT_EQ(dead["delta_sofa"].toInt(), 15);
    EXPECT_TRUE(dead["dead_at_day28"].toBool());
    EXPECT_EQ(dead["icu_free_days"].toInt(), 0);
}
