// FormEngine: what a form shows and allows for given entered values (derived values, visibility, checks).
#pragma once

#include "crf/v1/study.pb.h"
#include "eligibility.h"
#include "result.h"
#include "values.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace crf::study {

enum class IssueLevel {
    Error,        // refused: impossible value, wrong type, hard edit check
    Warning,      // unusual: the user must confirm (soft range, soft edit check)
    MissingReason // required and empty: a value or a missing-data reason is needed
};

struct Issue {
    std::string item; // item OID ("" for a form-level check)
    std::string checkId;
    IssueLevel level = IssueLevel::Error;
    std::string message; // plain clinical language (English), names the item by its label
    /// For a screen in another language: the template of `message` (context "Core", the item's label first) and its
    /// arguments (ui::messageText). Empty for an edit check, whose message is the definition's (translated with it).
    std::string tmpl = {};
    std::vector<Message> args = {};
    Message said() const { return Message{message, tmpl, args}; }
};

struct FormState {
    FormValues values; // entered + derived
    std::set<std::string> hidden;
    std::vector<Issue> issues;
    std::optional<Verdict> eligibility; // when this form carries the study's eligibility

    bool hasErrors() const;
    /// Saving is allowed when there are no errors, every warning is confirmed (by item or check id) and every
    /// required item has a value or a reason.
    bool canSave(const std::set<std::string>& confirmed) const;
};

/// Default missing-data reason codes (stored as "CODE|text" in "<item>#ND").
const std::vector<std::pair<std::string, std::string>>& missingReasons();

/// Evaluates `form` of `def` for `entered` values (derived items in `entered` are ignored and recomputed).
FormState evaluateForm(const v1::StudyDefinition& def, const v1::Form& form, const FormValues& entered);

/// Whether saving `values` in `form` is urgent (the form's urgent_when is definitely true; unknown is not urgent).
bool isUrgent(const v1::Form& form, const FormValues& values);

/// Checks one value against its item (type, unit, code list, ranges). Used by the engine and by the gateway.
std::vector<Issue> checkValue(const v1::StudyDefinition& def, const v1::Item& item, const ItemValue& value);

} // namespace crf::study
