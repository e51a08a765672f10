#include "edit_checks.h"

#include "change_event.h"
#include "conditions.h"
#include "definition.h"
#include "form_engine.h"
#include "query.h"
#include "query_domain.h"

#include <map>
#include <set>

namespace crf::gateway {
namespace {

/// The check a query is about, from its first step's text ("[KEY] message").
std::string keyOf(const std::string& text)
{
    if (text.empty() || text[0] != '[')
        return {};
    const auto end = text.find("] ");
    return end == std::string::npos ? std::string() : text.substr(1, end - 1);
}

struct Found {
    std::string item, message;
    std::set<std::string> involved; // items whose change may (re)open it
};

} // namespace

void applyEditChecks(WriteTransaction& tx, const StudyRegistry& studies, const v1::ServerEvent& se)
{
    const auto& e = se.event();
    const v1::StudyDefinition* def = studies.find(e.study_id());
    const v1::Form* form = def ? study::findForm(*def, e.form().form_oid()) : nullptr;
    if (!form)
        return;
    const auto& f = e.form();
    const bool removed = e.record_status() == kEnteredInError;

    // The edit-check queries of this form instance and where each stands.
    std::map<std::string, uint64_t> open; // check key -> query id
    const auto queries = tx.trial().formQueries(e.study_id(), f.subject_id(), f.visit_oid(), f.form_oid(), f.repeat());
    for (const auto& q : queries) {
        const auto steps = tx.trial().querySteps(q.id);
        if (steps.empty() || steps.front().role != kEditCheckRole)
            continue;
        const auto state = stateOfSteps(steps);
        if (state && (*state == query::State::Open || *state == query::State::Answered))
            open[keyOf(steps.front().text)] = q.id;
    }
    if (e.changes_size() == 0 && !removed)
        return; // a signature or a restore changes no value

    std::map<std::string, Found> found; // check key -> what fails now
    if (!removed) {
        study::FormValues values;
        for (const auto* item : study::itemsOf(*form))
            for (const std::string& oid : {item->oid(), item->oid() + study::kMissingSuffix}) {
                const auto state =
                    tx.fieldState(FieldKey{e.study_id(), f.subject_id(), f.visit_oid(), f.form_oid(), f.repeat(), oid});
                if (state && state->present)
                    values[oid] = study::ItemValue{state->value, state->unit};
            }
        const auto evaluated = study::evaluateForm(*def, *form, values);
        for (const auto& issue : evaluated.issues) {
            if (issue.level == study::IssueLevel::MissingReason)
                continue; // forms fill in over several saves: a gap is not a query
            Found entry{issue.item, issue.message, {}};
            std::string key;
            if (issue.checkId.empty()) {
                key = "range " + issue.item;
                entry.involved.insert(issue.item);
            } else {
                key = issue.checkId;
                for (const auto& c : form->checks())
                    if (c.id() == issue.checkId) {
                        study::referencedItems(c.violated_when(), entry.involved);
                        entry.involved.insert(c.item_oids().begin(), c.item_oids().end());
                        if (entry.item.empty() && c.item_oids_size() > 0)
                            entry.item = c.item_oids(0);
                    }
            }
            found.emplace(key, std::move(entry));
        }
    }

    std::set<std::string> changed;
    for (const auto& c : e.changes())
        changed.insert(c.item_oid());
    const int64_t at = se.received_at_ms();
    for (const auto& [key, entry] : found) {
        if (open.count(key))
            continue;
        bool touched = false;
        for (const auto& item : entry.involved)
            touched = touched || changed.count(item);
        if (!touched)
            continue; // unchanged since a query about it was closed
        tx.trial().openQuery(
            QueryRow{0, e.study_id(), e.site_id(), f.subject_id(), f.visit_oid(), f.form_oid(), f.repeat(), entry.item},
            QueryStepRow{0, "OPEN", kEditCheckUser, kEditCheckRole, at,
                         "[" + key + "] " + entry.message + " (event " + std::to_string(se.server_seq()) + ")"});
    }
    for (const auto& [key, id] : open)
        if (!found.count(key))
            tx.trial().addQueryStep(
                QueryStepRow{id, "CLOSE", kEditCheckUser, kEditCheckRole, at,
                             removed ? "the form was entered in error (event " + std::to_string(se.server_seq()) + ")"
                                     : "the check passes with event " + std::to_string(se.server_seq())});
}

} // namespace crf::gateway
