// SqlTrialStore: TrialStore over the gateway's SQL connections (SQLite or PostgreSQL; docs/operations.md).
#pragma once

#include "sql_db.h"
#include "trial_store.h"

namespace crf::gateway {

/// The trial tables' SQL, on a connection whose lock and transaction the caller holds. Used by the push transaction
/// (as its TrialWrite) and by SqlTrialStore.
class TrialOps : public TrialWrite {
public:
    explicit TrialOps(db::Connection& db) : m_db(db) {}
    std::optional<ConsentRow> consent(const std::string& studyId, const std::string& subjectId) override;
    void putConsent(const ConsentRow& row) override;
    std::optional<BoxRow> box(const std::string& studyId, uint32_t number) override;
    void useBox(const std::string& studyId, uint32_t number, const std::string& subjectId, uint64_t seq,
                int64_t atMs) override;
    std::vector<BoxRow> siteBoxes(const std::string& studyId, const std::string& siteId) override;
    uint64_t openTrialQuery(const TrialQueryRow& row) override;
    uint64_t addAlert(const AlertRow& row) override;
    bool resupplyOpen(const std::string& studyId, const std::string& siteId) override;
    void setResupplyOpen(const std::string& studyId, const std::string& siteId, bool open) override;
    std::optional<std::string> allocatedArm(const std::string& studyId, uint32_t number) override;
    uint64_t openQuery(const QueryRow& query, const QueryStepRow& first) override;
    void addQueryStep(const QueryStepRow& step) override;
    std::vector<QueryRow> formQueries(const std::string& studyId, const std::string& subjectId,
                                      const std::string& visitOid, const std::string& formOid,
                                      uint32_t repeat) override;
    std::vector<QueryStepRow> querySteps(uint64_t id) override;
    std::optional<BoxRow> subjectBox(const std::string& studyId, const std::string& subjectId);

    std::vector<ConsentRow> consentRows(const std::string& studyId, const std::string& siteId);
    std::vector<TrialQueryRow> trialQueries(const std::string& studyId);
    std::vector<AlertRow> alerts(const std::string& studyId);

protected:
    db::Connection& m_db;
};

/// Borrows a connection of the store's pool per call; writes take the writers' lock like event writes.
class SqlTrialStore final : public TrialStore {
public:
    explicit SqlTrialStore(db::Pool& pool) : m_pool(pool) {}

    std::vector<ConsentRow> consentRows(const std::string& studyId, const std::string& siteId) override;
    std::vector<BoxRow> siteBoxes(const std::string& studyId, const std::string& siteId) override;
    bool resupplyOpen(const std::string& studyId, const std::string& siteId) override;
    Result<uint32_t> loadInventory(const std::string& studyId, const std::string& siteId,
                                   const std::vector<uint32_t>& numbers, int64_t atMs) override;
    Result<uint32_t> loadAllocation(const std::string& studyId,
                                    const std::vector<std::pair<uint32_t, std::string>>& entries,
                                    int64_t atMs) override;
    std::optional<std::string> armOf(const std::string& studyId, uint32_t number) override;
    std::vector<TrialQueryRow> trialQueries(const std::string& studyId) override;
    std::vector<AlertRow> alerts(const std::string& studyId) override;
    uint64_t addAlert(const AlertRow& row) override;
    std::string subjectSite(const std::string& studyId, const std::string& subjectId) override;
    std::optional<BoxRow> subjectBox(const std::string& studyId, const std::string& subjectId) override;
    uint64_t addSdvMark(const SdvMark& mark) override;
    std::vector<SdvMark> sdvMarks(const std::string& studyId, const std::string& siteId) override;
    uint64_t openQuery(const QueryRow& query, const QueryStepRow& first) override;
    void addQueryStep(const QueryStepRow& step) override;
    std::optional<QueryRow> query(uint64_t id) override;
    std::vector<QueryRow> queries(const std::string& studyId, const std::string& siteId) override;
    std::vector<QueryStepRow> querySteps(uint64_t id) override;
    std::vector<ReviewRow> reviewItems(const std::string& studyId) override;
    void addReviewItem(const ReviewRow& row) override;
    void addCentralScore(const CentralScore& score) override;
    std::vector<CentralScore> centralScores(const std::string& studyId) override;

private:
    db::Pool& m_pool;
};

} // namespace crf::gateway
