#include "event_rules.h"

#include "definition.h"
#include "form_engine.h"
#include "tr.h"

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
        return messageError("study_id", QT_TRANSLATE_NOOP("Core", "study %1 is not served by this gateway"),
                            {e.study_id()});
    if (e.definition_version() != def->version())
        return messageError("definition_version",
                            QT_TRANSLATE_NOOP("Core", "version %1 of %2 is not served here (current: %3)"),
                            {e.definition_version(), e.study_id(), def->version()});
    if (e.has_signature() && e.signature().scope() == "CASEBOOK")
        return {}; // the whole casebook of a subject: no form to check
    const v1::Visit* visit = study::findVisit(*def, e.form().visit_oid());
    if (!visit)
        return messageError("form.visit_oid", QT_TRANSLATE_NOOP("Core", "unknown visit %1"), {e.form().visit_oid()});
    if (std::find(visit->form_oids().begin(), visit->form_oids().end(), e.form().form_oid()) ==
        visit->form_oids().end())
        return messageError("form.form_oid", QT_TRANSLATE_NOOP("Core", "form %1 is not scheduled at visit %2"),
                            {e.form().form_oid(), visit->oid()});
    const v1::Form* form = study::findForm(*def, e.form().form_oid());
    if (!form)
        return messageError("form.form_oid", QT_TRANSLATE_NOOP("Core", "unknown form %1"), {e.form().form_oid()});
    if (e.form().repeat() > 0 && !form->repeating())
        return messageError("form.repeat", QT_TRANSLATE_NOOP("Core", "form %1 does not repeat"), {form->oid()});
    for (const auto& c : e.changes()) {
        std::string oid = c.item_oid();
        const bool missingReason = oid.size() > 3 && oid.compare(oid.size() - 3, 3, study::kMissingSuffix) == 0;
        if (missingReason)
            oid.resize(oid.size() - 3);
        const v1::Item* item = study::findItem(*form, oid);
        if (!item)
            return messageError("item " + c.item_oid(), QT_TRANSLATE_NOOP("Core", "not an item of form %1"),
                                {form->oid()});
        if (item->site_only())
            return messageError("item " + c.item_oid(),
                                QT_TRANSLATE_NOOP("Core", "site-only (identifying) data must never leave the site"));
        if (item->has_derived())
            return messageError("item " + c.item_oid(),
                                QT_TRANSLATE_NOOP("Core", "derived values are computed, never sent"));
        if (missingReason || !c.new_present())
            continue;
        for (const auto& issue : study::checkValue(*def, *item, {c.new_value(), c.unit()}))
            if (issue.level == study::IssueLevel::Error)
                return messageError("item " + c.item_oid(), issue.said());
    }
    return {};
}

} // namespace crf::gateway
