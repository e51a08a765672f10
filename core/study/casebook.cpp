#include "casebook.h"

namespace crf::study {

const char* fillName(Fill f)
{
    switch (f) {
    case Fill::Empty:
        return "empty";
    case Fill::Partial:
        return "partial";
    case Fill::Complete:
        return "complete";
    }
    return "empty";
}

Fill fillOf(const v1::StudyDefinition& def, const v1::Form& form, const FormValues& saved)
{
    bool any = false;
    for (const auto& [oid, v] : saved)
        any = any || !v.text.empty();
    if (!any)
        return Fill::Empty;
    const FormState state = evaluateForm(def, form, saved);
    for (const auto& issue : state.issues)
        if (issue.level == IssueLevel::Error || issue.level == IssueLevel::MissingReason)
            return Fill::Partial;
    return Fill::Complete; // saved warnings were confirmed when saved
}

DueDays dueDays(const v1::Visit& visit)
{
    return {visit.day() - visit.window_before_days(), visit.day(), visit.day() + visit.window_after_days()};
}

Due dueOn(const v1::Visit& visit, int todayFromD0)
{
    const DueDays d = dueDays(visit);
    if (todayFromD0 < d.first)
        return Due::NotYet;
    if (todayFromD0 <= d.last)
        return Due::Today;
    return Due::Overdue;
}

} // namespace crf::study
