// Day-28 outcomes and the primary endpoint (shared FACTS "Day-28 outcomes", "SOFA": delta SOFA).
#pragma once

#include "result.h"

#include <map>
#include <optional>
#include <set>

namespace crf::outcomes {

/// Study days are 1..28 after randomization (D0 = randomization day).
inline constexpr int kHorizonDays = 28;

struct Inputs {
    std::map<int, int> sofaByDay;  // study day -> SOFA total
    std::optional<int> deathDay;   // study day of death, if the patient died
    std::set<int> ventilationDays; // days (1-28) on which the support was used
    std::set<int> rrtDays;
    std::set<int> vasopressorDays;
    std::optional<int> icuDischargeDay; // day of ICU discharge, if discharged
};

struct Outcomes {
    std::optional<int> deltaSofa; // SOFA(D7) - SOFA(D0); missing when either is unknown
    int ventilationFreeDays = 0;
    int rrtFreeDays = 0;
    int vasopressorFreeDays = 0;
    int icuFreeDays = 0;
    bool deadAtDay28 = false;
};

/// Registry record NCT03788837: "Patients deceased before day 7 will be attributed a maximum SOFA score" (24),
/// applied to death on or before D7. Free days = 28 - days used, 0 if dead on or before D28. ICU-free days =
/// 28 - discharge day for survivors discharged by D28, else 0. Errors name the field (day outside 1-28, etc.).
Result<Outcomes> compute(const Inputs& in);

} // namespace crf::outcomes
