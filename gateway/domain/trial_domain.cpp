#include "trial_domain.h"

#include "consent.h"
#include "values.h"

#include <algorithm>
#include <exception>
#include <map>

namespace crf::gateway {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;

/// The new values an event sets (item -> text); the consent form's first save carries the whole decision.
std::map<std::string, std::string> newValues(const v1::ChangeEvent& e)
{
    std::map<std::string, std::string> out;
    for (const auto& c : e.changes())
        if (c.new_present())
            out[c.item_oid()] = c.new_value();
    return out;
}

const v1::FieldChange* changeOf(const v1::ChangeEvent& e, const std::string& item)
{
    for (const auto& c : e.changes())
        if (c.item_oid() == item)
            return &c;
    return nullptr;
}

/// Whether `e` records a consent decision of its study; fills the decision when it does.
bool isConsentDecision(const v1::StudyDefinition* def, const v1::ChangeEvent& e)
{
    if (!def || !def->has_consent() || e.form().form_oid() != def->consent().form_oid())
        return false;
    const auto* c = changeOf(e, consent::kEventItem);
    return c && (c->new_present() || c->old_present());
}

bool armsBlinded(const v1::StudyDefinition& def)
{
    return std::any_of(def.arms().begin(), def.arms().end(), [](const v1::Arm& a) { return a.blinded(); });
}

} // namespace

Status TrialDomain::check(WriteTransaction& tx, const v1::ChangeEvent& e) const
{
    const v1::StudyDefinition* def = m_studies.find(e.study_id());
    if (!isConsentDecision(def, e))
        return Status::success();
    const auto* change = changeOf(e, consent::kEventItem);
    if (change->old_present())
        return Error{std::string(consent::kEventItem),
                     "a recorded consent decision is not changed: record the next decision instead"};
    auto decision = consent::decisionFrom(newValues(e));
    if (!decision)
        return Error{"consent " + decision.error().where, decision.error().what};
    const auto current = tx.trial().consent(e.study_id(), e.form().subject_id());
    const auto state = current ? consent::parseState(current->state).value_or(consent::State::NotIncluded)
                               : consent::State::NotIncluded;
    auto next = consent::next(state, *decision);
    if (!next)
        return Error{next.error().where,
                     next.error().what + " (status at the gateway: " + std::string(consent::stateLabel(state)) + ")"};
    return Status::success();
}

