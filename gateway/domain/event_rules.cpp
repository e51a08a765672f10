#include "event_rules.h"

#include "definition.h"
#include "form_engine.h"

#include <algorithm>

namespace crf::gateway {

StudyRegistry::StudyRegistry(std::vector<std::shared_ptr<const v1::StudyDefinition>> definitions)
{
    for (auto& d : definitions)
        m_byStudy[d->study_id()] = std::move(d);
}

Result<StudyRegistry> StudyRegistry::load(const std::vector<std::string>& paths)
{
    std::vector<std::shared_ptr<const v1::StudyDefinition>> defs;
    for (const auto& p : paths) {
        auto d = study::loadDefinition(p);
        if (!d)
            return d.error();
        defs.push_back(std::make_shared<const v1::StudyDefinition>(std::move(d).value()));
    }
    return StudyRegistry(std::move(defs));
}

const v1::StudyDefinition* StudyRegistry::find(const std::string& studyId) const
{
    auto it = m_byStudy.find(studyId);
    return it == m_byStudy.end() ? nullptr : it->second.get();
}

Status StudyRegistry::check(const v1::ChangeEvent& e) const
{
    if (m_byStudy.empty())
        return {};
    const v1::StudyDefinition* def = find(e.study_id());
    if (!def)
        return Error{"study_id", "study " + e.study_id() + " is not served by this gateway"};
    if (e.definition_version() != def->version())
        return Error{"definition_version", "version " + e.definition_version() + " of " + e.study_id() +
                                               " is not served here (current: " + def->version() + ")"};
    if (e.has_signature() && e.signature().scope() == "CASEBOOK")
        return {}; // the whole casebook of a subject: no form to check
    const v1::Visit* visit = study::findVisit(*def, e.form().visit_oid());
    if (!visit)
        return Error{"form.visit_oid", "unknown visit " + e.form().visit_oid()};
    if (std::find(visit->form_oids().begin(), visit->form_oids().end(), e.form().form_oid()) ==
        visit->form_oids().end())
        return Error{"form.form_oid", "form " + e.form().form_oid() + " is not scheduled at visit " + visit->oid()};
    const v1::Form* form = study::findForm(*def, e.form().form_oid());
    if (!form)
        return Error{"form.form_oid", "unknown form " + e.form().form_oid()};
    if (e.form().repeat() > 0 && !form->repeating())
        return Error{"form.repeat", "form " + form->oid() + " does not repeat"};
    for (const auto& c : e.changes()) {
        std::string oid = c.item_oid();
        const bool missingReason = oid.size() > 3 && oid.compare(oid.size() - 3, 3, study::kMissingSuffix) == 0;
        if (missingReason)
            oid.resize(oid.size() - 3);
        const v1::Item* item = study::findItem(*form, oid);
        if (!item)
            return Error{"item " + c.item_oid(), "not an item of form " + form->oid()};
        if (item->site_only())
            return Error{"item " + c.item_oid(), "site-only (identifying) data must never leave the site"};
        if (item->has_derived())
            return Error{"item " + c.item_oid(), "derived values are computed, never sent"};
        if (missingReason || !c.new_present())
            continue;
        for (const auto& issue : study::checkValue(*def, *item, {c.new_value(), c.unit()}))
            if (issue.level == study::IssueLevel::Error)
                return Error{"item " + c.item_oid(), issue.message};
    }
    return {};
}

} // namespace crf::gateway
