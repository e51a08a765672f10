#include "eligibility.h"

namespace crf::study {

const char* verdictName(VerdictStatus s)
{
    switch (s) {
    case VerdictStatus::Met:
        return "met";
    case VerdictStatus::NotMet:
        return "not met";
    case VerdictStatus::Incomplete:
        return "incomplete";
    }
    return "?";
}

std::vector<const CriterionResult*> Verdict::failing() const
{
    std::vector<const CriterionResult*> out;
    for (const auto& c : criteria)
        if (c.failing())
            out.push_back(&c);
    return out;
}

std::vector<const CriterionResult*> Verdict::undecided() const
{
    std::vector<const CriterionResult*> out;
    for (const auto& c : criteria)
        if (c.undecided())
            out.push_back(&c);
    return out;
}

Verdict evaluateEligibility(const v1::Eligibility& e, const FormValues& values)
{
    Verdict v;
    auto run = [&](const v1::Criterion& c, bool exclusion) {
        CriterionResult r;
        r.id = c.id();
        r.text = c.text();
        r.exclusion = exclusion;
        r.value = evaluate(c.condition(), values, &r.missing);
        v.criteria.push_back(std::move(r));
    };
    for (const auto& c : e.inclusion())
        run(c, false);
    for (const auto& c : e.exclusion())
        run(c, true);
    if (!v.failing().empty())
        v.status = VerdictStatus::NotMet;
    else if (!v.undecided().empty())
        v.status = VerdictStatus::Incomplete;
    else
        v.status = VerdictStatus::Met;
    return v;
}

} // namespace crf::study
