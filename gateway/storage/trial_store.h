// TrialStore: consent status, treatment boxes, allocation list, trial queries and sponsor alerts (schema 7).
#pragma once

#include "result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace crf::gateway {

/// The authoritative consent status of a subject (a projection of the consent-form events).
struct ConsentRow {
    std::string studyId, subjectId, siteId;
    std::string state; // core/consent.h state code
    int64_t includedAtMs = 0, lastDecisionAtMs = 0;
    uint64_t lastSeq = 0; // the event of the last decision
};

/// A numbered treatment box (or allocation-list entry) of a site; used once a randomization names it.
struct BoxRow {
    std::string studyId, siteId;
    uint32_t number = 0;
    std::string subjectId; // empty while available
    uint64_t usedSeq = 0;
    int64_t usedAtMs = 0;
};

/// A data query raised by a consent or randomization rule, for the data manager (never a refused patient).
struct TrialQueryRow {
    uint64_t id = 0;
    std::string studyId, kind, siteId, subjectId, text;
    uint64_t serverSeq = 0;
    int64_t openedAtMs = 0;
};

/// Something the sponsor must know now (an emergency unblinding, a resupply request). Append-only.
struct AlertRow {
    uint64_t id = 0;
    std::string studyId, kind, siteId, subjectId, text;
    int64_t atMs = 0;
};

/// A source-data-verification mark (append-only); whether a later change cleared it is derived from the events.
struct SdvMark {
    uint64_t id = 0;
    std::string studyId, siteId, subjectId, visitOid, formOid;
    uint32_t repeat = 0;
    std::string itemOid; // empty: the whole form instance
    std::string userId;
    int64_t atMs = 0;
    uint64_t atSeq = 0; // the gateway's last event when marked
};

/// A data query opened by hand (append-only) and its steps (append-only); the state is the replay of the steps.
struct QueryRow {
    uint64_t id = 0;
    std::string studyId, siteId, subjectId, visitOid, formOid;
    uint32_t repeat = 0;
    std::string itemOid;
};

struct QueryStepRow {
    uint64_t queryId = 0;
    std::string action, userId, role;
    int64_t atMs = 0;
    std::string text;
};

/// A photo put up for central review behind a random code (schema 10), and the central scores (append-only).
struct ReviewRow {
    std::string code, studyId, digest, subjectId, siteId, visitOid, formOid;
    uint32_t repeat = 0;
};

struct CentralScore {
    std::string code, assessor;
    int score = 0;
    int64_t atMs = 0;
};

/// The part used inside a push transaction (the event and what it implies commit together).
class TrialWrite {
public:
    virtual ~TrialWrite() = default;
    virtual std::optional<ConsentRow> consent(const std::string& studyId, const std::string& subjectId) = 0;
    virtual void putConsent(const ConsentRow& row) = 0;
    virtual std::optional<BoxRow> box(const std::string& studyId, uint32_t number) = 0;
    virtual void useBox(const std::string& studyId, uint32_t number, const std::string& subjectId, uint64_t seq,
                        int64_t atMs) = 0;
    virtual std::vector<BoxRow> siteBoxes(const std::string& studyId, const std::string& siteId) = 0;
    virtual uint64_t openTrialQuery(const TrialQueryRow& row) = 0;
    virtual uint64_t addAlert(const AlertRow& row) = 0;
    /// A resupply request raised for the site and not yet answered by a new load.
    virtual bool resupplyOpen(const std::string& studyId, const std::string& siteId) = 0;
    virtual void setResupplyOpen(const std::string& studyId, const std::string& siteId, bool open) = 0;
    /// The arm allocated to a number (allocation-list checks inside the push; never sent to blinded roles).
    virtual std::optional<std::string> allocatedArm(const std::string& studyId, uint32_t number) = 0;
    /// Data queries (schema 9) inside the push: edit checks open and close their own (QueryDomain::applyEditChecks).
    virtual uint64_t openQuery(const QueryRow& query, const QueryStepRow& first) = 0;
    virtual void addQueryStep(const QueryStepRow& step) = 0;
    /// The queries on one form instance, by id.
    virtual std::vector<QueryRow> formQueries(const std::string& studyId, const std::string& subjectId,
                                              const std::string& visitOid, const std::string& formOid,
                                              uint32_t repeat) = 0;
    virtual std::vector<QueryStepRow> querySteps(uint64_t id) = 0;
};

/// Reads and the loads done outside pushes; each call is its own durable transaction. Thread-safe.
class TrialStore {
public:
    virtual ~TrialStore() = default;
    /// Consent rows of a site (every site when `siteId` is empty).
    virtual std::vector<ConsentRow> consentRows(const std::string& studyId, const std::string& siteId) = 0;
    virtual std::vector<BoxRow> siteBoxes(const std::string& studyId, const std::string& siteId) = 0;
    virtual bool resupplyOpen(const std::string& studyId, const std::string& siteId) = 0;
    /// Adds numbers to a site's inventory (a number already at this site is skipped; at another site: an error
    /// naming it, nothing added) and closes the site's resupply request. Returns how many were added.
    virtual Result<uint32_t> loadInventory(const std::string& studyId, const std::string& siteId,
                                           const std::vector<uint32_t>& numbers, int64_t atMs) = 0;
    /// Stores number -> arm (the same entry again is accepted; a different arm for a loaded number is an error).
    virtual Result<uint32_t> loadAllocation(const std::string& studyId,
                                            const std::vector<std::pair<uint32_t, std::string>>& entries,
                                            int64_t atMs) = 0;
    /// Reading the allocation is for the domain's unblinded paths only (TrialDomain checks the role first).
    virtual std::optional<std::string> armOf(const std::string& studyId, uint32_t number) = 0;
    virtual std::vector<TrialQueryRow> trialQueries(const std::string& studyId) = 0;
    virtual std::vector<AlertRow> alerts(const std::string& studyId) = 0;
    virtual uint64_t addAlert(const AlertRow& row) = 0;
    /// The site a subject belongs to, from its consent status or its box ("" when unknown).
    virtual std::string subjectSite(const std::string& studyId, const std::string& subjectId) = 0;
    /// Source data verification marks (schema 8; append-only).
    virtual uint64_t addSdvMark(const SdvMark& mark) = 0;
    virtual std::vector<SdvMark> sdvMarks(const std::string& studyId, const std::string& siteId) = 0;
    /// Data queries opened by hand (schema 9): the query and its first step in one transaction.
    virtual uint64_t openQuery(const QueryRow& query, const QueryStepRow& first) = 0;
    virtual void addQueryStep(const QueryStepRow& step) = 0;
    virtual std::optional<QueryRow> query(uint64_t id) = 0;
    virtual std::vector<QueryRow> queries(const std::string& studyId, const std::string& siteId) = 0;
    virtual std::vector<QueryStepRow> querySteps(uint64_t id) = 0;
    /// Central review (schema 10).
    virtual std::vector<ReviewRow> reviewItems(const std::string& studyId) = 0;
    virtual void addReviewItem(const ReviewRow& row) = 0;
    virtual void addCentralScore(const CentralScore& score) = 0;
    virtual std::vector<CentralScore> centralScores(const std::string& studyId) = 0;
    /// The box a subject was randomized with.
    virtual std::optional<BoxRow> subjectBox(const std::string& studyId, const std::string& subjectId) = 0;
};

} // namespace crf::gateway
