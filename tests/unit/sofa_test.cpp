// SOFA calculator: every cut-point of shared FACTS "SOFA (Vincent 1996), as computed here", table-driven.
#include "sofa.h"
#include "sofa_items.h"

#include <gtest/gtest.h>
#include <ostream>
#include <set>

using namespace crf::sofa;
using U = MassConcentrationUnit;

struct RespCase {
    double pf;
    bool support;
    int expected;
};
std::ostream& operator<<(std::ostream& os, const RespCase& c)
{
    return os << "PF" << c.pf << (c.support ? "_support" : "_noSupport") << "_is" << c.expected;
}
class Respiration : public ::testing::TestWithParam<RespCase> {};
TEST_P(Respiration, scoresPfRatioWithAndWithoutSupport)
{
    EXPECT_EQ(respirationScore(GetParam().pf, GetParam().support), GetParam().expected)
        << "P/F " << GetParam().pf << " support " << GetParam().support;
}
INSTANTIATE_TEST_SUITE_P(CutPoints, Respiration,
                         ::testing::Values(RespCase{500, false, 0}, RespCase{400, false, 0}, RespCase{399.9, false, 1},
                                           RespCase{300, false, 1}, RespCase{299.9, false, 2}, RespCase{200, true, 2},
                                           RespCase{199.9, true, 3}, RespCase{199.9, false, 2}, RespCase{100, true, 3},
                                           RespCase{99.9, true, 4}, RespCase{50, false, 2}, RespCase{99.9, false, 2},
                                           RespCase{400, true, 0}));

struct ValueCase {
    double value;
    int expected;
};
std::ostream& operator<<(std::ostream& os, const ValueCase& c)
{
    return os << c.value << "_is" << c.expected;
}
class Coagulation : public ::testing::TestWithParam<ValueCase> {};
TEST_P(Coagulation, scoresPlatelets)
{
    EXPECT_EQ(coagulationScore(GetParam().value), GetParam().expected) << GetParam().value;
}
INSTANTIATE_TEST_SUITE_P(CutPoints, Coagulation,
                         ::testing::Values(ValueCase{150, 0}, ValueCase{149.9, 1}, ValueCase{100, 1},
                                           ValueCase{99.9, 2}, ValueCase{50, 2}, ValueCase{49.9, 3}, ValueCase{20, 3},
                                           ValueCase{19.9, 4}, ValueCase{0, 4}));

struct UnitCase {
    double value;
    U unit;
    int expected;
};
std::ostream& operator<<(std::ostream& os, const UnitCase& c)
{
    return os << c.value << "_" << (c.unit == U::MgPerDl ? "mgdL" : "umolL") << "_is" << c.expected;
}
class Liver : public ::testing::TestWithParam<UnitCase> {};
TEST_P(Liver, scoresBilirubinInBothUnits)
{
    EXPECT_EQ(liverScore(GetParam().value, GetParam().unit), GetParam().expected)
        << GetParam().value << " " << unitCode(GetParam().unit);
}
INSTANTIATE_TEST_SUITE_P(
    CutPoints, Liver,
    ::testing::Values(UnitCase{1.19, U::MgPerDl, 0}, UnitCase{1.2, U::MgPerDl, 1}, UnitCase{1.99, U::MgPerDl, 1},
                      UnitCase{2.0, U::MgPerDl, 2}, UnitCase{5.99, U::MgPerDl, 2}, UnitCase{6.0, U::MgPerDl, 3},
                      UnitCase{11.99, U::MgPerDl, 3}, UnitCase{12.0, U::MgPerDl, 4}, UnitCase{19, U::UmolPerL, 0},
                      UnitCase{19.9, U::UmolPerL, 0}, UnitCase{20, U::UmolPerL, 1}, UnitCase{32, U::UmolPerL, 1},
                      UnitCase{32.5, U::UmolPerL, 1}, UnitCase{33, U::UmolPerL, 2}, UnitCase{101, U::UmolPerL, 2},
                      UnitCase{102, U::UmolPerL, 3}, UnitCase{204, U::UmolPerL, 3}, UnitCase{204.1, U::UmolPerL, 4},
                      UnitCase{205, U::UmolPerL, 4}));

