// Eligibility verdict from raw values: met / not met / incomplete, naming each failing or missing criterion.
#pragma once

#include "conditions.h"

#include <string>
#include <vector>

namespace crf::study {

enum class VerdictStatus { Met, NotMet, Incomplete };
const char* verdictName(VerdictStatus s);

struct CriterionResult {
    std::string id;
    std::string text;
    bool exclusion = false;
    Tri value = Tri::Unknown;      // the condition as evaluated
    std::set<std::string> missing; // items whose absence leaves it undecided
    bool failing() const { return exclusion ? value == Tri::True : value == Tri::False; }
    bool undecided() const { return value == Tri::Unknown; }
};

struct Verdict {
    VerdictStatus status = VerdictStatus::Incomplete;
    std::vector<CriterionResult> criteria; // inclusion then exclusion, in definition order
    std::vector<const CriterionResult*> failing() const;
    std::vector<const CriterionResult*> undecided() const;
};

/// Not met as soon as one inclusion criterion is false or one exclusion criterion applies (even if others are
/// still unknown); met only when every criterion is decided favourably; otherwise incomplete.
Verdict evaluateEligibility(const v1::Eligibility& eligibility, const FormValues& values);

} // namespace crf::study
