// Casebook overview rules (core/study/casebook.h): how far a form is filled, and when a visit falls due, table-driven
// at each edge of a visit window (I-MICRO: D1..D7 on their day, D28 within 2 days either side).
#include "casebook.h"
#include "definition.h"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace crf;

namespace {

v1::StudyDefinition imicro()
{
    std::ifstream in(CRF_STUDIES_DIR "/imicro.json");
    std::stringstream text;
    text << in.rdbuf();
    return study::parseDefinition(text.str()).value();
}

const v1::Visit& visit(const v1::StudyDefinition& def, const std::string& oid)
{
    for (const auto& v : def.visits())
        if (v.oid() == oid)
            return v;
    throw std::runtime_error("no visit " + oid);
}

} // namespace

struct DueCase {
    const char* visit;
    int today; // days since D0
    study::Due due;
};

class VisitDue : public ::testing::TestWithParam<DueCase> {};

INSTANTIATE_TEST_SUITE_P(Table, VisitDue,
                         ::testing::Values(DueCase{"D0", 0, study::Due::Today}, DueCase{"D0", 1, study::Due::Overdue},
                                           DueCase{"D1", 0, study::Due::NotYet}, DueCase{"D1", 1, study::Due::Today},
                                           DueCase{"D1", 2, study::Due::Overdue}, DueCase{"D7", 7, study::Due::Today},
                                           DueCase{"D28", 25, study::Due::NotYet},
                                           DueCase{"D28", 26, study::Due::Today}, DueCase{"D28", 28, study::Due::Today},
                                           DueCase{"D28", 30, study::Due::Today},
                                           DueCase{"D28", 31, study::Due::Overdue}));

TEST_P(VisitDue, followsTheVisitWindow)
{
    const auto def = imicro();
    const auto& c = GetParam();
    EXPECT_EQ(study::dueOn(visit(def, c.visit), c.today), c.due) << c.visit << " on day " << c.today;
}

TEST(CasebookFill, emptyPartialOrCompleteAsTheFormEngineSeesIt)
{
    const auto def = imicro();
    const v1::Form* sofa = study::findForm(def, "SOFA");
    ASSERT_NE(sofa, nullptr);
    EXPECT_EQ(study::fillOf(def, *sofa, {}), study::Fill::Empty);
    study::FormValues some{{"PAO2", {"68", "mmHg"}}};
    EXPECT_EQ(study::fillOf(def, *sofa, some), study::Fill::Partial);
    study::FormValues all{{"PAO2", {"68", "mmHg"}},
                          {"FIO2", {"45", "%"}},
                          {"RESP_SUPPORT", {"Y", ""}},
                          {"PLATELETS", {"92", "10^3/uL"}},
                          {"BILI", {"38", "umol/L"}},
                          {"MAP", {"66", "mmHg"}},
                          {"NOREPINEPHRINE", {"0,32", "ug/kg/min"}},
                          {"GCS", {"10", ""}},
                          {"CREAT", {"190", "umol/L"}},
                          {"URINE_24H", {"420", "mL/24h"}}};
    EXPECT_EQ(study::fillOf(def, *sofa, all), study::Fill::Complete);
    // A required item left empty with a missing-data reason counts as answered.
    study::FormValues reasoned = all;
    reasoned.erase("URINE_24H");
    EXPECT_EQ(study::fillOf(def, *sofa, reasoned), study::Fill::Partial);
    reasoned["URINE_24H#ND"] = {"NOT_DONE|catheter removed", ""};
    EXPECT_EQ(study::fillOf(def, *sofa, reasoned), study::Fill::Complete);
}
