#include "bedside_trial.h"

#include "query.h"

#include "calculators.h"
#include "dosing.h"
#include "eligibility.h"
#include "tr.h"
#include "values.h"
#include "wording.h"

#include <algorithm>
#include <set>

namespace crf::app::trial {
namespace {

const v1::Form* findForm(const v1::StudyDefinition& def, const std::string& oid)
{
    for (const auto& f : def.forms())
        if (f.oid() == oid)
            return &f;
    return nullptr;
}

std::map<std::string, std::string> texts(const std::map<std::string, store::FieldValue>& values)
{
    std::map<std::string, std::string> out;
    for (const auto& [item, v] : values)
        out[item] = v.value;
    return out;
}

/// The requested values as text, over what is saved already (a save names every item the form shows).
std::map<std::string, std::string> merged(const std::map<std::string, store::FieldValue>& saved,
                                          const store::SaveRequest& request)
{
    auto out = texts(saved);
    for (const auto& [item, v] : request.values) {
        if (v)
            out[item] = v->value;
        else
            out.erase(item);
    }
    return out;
}

std::optional<v1::SiteInventoryResponse> cachedInventory(store::TabletStore& store, const std::string& key)
{
    auto inv = cachedMessage<v1::SiteInventoryResponse>(store, key);
    if (!inv || inv->boxes_size() == 0)
        return std::nullopt;
    return std::move(inv).value();
}

} // namespace

std::string inventoryKey(const std::string& studyId, const std::string& siteId)
{
    return "inventory/" + studyId + "/" + siteId;
}

std::string worklistKey(const std::string& studyId, const std::string& siteId)
{
    return "worklist/" + studyId + "/" + siteId;
}

std::string queriesKey(const std::string& studyId, const std::string& siteId)
{
    return "queries/" + studyId + "/" + siteId;
}

std::string answersKey(const std::string& studyId, const std::string& siteId)
{
    return "query-answers/" + studyId + "/" + siteId;
}

std::string titrationKey(const std::string& studyId, const std::string& subjectId)
{
    return "titration/" + studyId + "/" + subjectId;
}

namespace {

void applyAnswer(v1::DataQuery& q, const v1::QueryActionRequest& answer, const std::string& userId,
                 const std::string& role, int64_t atMs)
{
    auto* step = q.add_steps();
    step->set_action("ANSWER");
    step->set_user_id(userId);
    step->set_role(role);
    step->set_at_ms(atMs);
    step->set_text(answer.text());
    q.set_state("ANSWERED");
    q.set_answer_pending(true);
}

} // namespace

Result<SiteQueries> siteQueries(store::TabletStore& store, const std::string& studyId, const std::string& siteId)
{
    auto list = cachedMessage<v1::ListQueriesResponse>(store, queriesKey(studyId, siteId));
    if (!list)
        return list.error();
    auto outbox = cachedMessage<v1::QueryAnswerOutbox>(store, answersKey(studyId, siteId));
    if (!outbox)
        return outbox.error();
    SiteQueries out{std::move(list).value(), {}};
    for (const auto& answer : outbox->pending())
        for (auto& q : *out.list.mutable_queries())
            if (q.id() == answer.query_id())
                applyAnswer(q, answer, "", "", 0); // who and when: as the gateway will record them
    for (int i = 0; i < outbox->refused_size(); ++i)
        out.refused.push_back(i < outbox->refused_wordings_size()
                                  ? messageFromWording(outbox->refused_wordings(i), outbox->refused(i))
                                  : Message(outbox->refused(i)));
    return out;
}

Status settleAnswer(store::TabletStore& store, const std::string& studyId, const std::string& siteId,
                    const std::string& queryId, const Result<v1::DataQuery>& sent)
{
    auto outbox = cachedMessage<v1::QueryAnswerOutbox>(store, answersKey(studyId, siteId));
    if (!outbox)
        return outbox.error();
    v1::QueryAnswerOutbox left;
    for (const auto& a : outbox->pending())
        if (a.query_id() != queryId)
            *left.add_pending() = a;
    *left.mutable_refused() = outbox->refused();
    *left.mutable_refused_wordings() = outbox->refused_wordings();
    if (!sent) {
        const Message why = messageError(queryId, sent.error().message()).sentence();
        left.add_refused(why.text);
        *left.add_refused_wordings() = toWording(why);
    } else {
        auto cached = cachedMessage<v1::ListQueriesResponse>(store, queriesKey(studyId, siteId));
        if (!cached)
            return cached.error();
        v1::ListQueriesResponse list = std::move(cached).value();
        for (auto& q : *list.mutable_queries())
            if (q.id() == queryId)
                q = sent.value();
        if (auto st = store.putCached(queriesKey(studyId, siteId), list.SerializeAsString()); !st)
            return st;
    }
    return store.putCached(answersKey(studyId, siteId), left.SerializeAsString());
}

Result<v1::DataQuery> queueAnswer(store::TabletStore& store, const std::string& studyId, const std::string& siteId,
                                  const std::string& userId, const std::string& role, const std::string& queryId,
                                  const std::string& text, int64_t nowMs)
{
    if (queryId.rfind("M-", 0) != 0)
        return messageError(
            "query " + queryId,
            queryId.rfind("C-", 0) == 0
                ? QT_TRANSLATE_NOOP("Core", "a conflict is settled by saving the right value with its reason")
                : QT_TRANSLATE_NOOP("Core", "a randomization query is reviewed by the data manager"));
    auto current = siteQueries(store, studyId, siteId);
    if (!current)
        return current.error();
    const v1::DataQuery* found = nullptr;
    for (const auto& q : current->list.queries())
        if (q.id() == queryId)
            found = &q;
    if (!found)
        return messageError(
            "query " + queryId,
            QT_TRANSLATE_NOOP("Core", "not among the site's open queries on this tablet: sync, then answer"));
    const auto state = query::parseState(found->state());
    if (!state)
        return messageError("query " + queryId,
                            QT_TRANSLATE_NOOP("Core", "its state \"%1\" is unknown on this tablet: sync first"),
                            {found->state()});
    if (auto next = query::next(*state, query::Action::Answer, text); !next) {
        Error e = next.error();
        e.where = "query " + queryId;
        return e;
    }
    auto kept = cachedMessage<v1::QueryAnswerOutbox>(store, answersKey(studyId, siteId));
    if (!kept)
        return kept.error();
    v1::QueryAnswerOutbox outbox = std::move(kept).value();
    auto* answer = outbox.add_pending();
    answer->set_study_id(studyId);
    answer->set_query_id(queryId);
    answer->set_action("ANSWER");
    answer->set_text(text);
    outbox.clear_refused(); // shown once: the site has moved on
    outbox.clear_refused_wordings();
    if (auto st = store.putCached(answersKey(studyId, siteId), outbox.SerializeAsString()); !st)
        return st.error();
    v1::DataQuery shown = *found;
    applyAnswer(shown, *answer, userId, role, nowMs);
    return shown;
}

Result<ConsentView> consentOf(store::TabletStore& store, const v1::StudyDefinition& def, const std::string& subjectId)
{
    ConsentView view;
    if (!def.has_consent())
        return view;
    const auto& rules = def.consent();
    auto repeats = store.formRepeats(subjectId, rules.visit_oid(), rules.form_oid());
    if (!repeats)
        return repeats.error();
    for (const auto& [repeat, values] : *repeats) {
        view.nextRepeat = std::max(view.nextRepeat, repeat + 1);
        // A decision marked entered in error no longer counts (its values stay in the audit trail).
        auto status = store.recordStatus({subjectId, rules.visit_oid(), rules.form_oid(), repeat});
        if (status && *status == "ENTERED_IN_ERROR")
            continue;
        auto decision = consent::decisionFrom(texts(values));
        if (!decision) {
            view.problem = "decision " + std::to_string(repeat) + ": " + decision.error().text();
            continue;
        }
        auto next = consent::next(view.state, *decision);
        if (!next) {
            // Two tablets recorded decisions offline that do not follow one another: keep the first, say so.
            view.problem = "decision " + std::to_string(repeat) + " does not follow: " + next.error().what;
            continue;
        }
        if (view.state == consent::State::NotIncluded)
            view.includedAtMs = decision->decidedAtMs;
        view.state = *next;
        view.decisions.push_back(*decision);
    }
    view.rights = consent::rights(view.state);
    return view;
}

Status checkSave(store::TabletStore& store, const v1::StudyDefinition& def, const store::SaveRequest& request)
{
    if (!def.has_consent() || request.signature || !request.recordStatus.empty())
        return Status::success();
    const auto& rules = def.consent();
    const auto& form = request.form;
    auto view = consentOf(store, def, form.subjectId);
    if (!view)
        return view.error();

    if (form.formOid == rules.form_oid()) {
        auto saved = store.formValues(form);
        if (!saved)
            return saved.error();
        const auto values = merged(*saved, request);
        auto was = saved->find(consent::kEventItem);
        auto now = values.find(consent::kEventItem);
        if (was != saved->end()) {
            if (now == values.end() || now->second != was->second.value)
                return messageError(
                    consent::kEventItem,
                    QT_TRANSLATE_NOOP("Core",
                                      "a recorded consent decision is not changed: record the next decision instead"));
            return Status::success(); // corrections of the other items of a recorded decision
        }
        auto decision = consent::decisionFrom(values);
        if (!decision)
            return decision.error();
        auto next = consent::next(view->state, *decision);
        if (!next)
            return next.error();
        return Status::success();
    }

    const auto& open = rules.always_open_form_oids();
    if (std::find(open.begin(), open.end(), form.formOid) != open.end() || view->rights.collectionContinues)
        return Status::success();
    return messageError("form " + form.formOid,
                        QT_TRANSLATE_NOOP("Core",
                                          "participation has stopped (%1): no new study data; adverse events, vital "
                                          "status and the end of study stay open"),
                        {std::string(consent::stateLabel(view->state))});
}

Result<Proposal> propose(store::TabletStore& store, const v1::StudyDefinition& def, const std::string& siteId,
                         const std::string& subjectId)
{
    if (!def.has_randomization())
        return Error{"randomization", "study " + def.study_id() + " has no randomization"};
    const auto& rules = def.randomization();
    Proposal p;
    p.boxes = rules.scheme() == v1::Randomization::SCHEME_TREATMENT_BOXES;
    p.codeBreakProcedure = rules.code_break_procedure();

    // Numbers taken by randomizations this tablet holds (its own, perhaps not yet synced, and pulled ones).
    auto taken = store.itemValues(rules.form_oid(), rules.number_item_oid());
    if (!taken)
        return taken.error();
    std::set<uint32_t> used;
    for (const auto& [subject, value] : *taken) {
        const auto n = study::positiveInteger(value);
        if (!n)
            continue;
        used.insert(*n);
        if (subject == subjectId) {
            p.alreadyRandomized = true;
            p.existingNumber = *n;
        }
    }
    if (p.alreadyRandomized) {
        p.note =
            message(QT_TRANSLATE_NOOP("Core", "already randomized with number %1"), {std::to_string(p.existingNumber)});
        return p;
    }
    const auto inv = cachedInventory(store, inventoryKey(def.study_id(), siteId));
    if (!inv || inv->boxes_size() == 0) {
        p.note =
            message(p.boxes ? QT_TRANSLATE_NOOP("Core", "The box list of this site has not reached this tablet: take "
                                                        "the lowest-numbered box on the shelf and enter the number "
                                                        "printed on it.")
                            : QT_TRANSLATE_NOOP("Core", "The allocation list of this site has not reached this tablet: "
                                                        "sync once online before randomizing."));
        return p;
    }
    p.inventoryKnown = true;
    for (const auto& b : inv->boxes()) {
        if (b.used() || used.count(b.number()))
            continue;
        if (p.number == 0)
            p.number = b.number();
        else
            ++p.available;
    }
    if (p.number == 0)
        p.note =
            message(QT_TRANSLATE_NOOP("Core", "No box left for this site on this tablet's list: take the box on the "
                                              "shelf and enter its number; the sponsor has been asked to resupply."));
    else
        p.note = message(
            p.boxes ? QT_TRANSLATE_NOOP("Core", "Take box %1 (the lowest on the shelf) and confirm the number printed "
                                                "on it.")
                    : QT_TRANSLATE_NOOP("Core", "Allocation number %1."),
            {std::to_string(p.number)});
    return p;
}

titration::Schedule DosingPlan::schedule() const
{
    titration::Schedule s;
    s.levelsNgKgMin.clear();
    for (const auto& [dose, rate] : steps)
        s.levelsNgKgMin.push_back(dose);
    return s;
}

Result<DosingPlan> dosingPlan(store::TabletStore& store, const v1::StudyDefinition& def, const std::string& subjectId)
{
    DosingPlan plan;
    // The definition's infusion_rate derivations say where sex and height are and which dose levels exist.
    std::string visitOid, formOid, sexItem, heightItem;
    std::vector<double> levels;
    for (const auto& f : def.forms())
        for (const auto& section : f.sections())
            for (const auto& item : section.items()) {
                const auto& d = item.derived();
                if (d.calculator() != "infusion_rate" || !d.constants().count("dose_ng_kg_min"))
                    continue;
                formOid = f.oid();
                sexItem = d.inputs().count("sex") ? d.inputs().at("sex") : "";
                heightItem = d.inputs().count("height") ? d.inputs().at("height") : "";
                levels.push_back(d.constants().at("dose_ng_kg_min"));
                if (d.constants().count("concentration_ug_ml"))
                    plan.concentrationUgPerMl = d.constants().at("concentration_ug_ml");
            }
    if (levels.empty())
        return plan; // no weight-based rates in this study
    plan.applies = true;
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    for (const auto& v : def.visits())
        if (visitOid.empty() && std::find(v.form_oids().begin(), v.form_oids().end(), formOid) != v.form_oids().end())
            visitOid = v.oid();
    auto values = store.formValues({subjectId, visitOid, formOid, 0});
    if (!values)
        return values.error();
    const auto sex = values->count(sexItem) ? values->at(sexItem).value : "";
    const auto height = values->count(heightItem) ? values->at(heightItem).value : "";
    if (sex.empty() || height.empty()) {
        plan.problem = "enter sex and height in " + formOid + " to see the rates";
        return plan;
    }
    const double heightCm = std::strtod(height.c_str(), nullptr);
    auto table = dosing::doseTable(sex == "F" ? dosing::Sex::Female : dosing::Sex::Male, heightCm,
                                   plan.concentrationUgPerMl, levels);
    if (!table) {
        plan.problem = table.error().text();
        return plan;
    }
    plan.ibwKg = table->ibwKg;
    for (size_t i = 0; i < levels.size(); ++i)
        plan.steps.emplace_back(levels[i], table->ratesMlH[i]);
    return plan;
}

Result<Randomization> prepareRandomization(store::TabletStore& store, const v1::StudyDefinition& def,
                                           const std::string& siteId, const std::string& subjectId,
                                           uint32_t confirmedNumber, const std::string& nowIso)
{
    if (!def.has_randomization())
        return Error{"randomization", "study " + def.study_id() + " has no randomization"};
    const auto& rules = def.randomization();
    if (confirmedNumber == 0)
        return messageError(rules.number_item_oid(), QT_TRANSLATE_NOOP("Core", "enter the number printed on the box"));
    auto proposal = propose(store, def, siteId, subjectId);
    if (!proposal)
        return proposal.error();
    if (proposal->alreadyRandomized)
        return messageError("randomization", QT_TRANSLATE_NOOP("Core", "subject %1 is already randomized (number %2)"),
                            {subjectId, std::to_string(proposal->existingNumber)});
    if (def.has_eligibility()) {
        auto elig = store.formValues({subjectId, def.eligibility().visit_oid(), def.eligibility().form_oid(), 0});
        if (!elig)
            return elig.error();
        study::FormValues values;
        for (const auto& [item, v] : *elig)
            values[item] = study::ItemValue{v.value, v.unit};
        const auto verdict = study::evaluateEligibility(def.eligibility(), values);
        if (verdict.status == study::VerdictStatus::NotMet) {
            std::string failing;
            for (const auto* c : verdict.failing())
                failing += (failing.empty() ? "" : ", ") + c->id;
            return messageError("eligibility",
                                QT_TRANSLATE_NOOP("Core", "not met (%1): the patient cannot be randomized"), {failing});
        }
    }

    Randomization r;
    r.number = confirmedNumber;
    r.differsFromProposal = proposal->number != 0 && proposal->number != confirmedNumber;
    if (r.differsFromProposal)
        r.note =
            message(QT_TRANSLATE_NOOP("Core", "Number %1 is not the lowest available (%2): saved as entered; the data "
                                              "manager will check it."),
                    {std::to_string(confirmedNumber), std::to_string(proposal->number)});
    r.save.form = {subjectId, rules.visit_oid(), rules.form_oid(), 0};
    r.save.values[rules.number_item_oid()] = store::FieldValue{std::to_string(confirmedNumber), "", false, false};
    if (!rules.time_item_oid().empty()) // the study's D0: visit days count from it
        r.save.values[rules.time_item_oid()] = store::FieldValue{nowIso, "", false, false};
    if (rules.scheme() == v1::Randomization::SCHEME_ALLOCATION_LIST) {
        const auto inv = cachedInventory(store, inventoryKey(def.study_id(), siteId));
        std::string arm;
        if (inv)
            for (const auto& b : inv->boxes())
                if (b.number() == confirmedNumber)
                    arm = b.arm();
        if (arm.empty())
            return messageError(
                rules.number_item_oid(),
                QT_TRANSLATE_NOOP("Core", "allocation number %1 is not on this tablet's list for site %2: sync online, "
                                          "then randomize"),
                {std::to_string(confirmedNumber), siteId});
        r.arm = arm;
        for (const auto& a : def.arms())
            if (a.id() == arm)
                r.armName = a.name();
        r.save.values[rules.arm_item_oid()] = store::FieldValue{arm, "", false, false};
    }
    return r;
}

Result<CasebookView> casebookOf(store::TabletStore& store, const v1::StudyDefinition& def, const std::string& subjectId,
                                const std::string& siteId)
{
    auto instances = store.subjectForms(subjectId);
    if (!instances)
        return instances.error();
    auto signatures = store.signatures(subjectId);
    if (!signatures)
        return signatures.error();
    // The site's queries as last synced; none yet (never online) is not an error for the overview.
    std::set<std::pair<std::string, std::string>> queried; // (visit, form) with an open or answered query
    if (auto queries = siteQueries(store, def.study_id(), siteId))
        for (const auto& q : queries->list.queries())
            if (q.form().subject_id() == subjectId && (q.state() == "OPEN" || q.state() == "ANSWERED"))
                queried.insert({q.form().visit_oid(), q.form().form_oid()});

    CasebookView out;
    const auto& rules = def.randomization();
    for (const auto& v : def.visits())
        for (const auto& formOid : v.form_oids()) {
            const v1::Form* form = findForm(def, formOid);
            if (!form)
                continue;
            CasebookForm entry{v.oid(), formOid};
            entry.repeating = form->repeating();
            bool anyLive = false, anyPartial = false, anyComplete = false;
            for (const auto& i : instances.value()) {
                if (i.form.visitOid != v.oid() || i.form.formOid != formOid)
                    continue;
                ++entry.entries;
                study::FormValues values;
                for (const auto& [item, fv] : i.values) {
                    values[item] = {fv.value, fv.unit};
                    entry.pending = entry.pending || fv.pending;
                    entry.conflict = entry.conflict || fv.conflict;
                }
                if (!rules.time_item_oid().empty() && formOid == rules.form_oid() && v.oid() == rules.visit_oid())
                    if (const auto t = i.values.find(rules.time_item_oid()); t != i.values.end())
                        if (const auto s = study::parseDateTime(t->second.value))
                            out.d0Ms = *s * 1000;
                if (i.status == "ENTERED_IN_ERROR")
                    continue;
                anyLive = true;
                const study::Fill fill = study::fillOf(def, *form, values);
                anyPartial = anyPartial || fill != study::Fill::Complete;
                anyComplete = anyComplete || fill != study::Fill::Empty;
            }
            entry.enteredInError = entry.entries > 0 && !anyLive;
            entry.fill =
                !anyComplete ? study::Fill::Empty : (anyPartial ? study::Fill::Partial : study::Fill::Complete);
            for (const auto& sig : signatures.value())
                if (sig.form.visitOid == v.oid() && sig.form.formOid == formOid) {
                    entry.signedIntact = sig.intact;
                    entry.signatureBroken = !sig.intact;
                }
            entry.queryOpen = queried.count({v.oid(), formOid}) > 0;
            out.forms.push_back(std::move(entry));
        }
    return out;
}

Result<std::vector<SubjectOverview>> siteOverview(store::TabletStore& store, const v1::StudyDefinition& def,
                                                  const std::string& siteId)
{
    auto subjects = store.subjects();
    if (!subjects)
        return subjects.error();
    std::vector<SubjectOverview> out;
    for (const auto& s : subjects.value()) {
        SubjectOverview o;
        o.subjectId = s.subjectId;
        auto casebook = casebookOf(store, def, s.subjectId, siteId);
        if (!casebook)
            return casebook.error();
        o.casebook = std::move(casebook).value();
        if (auto consent = consentOf(store, def, s.subjectId)) {
            o.consentAwaited = consent->rights.awaitingDecision;
            o.consentLabel = std::string(consent::stateLabel(consent->state));
        }
        out.push_back(std::move(o));
    }
    return out;
}

} // namespace crf::app::trial