struct CardioCase {
    std::optional<double> map;
    double dopa, dobu, epi, nore;
    std::optional<int> expected;
};
std::ostream& operator<<(std::ostream& os, const CardioCase& c)
{
    os << "MAP" << (c.map ? std::to_string(*c.map) : std::string("none")) << "_dopa" << c.dopa << "_dobu" << c.dobu
       << "_epi" << c.epi << "_norepi" << c.nore << "_is";
    return c.expected ? os << *c.expected : os << "missing";
}
class Cardiovascular : public ::testing::TestWithParam<CardioCase> {};
TEST_P(Cardiovascular, highestApplicableScoreWins)
{
    const auto& c = GetParam();
    EXPECT_EQ(cardiovascularScore(c.map, c.dopa, c.dobu, c.epi, c.nore), c.expected);
}
INSTANTIATE_TEST_SUITE_P(CutPoints, Cardiovascular,
                         ::testing::Values(CardioCase{70, 0, 0, 0, 0, 0}, CardioCase{69.9, 0, 0, 0, 0, 1},
                                           CardioCase{90, 5, 0, 0, 0, 2}, CardioCase{90, 0.1, 0, 0, 0, 2},
                                           CardioCase{90, 0, 20, 0, 0, 2}, CardioCase{90, 5.1, 0, 0, 0, 3},
                                           CardioCase{90, 15, 0, 0, 0, 3}, CardioCase{90, 0, 0, 0.1, 0, 3},
                                           CardioCase{90, 0, 0, 0, 0.1, 3}, CardioCase{90, 15.1, 0, 0, 0, 4},
                                           CardioCase{90, 0, 0, 0.11, 0, 4}, CardioCase{90, 0, 0, 0, 0.11, 4},
                                           CardioCase{60, 0, 5, 0, 0.5, 4}, CardioCase{std::nullopt, 0, 0, 0, 0.05, 3},
                                           CardioCase{std::nullopt, 0, 0, 0, 0, std::nullopt}));

class Cns : public ::testing::TestWithParam<ValueCase> {};
TEST_P(Cns, scoresGlasgowComaScale)
{
    EXPECT_EQ(cnsScore(static_cast<int>(GetParam().value)), GetParam().expected) << GetParam().value;
}
INSTANTIATE_TEST_SUITE_P(CutPoints, Cns,
                         ::testing::Values(ValueCase{15, 0}, ValueCase{14, 1}, ValueCase{13, 1}, ValueCase{12, 2},
                                           ValueCase{10, 2}, ValueCase{9, 3}, ValueCase{6, 3}, ValueCase{5, 4},
                                           ValueCase{3, 4}));

class RenalCreatinine : public ::testing::TestWithParam<UnitCase> {};
TEST_P(RenalCreatinine, scoresCreatinineInBothUnits)
{
    EXPECT_EQ(renalCreatinineScore(GetParam().value, GetParam().unit), GetParam().expected)
        << GetParam().value << " " << unitCode(GetParam().unit);
}
INSTANTIATE_TEST_SUITE_P(CutPoints, RenalCreatinine,
                         ::testing::Values(UnitCase{1.19, U::MgPerDl, 0}, UnitCase{1.2, U::MgPerDl, 1},
                                           UnitCase{1.99, U::MgPerDl, 1}, UnitCase{2.0, U::MgPerDl, 2},
                                           UnitCase{3.49, U::MgPerDl, 2}, UnitCase{3.5, U::MgPerDl, 3},
                                           UnitCase{4.99, U::MgPerDl, 3}, UnitCase{5.0, U::MgPerDl, 4},
                                           UnitCase{109, U::UmolPerL, 0}, UnitCase{110, U::UmolPerL, 1},
                                           UnitCase{170, U::UmolPerL, 1}, UnitCase{171, U::UmolPerL, 2},
                                           UnitCase{299, U::UmolPerL, 2}, UnitCase{300, U::UmolPerL, 3},
                                           UnitCase{440, U::UmolPerL, 3}, UnitCase{441, U::UmolPerL, 4}));

class RenalUrine : public ::testing::TestWithParam<ValueCase> {};
TEST_P(RenalUrine, scoresUrineOutput)
{
    EXPECT_EQ(renalUrineScore(GetParam().value), GetParam().expected) << GetParam().value;
}
INSTANTIATE_TEST_SUITE_P(CutPoints, RenalUrine,
                         ::testing::Values(ValueCase{500, 0}, ValueCase{499, 3}, ValueCase{200, 3}, ValueCase{199, 4},
                                           ValueCase{0, 4}));

