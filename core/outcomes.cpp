#include "outcomes.h"

namespace crf::outcomes {
namespace {

Status checkDays(const std::set<int>& days, const char* field)
{
    for (int d : days) {
        if (d < 1 || d > kHorizonDays)
            return Error{field, "study day " + std::to_string(d) + " is outside 1-28"};
    }
    return {};
}

} // namespace

Result<Outcomes> compute(const Inputs& in)
{
    for (const auto& [day, total] : in.sofaByDay) {
        if (day < 0 || day > kHorizonDays)
            return Error{"sofa_by_day", "study day " + std::to_string(day) + " is outside 0-28"};
        if (total < 0 || total > 24)
            return Error{"sofa_by_day." + std::to_string(day), "a SOFA total is 0-24"};
    }
    if (in.deathDay && (*in.deathDay < 0 || *in.deathDay > 10000))
        return Error{"death_day", "must be a study day, 0 or more"};
    if (in.icuDischargeDay && (*in.icuDischargeDay < 0 || *in.icuDischargeDay > 10000))
        return Error{"icu_discharge_day", "must be a study day, 0 or more"};
    for (auto [days, field] : {std::pair{&in.ventilationDays, "ventilation_days"}, std::pair{&in.rrtDays, "rrt_days"},
                               std::pair{&in.vasopressorDays, "vasopressor_days"}}) {
        if (auto st = checkDays(*days, field); !st)
            return st.error();
    }

    Outcomes r;
    const bool deadBy7 = in.deathDay && *in.deathDay <= 7;
    r.deadAtDay28 = in.deathDay && *in.deathDay <= kHorizonDays;
    std::optional<int> d0, d7;
    if (auto it = in.sofaByDay.find(0); it != in.sofaByDay.end())
        d0 = it->second;
    if (deadBy7)
        d7 = 24; // registry record: maximum SOFA for patients deceased before day 7
    else if (auto it = in.sofaByDay.find(7); it != in.sofaByDay.end())
        d7 = it->second;
    if (d0 && d7)
        r.deltaSofa = *d7 - *d0;

    auto freeDays = [&](const std::set<int>& used) {
        return r.deadAtDay28 ? 0 : kHorizonDays - static_cast<int>(used.size());
    };
    r.ventilationFreeDays = freeDays(in.ventilationDays);
    r.rrtFreeDays = freeDays(in.rrtDays);
    r.vasopressorFreeDays = freeDays(in.vasopressorDays);
    r.icuFreeDays = (!r.deadAtDay28 && in.icuDischargeDay && *in.icuDischargeDay <= kHorizonDays)
                        ? kHorizonDays - *in.icuDischargeDay
                        : 0;
    return r;
}

} // namespace crf::outcomes