void TrialDomain::apply(WriteTransaction& tx, const v1::ServerEvent& se, bool checkBoxes) const
{
    const auto& e = se.event();
    const v1::StudyDefinition* def = m_studies.find(e.study_id());
    if (!def)
        return;
    auto& trial = tx.trial();

    if (isConsentDecision(def, e)) {
        // check() passed in this transaction: the decision parses and the transition is allowed.
        const auto decision = consent::decisionFrom(newValues(e));
        const auto current = trial.consent(e.study_id(), e.form().subject_id());
        const auto from = current ? consent::parseState(current->state).value_or(consent::State::NotIncluded)
                                  : consent::State::NotIncluded;
        const auto to = consent::next(from, *decision);
        ConsentRow row = current.value_or(ConsentRow{e.study_id(), e.form().subject_id(), e.site_id(), "", 0, 0, 0});
        if (from == consent::State::NotIncluded)
            row.includedAtMs = decision->decidedAtMs;
        row.state = std::string(consent::stateCode(*to));
        row.lastDecisionAtMs = decision->decidedAtMs;
        row.lastSeq = se.server_seq();
        trial.putConsent(row);
    }

    if (!checkBoxes || !def->has_randomization() || e.form().form_oid() != def->randomization().form_oid())
        return;
    const auto& rules = def->randomization();
    const auto* change = changeOf(e, rules.number_item_oid());
    if (!change || !change->new_present())
        return;
    const auto number = study::positiveInteger(change->new_value());
    if (!number)
        return; // the study rules refused non-integers already
    const std::string& subject = e.form().subject_id();
    const std::string box = "box " + std::to_string(*number);
    auto query = [&](const char* kind, std::string text) {
        trial.openTrialQuery(TrialQueryRow{0, e.study_id(), kind, e.site_id(), subject, std::move(text),
                                           se.server_seq(), se.received_at_ms()});
    };

    const auto row = trial.box(e.study_id(), *number);
    if (!row) {
        query("BOX_UNKNOWN", box + " is not in the inventory of any site: check the number printed on the box");
    } else if (row->siteId != e.site_id()) {
        query("BOX_OTHER_SITE", box + " belongs to site " + row->siteId + ", not to site " + e.site_id());
    } else if (!row->subjectId.empty() && row->subjectId != subject) {
        query("BOX_REUSED", box + " was already used for subject " + row->subjectId + " (event " +
                                std::to_string(row->usedSeq) + ")");
    } else if (row->subjectId.empty()) {
        uint32_t lowest = *number;
        for (const auto& b : trial.siteBoxes(e.study_id(), e.site_id()))
            if (b.subjectId.empty() && b.number < lowest)
                lowest = b.number;
        if (lowest < *number)
            query("BOX_OUT_OF_ORDER",
                  box + " was used while box " + std::to_string(lowest) + " was the lowest available at the site");
        trial.useBox(e.study_id(), *number, subject, se.server_seq(), se.received_at_ms());
    }

    // Allocation list: the arm recorded must be the number's (the tablet revealed it from the same list).
    if (rules.scheme() == v1::Randomization::SCHEME_ALLOCATION_LIST) {
        const auto* armChange = changeOf(e, rules.arm_item_oid());
        const auto allocated = trial.allocatedArm(e.study_id(), *number);
        if (armChange && armChange->new_present() && allocated && *allocated != armChange->new_value())
            query("ARM_MISMATCH", "the arm recorded for allocation number " + std::to_string(*number) +
                                      " differs from the allocation list");
    }

    // Resupply (protocol: 4 boxes per centre, 2 more after 2 inclusions): once per fall to the level.
    if (row && row->siteId == e.site_id()) {
        int available = 0;
        for (const auto& b : trial.siteBoxes(e.study_id(), e.site_id()))
            available += b.subjectId.empty() ? 1 : 0;
        if (available <= rules.resupply_at() && !trial.resupplyOpen(e.study_id(), e.site_id())) {
            trial.addAlert(AlertRow{0, e.study_id(), "RESUPPLY", e.site_id(), "",
                                    "site " + e.site_id() + " has " + std::to_string(available) +
                                        " treatment box(es) left: send a resupply",
                                    se.received_at_ms()});
            trial.setResupplyOpen(e.study_id(), e.site_id(), true);
        }
    }
}

