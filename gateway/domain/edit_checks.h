// EditChecks: data queries the gateway opens and closes by itself when a form instance, as merged from every tablet,
// fails one of the study's checks (ICH E6(R3) 3.16.1: data are checked; the site confirms or corrects).
#pragma once

#include "event_rules.h"
#include "storage/store.h"

namespace crf::gateway {

/// Who the steps of an edit-check query are by: user "gateway", role "edit_check".
inline constexpr const char* kEditCheckUser = "gateway";
inline constexpr const char* kEditCheckRole = "edit_check";

/// Inside the push transaction, after `se` is stored and merged: evaluates its form instance's current values (all
/// tablets' changes merged) with the definition's rules (core/study/form_engine). For every soft range left and
/// every failed edit check (a warning the site confirmed, or a cross-item error that only the merge of two tablets'
/// changes produced) that involves an item this event changed, a data query opens unless one is open for the same
/// check; its text names the check: "[SBP_MAP_DBP] ...", "[range HR] ...". An open edit-check query whose check now
/// passes (or whose form was entered in error) is closed by the gateway, naming the event. The queries are ordinary
/// data queries (QueryService; origin EDIT_CHECK): the site answers, the desk closes or reopens.
void applyEditChecks(WriteTransaction& tx, const StudyRegistry& studies, const v1::ServerEvent& se);

} // namespace crf::gateway
