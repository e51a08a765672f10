// Casebook: how far each form instance of a subject is filled, and when each visit falls due, for the casebook and
// the site dashboard (the tablet's overview; docs/bedside.md "Casebook").
#pragma once

#include "form_engine.h"

#include <cstdint>

namespace crf::study {

enum class Fill {
    Empty,    // nothing entered
    Partial,  // something entered; a required item is still empty without a reason, or a value is refused
    Complete, // every visible required item has a value or a missing-data reason, and nothing is refused
};
const char* fillName(Fill f);

/// From the saved values of one form instance, with the same engine the form page uses.
Fill fillOf(const v1::StudyDefinition& def, const v1::Form& form, const FormValues& saved);

/// When a visit falls due, in days from D0 (the day of randomization, study day 0): [first, last] of its window.
struct DueDays {
    int first = 0;
    int nominal = 0;
    int last = 0;
};
DueDays dueDays(const v1::Visit& visit);

enum class Due { NotYet, Today, Overdue, NoDate };
/// Where `today` (days since D0) stands against the visit's window; Overdue once the window has passed.
Due dueOn(const v1::Visit& visit, int todayFromD0);

} // namespace crf::study