Result<v1::ConsentWorklistResponse> TrialDomain::worklist(const v1::ConsentWorklistRequest& request) const
{
    const v1::StudyDefinition* def = m_studies.find(request.study_id());
    if (!def || !def->has_consent())
        return Error{"study_id", "study " + request.study_id() + " has no consent rules at this gateway"};
    const int64_t now = m_clock.nowMs();
    const int64_t overdueMs = def->consent().overdue_hours() * kHourMs;
    const int64_t reminderMs = def->consent().reminder_hours() * kHourMs;
    v1::ConsentWorklistResponse out;
    try {
        for (const auto& row : m_store.trial().consentRows(request.study_id(), request.site_id())) {
            const auto state = consent::parseState(row.state).value_or(consent::State::NotIncluded);
            if (!consent::rights(state).awaitingDecision)
                continue;
            auto* entry = out.add_entries();
            entry->set_subject_id(row.subjectId);
            entry->set_site_id(row.siteId);
            entry->set_state(row.state);
            entry->set_state_label(std::string(consent::stateLabel(state)));
            entry->set_included_at_ms(row.includedAtMs);
            entry->set_last_decision_at_ms(row.lastDecisionAtMs);
            entry->set_pending(true);
            // Died-before-consent and the like leave the worklist by their own state: pending means alive.
            entry->set_overdue(now - row.includedAtMs > overdueMs);
            if (reminderMs > 0) {
                const int64_t elapsed = std::max<int64_t>(0, now - row.includedAtMs);
                entry->set_next_reminder_ms(row.includedAtMs + (elapsed / reminderMs + 1) * reminderMs);
            }
        }
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    auto* entries = out.mutable_entries();
    std::stable_sort(entries->begin(), entries->end(), [](const v1::ConsentEntry& a, const v1::ConsentEntry& b) {
        if (a.overdue() != b.overdue())
            return a.overdue();
        return a.included_at_ms() < b.included_at_ms();
    });
    out.set_server_time_ms(now);
    return out;
}

Result<v1::ConsentCountsResponse> TrialDomain::counts(const v1::ConsentCountsRequest& request) const
{
    const v1::StudyDefinition* def = m_studies.find(request.study_id());
    if (!def || !def->has_consent())
        return Error{"study_id", "study " + request.study_id() + " has no consent rules at this gateway"};
    v1::ConsentWorklistRequest all;
    all.set_study_id(request.study_id());
    auto pending = worklist(all);
    if (!pending)
        return pending.error();
    std::map<std::string, v1::SiteConsentCounts> bySite;
    try {
        for (const auto& row : m_store.trial().consentRows(request.study_id(), "")) {
            auto& site = bySite[row.siteId];
            site.set_site_id(row.siteId);
            (*site.mutable_by_state())[row.state] += 1;
        }
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    for (const auto& e : pending->entries())
        if (e.overdue())
            bySite[e.site_id()].set_overdue(bySite[e.site_id()].overdue() + 1);
    v1::ConsentCountsResponse out;
    for (auto& [_, site] : bySite)
        *out.add_sites() = std::move(site);
    return out;
}

Result<v1::SiteInventoryResponse> TrialDomain::inventory(const v1::SiteInventoryRequest& request,
                                                         bool callerSeesArms) const
{
    const v1::StudyDefinition* def = m_studies.find(request.study_id());
    if (!def || !def->has_randomization())
        return Error{"study_id", "study " + request.study_id() + " has no randomization at this gateway"};
    const bool withArms =
        callerSeesArms ||
        (def->randomization().scheme() == v1::Randomization::SCHEME_ALLOCATION_LIST && !armsBlinded(*def));
    v1::SiteInventoryResponse out;
    try {
        auto& trial = m_store.trial();
        uint32_t available = 0;
        for (const auto& b : trial.siteBoxes(request.study_id(), request.site_id())) {
            auto* box = out.add_boxes();
            box->set_number(b.number);
            box->set_used(!b.subjectId.empty());
            box->set_subject_id(b.subjectId);
            if (withArms)
                box->set_arm(trial.armOf(request.study_id(), b.number).value_or(""));
            available += b.subjectId.empty() ? 1 : 0;
        }
        out.set_available(available);
        out.set_resupply_requested(trial.resupplyOpen(request.study_id(), request.site_id()));
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    return out;
}

Result<v1::LoadInventoryResponse> TrialDomain::loadInventory(const Principal& who,
                                                             const v1::LoadInventoryRequest& request) const
{
    const v1::StudyDefinition* def = m_studies.find(request.study_id());
    if (!def || !def->has_randomization())
        return Error{"study_id", "study " + request.study_id() + " has no randomization at this gateway"};
    if (request.site_id().empty() || request.site_id() == "*")
        return Error{"site_id", "name the site the boxes are shipped to"};
    if (request.numbers().empty())
        return Error{"numbers", "no box numbers given"};
    for (uint32_t n : request.numbers())
        if (n == 0)
            return Error{"numbers", "box numbers start at 1"};
    try {
        const std::vector<uint32_t> numbers(request.numbers().begin(), request.numbers().end());
        auto added = m_store.trial().loadInventory(request.study_id(), request.site_id(), numbers, m_clock.nowMs());
        if (!added)
            return added.error();
        m_store.identity().log(SecurityEvent{0, m_clock.nowMs(), who.userId, "inventory.load",
                                             request.study_id() + "/" + request.site_id(),
                                             std::to_string(*added) + " box(es) added"});
        v1::LoadInventoryResponse out;
        out.set_added(*added);
        for (const auto& b : m_store.trial().siteBoxes(request.study_id(), request.site_id()))
            out.set_available(out.available() + (b.subjectId.empty() ? 1 : 0));
        return out;
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
}

Result<v1::LoadAllocationResponse> TrialDomain::loadAllocation(const Principal& who,
                                                               const v1::LoadAllocationRequest& request) const
{
    const v1::StudyDefinition* def = m_studies.find(request.study_id());
    if (!def || !def->has_randomization())
        return Error{"study_id", "study " + request.study_id() + " has no randomization at this gateway"};
    std::vector<std::pair<uint32_t, std::string>> entries;
    for (int i = 0; i < request.entries_size(); ++i) {
        const auto& e = request.entries(i);
        const std::string at = "entries[" + std::to_string(i) + "]";
        if (e.number() == 0)
            return Error{at + ".number", "numbers start at 1"};
        const bool known =
            std::any_of(def->arms().begin(), def->arms().end(), [&](const v1::Arm& a) { return a.id() == e.arm(); });
        if (!known)
            return Error{at + ".arm", "'" + e.arm() + "' is not an arm of " + request.study_id()};
        entries.emplace_back(e.number(), e.arm());
    }
    if (entries.empty())
        return Error{"entries", "the allocation list is empty"};
    try {
        auto loaded = m_store.trial().loadAllocation(request.study_id(), entries, m_clock.nowMs());
        if (!loaded)
            return loaded.error();
        // The security log says that a list was loaded, never what it holds.
        m_store.identity().log(SecurityEvent{0, m_clock.nowMs(), who.userId, "allocation.load", request.study_id(),
                                             std::to_string(*loaded) + " entries"});
        v1::LoadAllocationResponse out;
        out.set_loaded(*loaded);
        return out;
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
}

Result<v1::UnblindResponse> TrialDomain::unblind(const Principal& who, const v1::UnblindRequest& request) const
{
    const v1::StudyDefinition* def = m_studies.find(request.study_id());
    if (!def)
        return Error{"study_id", "unknown study " + request.study_id()};
    if (request.reason().size() < 10)
        return messageError("reason",
                            QT_TRANSLATE_NOOP("Core", "say why the arm must be known now (at least 10 characters)"));
    try {
        auto& trial = m_store.trial();
        const auto box = trial.subjectBox(request.study_id(), request.subject_id());
        if (!box)
            return messageError("subject_id",
                                QT_TRANSLATE_NOOP("Core", "subject %1 has no randomization at the gateway yet"),
                                {request.subject_id()});
        const auto arm = trial.armOf(request.study_id(), box->number);
        if (!arm)
            return messageError(
                "allocation",
                QT_TRANSLATE_NOOP("Core", "the allocation of number %1 is not loaded: call the unblinding line"),
                {std::to_string(box->number)});
        const int64_t now = m_clock.nowMs();
        // Audited before the answer leaves (ICH E9 2.3.1: any unblinding documented; the sponsor is alerted).
        m_store.identity().log(SecurityEvent{0, now, who.userId, "unblind",
                                             request.study_id() + "/" + request.subject_id(),
                                             "reason: " + request.reason()});
        trial.addAlert(AlertRow{0, request.study_id(), "UNBLINDING", box->siteId, request.subject_id(),
                                "emergency unblinding by " + who.userId + ": " + request.reason(), now});
        v1::UnblindResponse out;
        out.set_arm(*arm);
        out.set_number(box->number);
        for (const auto& a : def->arms())
            if (a.id() == *arm)
                out.set_arm_name(a.name());
        return out;
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
}

Result<v1::TrialReportResponse> TrialDomain::report(const v1::TrialReportRequest& request) const
{
    v1::TrialReportResponse out;
    try {
        for (const auto& a : m_store.trial().alerts(request.study_id())) {
            auto* alert = out.add_alerts();
            alert->set_id(a.id);
            alert->set_kind(a.kind);
            alert->set_site_id(a.siteId);
            alert->set_subject_id(a.subjectId);
            alert->set_text(a.text);
            alert->set_at_ms(a.atMs);
        }
        for (const auto& q : m_store.trial().trialQueries(request.study_id())) {
            auto* query = out.add_queries();
            query->set_id(q.id);
            query->set_kind(q.kind);
            query->set_site_id(q.siteId);
            query->set_subject_id(q.subjectId);
            query->set_text(q.text);
            query->set_server_seq(q.serverSeq);
            query->set_opened_at_ms(q.openedAtMs);
        }
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    return out;
}

} // namespace crf::gateway
