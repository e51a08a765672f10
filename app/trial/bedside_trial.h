// BedsideTrial: consent and randomization rules as the tablet applies them offline (docs/consent.md,
// docs/randomization.md). Runs on the storage thread against the tablet store; the gateway checks again on sync.
#pragma once

#include "casebook.h"
#include "consent.h"
#include "crf/v1/study.pb.h"
#include "crf/v1/trial.pb.h"
#include "tablet_store.h"
#include "titration.h"

#include <optional>
#include <string>
#include <vector>

namespace crf::app::trial {

/// Where a subject's consent stands on this tablet (its own decisions and those pulled from other tablets).
struct ConsentView {
    consent::State state = consent::State::NotIncluded;
    consent::Rights rights = consent::rights(consent::State::NotIncluded);
    std::optional<int64_t> includedAtMs;
    std::vector<consent::Decision> decisions; // in repeat order
    uint32_t nextRepeat = 0;                  // where the next decision goes (repeats count from 0, as on screen #1)
    std::string problem; // decisions that do not follow one another (two tablets offline): the gateway arbitrates
};
Result<ConsentView> consentOf(store::TabletStore& store, const v1::StudyDefinition& def, const std::string& subjectId);

/// Refuses, naming why, a save the consent rules forbid: a decision that does not follow from the subject's status,
/// a change to a recorded decision, or new study data where participation stopped (the consent form and the study's
/// always-open forms, safety and vital status, stay open).
Status checkSave(store::TabletStore& store, const v1::StudyDefinition& def, const store::SaveRequest& request);

/// A message the gateway last sent, as kept in this tablet's encrypted store (empty before the first sync).
template <typename Msg> Result<Msg> cachedMessage(store::TabletStore& store, const std::string& key)
{
    auto bytes = store.cached(key);
    if (!bytes)
        return bytes.error();
    Msg msg;
    if (!bytes->empty() && !msg.ParseFromString(*bytes))
        return Error{"cache " + key, "the copy kept on this tablet is unreadable: sync again"};
    return msg;
}

/// The cache keys of what the gateway last sent for a site.
std::string inventoryKey(const std::string& studyId, const std::string& siteId);
std::string worklistKey(const std::string& studyId, const std::string& siteId);
std::string queriesKey(const std::string& studyId, const std::string& siteId);
std::string answersKey(const std::string& studyId, const std::string& siteId);
std::string titrationKey(const std::string& studyId, const std::string& subjectId);

/// The site's data queries as this tablet knows them: the gateway's last list with the answers not yet sent applied
/// (state ANSWERED, answer_pending), and the answers the gateway refused since.
struct SiteQueries {
    v1::ListQueriesResponse list;
    std::vector<Message> refused; // "M-3: <the gateway's reason>", worded in parts
};
Result<SiteQueries> siteQueries(store::TabletStore& store, const std::string& studyId, const std::string& siteId);

/// Keeps an answer given at the bedside (offline too) for the next sync. Only queries with steps (M-...) take
/// answers, and only while open; a conflict or a randomization query is settled by saving a value with its reason.
/// Returns the query as the site now sees it.
/// After sending the pending answer to `queryId`: drops it from the outbox and either keeps the query as the gateway
/// returned it or records the gateway's refusal with its wording (the site reads it on the query list).
Status settleAnswer(store::TabletStore& store, const std::string& studyId, const std::string& siteId,
                    const std::string& queryId, const Result<v1::DataQuery>& sent);

Result<v1::DataQuery> queueAnswer(store::TabletStore& store, const std::string& studyId, const std::string& siteId,
                                  const std::string& userId, const std::string& role, const std::string& queryId,
                                  const std::string& text, int64_t nowMs);

/// What the tablet proposes: the lowest number of its site that neither the gateway nor this tablet has seen used.
struct Proposal {
    bool boxes = true;   // treatment boxes (arm hidden); false: allocation list (arm revealed at randomization)
    uint32_t number = 0; // 0: no inventory on this tablet yet (take the lowest box on the shelf)
    int available = 0;   // numbers left after this one, as far as this tablet knows
    bool inventoryKnown = false;
    bool alreadyRandomized = false;
    uint32_t existingNumber = 0;
    Message note; // plain words for the screen
    std::string codeBreakProcedure;
};
Result<Proposal> propose(store::TabletStore& store, const v1::StudyDefinition& def, const std::string& siteId,
                         const std::string& subjectId);

/// The dosing plan shown at randomization: IBW and the rate of every step, the same whatever the arm (FACTS "Ideal
/// body weight and infusion rates"). Read from the definition's infusion_rate derivations and the subject's values.
struct DosingPlan {
    bool applies = false; // the study defines weight-based rates (I-MICRO); false for IgM-FAT
    double ibwKg = 0;     // unrounded
    double concentrationUgPerMl = 0;
    std::vector<std::pair<double, double>> steps; // dose ng/kg/min -> rate mL/h (unrounded)
    std::string problem;                          // e.g. height missing: named for the screen
    titration::Schedule schedule() const;
};
Result<DosingPlan> dosingPlan(store::TabletStore& store, const v1::StudyDefinition& def, const std::string& subjectId);

/// A randomization ready to save: the confirmed number, the time, and for an allocation list the arm revealed.
struct Randomization {
    store::SaveRequest save;
    uint32_t number = 0;
    std::string arm, armName; // allocation list only
    bool differsFromProposal = false;
    Message note;
};
/// Refuses a number below 1, a subject already randomized, a subject not eligible (verdict not met) or, for an
/// allocation list, a number whose arm has not reached this tablet. A number other than the proposal is allowed (the
/// box on the shelf wins) and noted: the gateway raises the query if it was out of order.
Result<Randomization> prepareRandomization(store::TabletStore& store, const v1::StudyDefinition& def,
                                           const std::string& siteId, const std::string& subjectId,
                                           uint32_t confirmedNumber, const std::string& nowIso);

/// One scheduled form of a subject's casebook (docs/bedside.md "Casebook"): its entries and what needs attention.
struct CasebookForm {
    std::string visitOid, formOid;
    int entries = 0;                       // saved instances (a repeating form: one per entry)
    study::Fill fill = study::Fill::Empty; // the least filled of its entries (those entered in error left out)
    bool signedIntact = false;             // signed, and unchanged since (21 CFR 11.70)
    bool signatureBroken = false;          // signed, then changed: sign again
    bool conflict = false;                 // two tablets changed a value concurrently (a data query is open)
    bool queryOpen = false;                // an open or answered data query on the form
    bool pending = false;                  // changes saved here and not yet at the gateway
    bool enteredInError = false;           // every entry marked entered in error
    bool repeating = false;                // a log (adverse events, treatments, measurements...)
    /// Data still expected: not complete, not entered in error; a log with no entry is not (nothing to record).
    bool toFill() const { return !enteredInError && fill != study::Fill::Complete && !(repeating && entries == 0); }
};
struct CasebookView {
    std::optional<int64_t> d0Ms;     // the randomization time (study day 0), once recorded
    std::vector<CasebookForm> forms; // in schedule order, visit by visit
};
/// From this tablet's store alone (offline), with the site's queries as the last sync brought them.
Result<CasebookView> casebookOf(store::TabletStore& store, const v1::StudyDefinition& def, const std::string& subjectId,
                                const std::string& siteId);

/// One subject of the site dashboard: the casebook overview and where consent stands.
struct SubjectOverview {
    std::string subjectId;
    CasebookView casebook;
    bool consentAwaited = false; // included in an emergency or by a relative: the patient's decision is still due
    std::string consentLabel;
};
/// Every subject of this tablet's store, for the site dashboard (offline).
Result<std::vector<SubjectOverview>> siteOverview(store::TabletStore& store, const v1::StudyDefinition& def,
                                                  const std::string& siteId);

} // namespace crf::app::trial