TEST(SofaTotal, missingOrganIsMissingNotZeroAndTotalIsFlaggedIncomplete)
{
    Inputs in;
    in.plateletsK = 40; // 3
    in.gcs = 15;        // 0
    const auto r = compute(in);
    EXPECT_EQ(r.organ(Organ::Coagulation), 3);
    EXPECT_EQ(r.organ(Organ::Cns), 0);
    EXPECT_FALSE(r.organ(Organ::Respiration).has_value());
    EXPECT_FALSE(r.organ(Organ::Renal).has_value());
    EXPECT_EQ(r.total, 3);
    EXPECT_FALSE(r.complete);
}

TEST(SofaTotal, allSixOrgansGiveACompleteTotal)
{
    Inputs in;
    in.pao2MmHg = 90;
    in.fio2Percent = 60; // P/F 150 with support -> 3
    in.respiratorySupport = true;
    in.plateletsK = 90; // 2
    in.bilirubin = 40;  // umol/L -> 2
    in.mapMmHg = 65;
    in.norepinephrine = 0.3; // 4
    in.gcs = 11;             // 2
    in.creatinine = 1.5;     // mg/dL -> 1
    in.creatinineUnit = U::MgPerDl;
    in.urineMlPer24h = 450; // 3: renal = max(1, 3)
    const auto r = compute(in);
    EXPECT_TRUE(r.complete);
    EXPECT_NEAR(*r.pfRatio, 150.0, 1e-9);
    EXPECT_EQ(r.organ(Organ::Respiration), 3);
    EXPECT_EQ(r.organ(Organ::Renal), 3);
    EXPECT_EQ(r.total, 3 + 2 + 2 + 4 + 2 + 3);
    EXPECT_TRUE(r.errors.empty());
}

TEST(SofaTotal, zeroDoseIsNoDrug)
{
    Inputs in;
    in.mapMmHg = 75;
    in.norepinephrine = 0;
    in.dopamine = 0;
    EXPECT_EQ(compute(in).organ(Organ::Cardiovascular), 0);
}

TEST(SofaInputs, impossibleValuesAreRefusedByItemAndLeaveTheOrganMissing)
{
    Inputs in;
    in.plateletsK = -5;
    in.gcs = 2;
    in.pao2MmHg = 80;
    in.fio2Percent = 0.5; // a fraction typed where % is expected
    in.mapMmHg = 65;
    in.norepinephrine = 50;
    const auto r = compute(in);
    EXPECT_FALSE(r.organ(Organ::Coagulation).has_value());
    EXPECT_FALSE(r.organ(Organ::Cns).has_value());
    EXPECT_FALSE(r.organ(Organ::Respiration).has_value());
    EXPECT_FALSE(r.organ(Organ::Cardiovascular).has_value());
    std::set<std::string> fields;
    for (const auto& e : r.errors)
        fields.insert(e.field);
    EXPECT_EQ(fields, (std::set<std::string>{"PLATELETS", "GCS", "FIO2", "NOREPINEPHRINE"}));
}

TEST(SofaItems, readsStoredTextWithUnitsAndDecimalComma)
{
    namespace it = crf::sofa::items;
    std::map<std::string, it::Value> v{{it::kPao2, {"75", "mmHg"}},
                                       {it::kFio2, {"50", "%"}},
                                       {it::kRespSupport, {"Y", ""}},
                                       {it::kBilirubin, {"2,5", "mg/dL"}},
                                       {it::kCreatinine, {" 120 ", "umol/L"}},
                                       {it::kGcs, {"", ""}}};
    const auto r = it::read(v);
    EXPECT_TRUE(r.errors.empty());
    EXPECT_DOUBLE_EQ(*r.inputs.bilirubin, 2.5);
    EXPECT_EQ(r.inputs.bilirubinUnit, U::MgPerDl);
    EXPECT_FALSE(r.inputs.gcs.has_value());
    const auto s = compute(r.inputs);
    EXPECT_EQ(s.organ(Organ::Respiration), 3); // 75 / 0.5 = 150 with support
    EXPECT_EQ(s.organ(Organ::Liver), 2);
    EXPECT_EQ(s.organ(Organ::Renal), 1);
}

TEST(SofaItems, unreadableNumbersAndUnitsNameTheItem)
{
    namespace it = crf::sofa::items;
    const auto r =
        it::read({{it::kPlatelets, {"12O", ""}}, {it::kBilirubin, {"30", "mmol/L"}}, {it::kGcs, {"13.5", ""}}});
    ASSERT_EQ(r.errors.size(), 3u);
    EXPECT_EQ(r.errors[0].field, "PLATELETS");
    EXPECT_EQ(r.errors[1].field, "BILI");
    EXPECT_EQ(r.errors[2].field, "GCS");
}
