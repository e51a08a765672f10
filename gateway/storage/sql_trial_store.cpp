#include "sql_trial_store.h"

namespace crf::gateway {
namespace {

using db::readAll;

ConsentRow readConsent(const db::Statement& st)
{
    return ConsentRow{
        st.text(0), st.text(1), st.text(2), st.text(3), st.int64(4), st.int64(5), static_cast<uint64_t>(st.int64(6))};
}

const char* kConsentColumns = "study_id, subject_id, site_id, state, included_at_ms, last_decision_at_ms, last_seq";

BoxRow readBox(const db::Statement& st)
{
    return BoxRow{
        st.text(0), st.text(1), static_cast<uint32_t>(st.int64(2)), st.text(3), static_cast<uint64_t>(st.int64(4)),
        st.int64(5)};
}

const char* kBoxColumns = "study_id, site_id, number, subject_id, used_seq, used_at_ms";

} // namespace

std::optional<ConsentRow> TrialOps::consent(const std::string& studyId, const std::string& subjectId)
{
    auto& st = m_db.prepare(std::string("SELECT ") + kConsentColumns +
                            " FROM consent_status WHERE study_id = ?1 AND subject_id = ?2");
    st.bind(1, studyId).bind(2, subjectId);
    if (!st.step())
        return std::nullopt;
    return readConsent(st);
}

void TrialOps::putConsent(const ConsentRow& r)
{
    m_db
        .prepare(db::upsertSql(
            m_db.dialect(), "consent_status",
            {"study_id", "subject_id", "site_id", "state", "included_at_ms", "last_decision_at_ms", "last_seq"}, 2))
        .bind(1, r.studyId)
        .bind(2, r.subjectId)
        .bind(3, r.siteId)
        .bind(4, r.state)
        .bind(5, r.includedAtMs)
        .bind(6, r.lastDecisionAtMs)
        .bind(7, static_cast<int64_t>(r.lastSeq))
        .run();
}

std::optional<BoxRow> TrialOps::box(const std::string& studyId, uint32_t number)
{
    auto& st = m_db.prepare(std::string("SELECT ") + kBoxColumns + " FROM boxes WHERE study_id = ?1 AND number = ?2");
    st.bind(1, studyId).bind(2, static_cast<int64_t>(number));
    if (!st.step())
        return std::nullopt;
    return readBox(st);
}

void TrialOps::useBox(const std::string& studyId, uint32_t number, const std::string& subjectId, uint64_t seq,
                      int64_t atMs)
{
    m_db.prepare("UPDATE boxes SET subject_id = ?3, used_seq = ?4, used_at_ms = ?5 WHERE study_id = ?1 AND number = "
                 "?2 AND subject_id = ''")
        .bind(1, studyId)
        .bind(2, static_cast<int64_t>(number))
        .bind(3, subjectId)
        .bind(4, static_cast<int64_t>(seq))
        .bind(5, atMs)
        .run();
}

std::vector<BoxRow> TrialOps::siteBoxes(const std::string& studyId, const std::string& siteId)
{
    auto& st = m_db.prepare(std::string("SELECT ") + kBoxColumns +
                            " FROM boxes WHERE study_id = ?1 AND site_id = ?2 ORDER BY number");
    st.bind(1, studyId).bind(2, siteId);
    return readAll(st, readBox);
}

uint64_t TrialOps::openTrialQuery(const TrialQueryRow& r)
{
    m_db.prepare("INSERT INTO trial_queries (study_id, kind, site_id, subject_id, text, server_seq, opened_at_ms) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, r.studyId)
        .bind(2, r.kind)
        .bind(3, r.siteId)
        .bind(4, r.subjectId)
        .bind(5, r.text)
        .bind(6, static_cast<int64_t>(r.serverSeq))
        .bind(7, r.openedAtMs)
        .run();
    return static_cast<uint64_t>(m_db.lastInsertRowId());
}

uint64_t TrialOps::addAlert(const AlertRow& r)
{
    m_db.prepare("INSERT INTO sponsor_alerts (study_id, kind, site_id, subject_id, text, at_ms) VALUES (?1, ?2, ?3, "
                 "?4, ?5, ?6)")
        .bind(1, r.studyId)
        .bind(2, r.kind)
        .bind(3, r.siteId)
        .bind(4, r.subjectId)
        .bind(5, r.text)
        .bind(6, r.atMs)
        .run();
    return static_cast<uint64_t>(m_db.lastInsertRowId());
}

bool TrialOps::resupplyOpen(const std::string& studyId, const std::string& siteId)
{
    auto& st = m_db.prepare("SELECT open FROM resupply WHERE study_id = ?1 AND site_id = ?2");
    st.bind(1, studyId).bind(2, siteId);
    return st.step() && st.int64(0) != 0;
}

void TrialOps::setResupplyOpen(const std::string& studyId, const std::string& siteId, bool open)
{
    m_db.prepare(db::upsertSql(m_db.dialect(), "resupply", {"study_id", "site_id", "open"}, 2))
        .bind(1, studyId)
        .bind(2, siteId)
        .bind(3, static_cast<int64_t>(open))
        .run();
}

std::optional<std::string> TrialOps::allocatedArm(const std::string& studyId, uint32_t number)
{
    auto& st = m_db.prepare("SELECT arm FROM allocation WHERE study_id = ?1 AND number = ?2");
    st.bind(1, studyId).bind(2, static_cast<int64_t>(number));
    if (!st.step())
        return std::nullopt;
    return st.text(0);
}

std::optional<BoxRow> TrialOps::subjectBox(const std::string& studyId, const std::string& subjectId)
{
    auto& st = m_db.prepare(std::string("SELECT ") + kBoxColumns +
                            " FROM boxes WHERE study_id = ?1 AND subject_id = ?2 ORDER BY used_seq LIMIT 1");
    st.bind(1, studyId).bind(2, subjectId);
    if (!st.step())
        return std::nullopt;
    return readBox(st);
}

std::vector<ConsentRow> TrialOps::consentRows(const std::string& studyId, const std::string& siteId)
{
    auto& st = m_db.prepare(std::string("SELECT ") + kConsentColumns +
                            " FROM consent_status WHERE study_id = ?1 AND (?2 = '' OR site_id = ?2) "
                            "ORDER BY site_id, included_at_ms, subject_id");
    st.bind(1, studyId).bind(2, siteId);
    return readAll(st, readConsent);
}

std::vector<TrialQueryRow> TrialOps::trialQueries(const std::string& studyId)
{
    auto& st = m_db.prepare("SELECT id, study_id, kind, site_id, subject_id, text, server_seq, opened_at_ms FROM "
                            "trial_queries WHERE study_id = ?1 ORDER BY id");
    st.bind(1, studyId);
    return readAll(st, [](const db::Statement& s) {
        return TrialQueryRow{static_cast<uint64_t>(s.int64(0)), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5),
                             static_cast<uint64_t>(s.int64(6)), s.int64(7)};
    });
}

std::vector<AlertRow> TrialOps::alerts(const std::string& studyId)
{
    auto& st = m_db.prepare("SELECT id, study_id, kind, site_id, subject_id, text, at_ms FROM sponsor_alerts WHERE "
                            "study_id = ?1 ORDER BY id");
    st.bind(1, studyId);
    return readAll(st, [](const db::Statement& s) {
        return AlertRow{
            static_cast<uint64_t>(s.int64(0)), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.int64(6)};
    });
}

std::vector<ConsentRow> SqlTrialStore::consentRows(const std::string& studyId, const std::string& siteId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    return ops.consentRows(studyId, siteId);
}

std::vector<BoxRow> SqlTrialStore::siteBoxes(const std::string& studyId, const std::string& siteId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    return ops.siteBoxes(studyId, siteId);
}

bool SqlTrialStore::resupplyOpen(const std::string& studyId, const std::string& siteId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    return ops.resupplyOpen(studyId, siteId);
}

Result<uint32_t> SqlTrialStore::loadInventory(const std::string& studyId, const std::string& siteId,
                                              const std::vector<uint32_t>& numbers, int64_t atMs)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    db::Transaction tx(c);
    uint32_t added = 0;
    for (uint32_t n : numbers) {
        if (auto existing = ops.box(studyId, n)) {
            if (existing->siteId != siteId)
                return Error{"box " + std::to_string(n),
                             "already belongs to site " + existing->siteId + ": nothing was loaded"};
            continue;
        }
        c.prepare("INSERT INTO boxes (study_id, number, site_id, loaded_at_ms) VALUES (?1, ?2, ?3, ?4)")
            .bind(1, studyId)
            .bind(2, static_cast<int64_t>(n))
            .bind(3, siteId)
            .bind(4, atMs)
            .run();
        ++added;
    }
    ops.setResupplyOpen(studyId, siteId, false);
    tx.commit();
    return added;
}

Result<uint32_t> SqlTrialStore::loadAllocation(const std::string& studyId,
                                               const std::vector<std::pair<uint32_t, std::string>>& entries,
                                               int64_t atMs)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    db::Transaction tx(c);
    uint32_t loaded = 0;
    for (const auto& [number, arm] : entries) {
        auto& st = c.prepare("SELECT arm FROM allocation WHERE study_id = ?1 AND number = ?2");
        st.bind(1, studyId).bind(2, static_cast<int64_t>(number));
        if (st.step()) {
            if (st.text(0) != arm)
                return Error{"allocation number " + std::to_string(number),
                             "already loaded with another arm: the list is never changed once loaded; nothing was "
                             "loaded"};
            continue;
        }
        c.prepare("INSERT INTO allocation (study_id, number, arm, loaded_at_ms) VALUES (?1, ?2, ?3, ?4)")
            .bind(1, studyId)
            .bind(2, static_cast<int64_t>(number))
            .bind(3, arm)
            .bind(4, atMs)
            .run();
        ++loaded;
    }
    tx.commit();
    return loaded;
}

std::optional<std::string> SqlTrialStore::armOf(const std::string& studyId, uint32_t number)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    return ops.allocatedArm(studyId, number);
}

std::string SqlTrialStore::subjectSite(const std::string& studyId, const std::string& subjectId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    if (auto c = ops.consent(studyId, subjectId))
        return c->siteId;
    if (auto b = ops.subjectBox(studyId, subjectId))
        return b->siteId;
    return {};
}

std::optional<BoxRow> SqlTrialStore::subjectBox(const std::string& studyId, const std::string& subjectId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    return ops.subjectBox(studyId, subjectId);
}

std::vector<TrialQueryRow> SqlTrialStore::trialQueries(const std::string& studyId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    return ops.trialQueries(studyId);
}

std::vector<AlertRow> SqlTrialStore::alerts(const std::string& studyId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    return ops.alerts(studyId);
}

uint64_t SqlTrialStore::addAlert(const AlertRow& row)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    db::Transaction tx(c);
    const uint64_t id = ops.addAlert(row);
    tx.commit();
    return id;
}

uint64_t SqlTrialStore::addSdvMark(const SdvMark& m)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    db::Transaction tx(c);
    c.prepare("INSERT INTO sdv_marks (study_id, site_id, subject_id, visit_oid, form_oid, repeat, item_oid, user_id, "
              "at_ms, at_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
        .bind(1, m.studyId)
        .bind(2, m.siteId)
        .bind(3, m.subjectId)
        .bind(4, m.visitOid)
        .bind(5, m.formOid)
        .bind(6, static_cast<int64_t>(m.repeat))
        .bind(7, m.itemOid)
        .bind(8, m.userId)
        .bind(9, m.atMs)
        .bind(10, static_cast<int64_t>(m.atSeq))
        .run();
    const auto id = static_cast<uint64_t>(c.lastInsertRowId());
    tx.commit();
    return id;
}

std::vector<SdvMark> SqlTrialStore::sdvMarks(const std::string& studyId, const std::string& siteId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    auto& st = c.prepare("SELECT id, study_id, site_id, subject_id, visit_oid, form_oid, repeat, item_oid, user_id, "
                         "at_ms, at_seq FROM sdv_marks WHERE study_id = ?1 AND (?2 = '' OR site_id = ?2) ORDER BY id");
    st.bind(1, studyId).bind(2, siteId);
    return readAll(st, [](const db::Statement& r) {
        return SdvMark{static_cast<uint64_t>(r.int64(0)),
                       r.text(1),
                       r.text(2),
                       r.text(3),
                       r.text(4),
                       r.text(5),
                       static_cast<uint32_t>(r.int64(6)),
                       r.text(7),
                       r.text(8),
                       r.int64(9),
                       static_cast<uint64_t>(r.int64(10))};
    });
}

namespace {
void insertStep(db::Connection& db, const QueryStepRow& step)
{
    db.prepare("INSERT INTO query_steps (query_id, action, user_id, role, at_ms, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, static_cast<int64_t>(step.queryId))
        .bind(2, step.action)
        .bind(3, step.userId)
        .bind(4, step.role)
        .bind(5, step.atMs)
        .bind(6, step.text)
        .run();
}

QueryRow readQuery(const db::Statement& r)
{
    return QueryRow{static_cast<uint64_t>(r.int64(0)), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5),
                    static_cast<uint32_t>(r.int64(6)), r.text(7)};
}

const char* kQueryColumns = "id, study_id, site_id, subject_id, visit_oid, form_oid, repeat, item_oid";
} // namespace

uint64_t TrialOps::openQuery(const QueryRow& q, const QueryStepRow& first)
{
    m_db.prepare("INSERT INTO data_queries (study_id, site_id, subject_id, visit_oid, form_oid, repeat, item_oid) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, q.studyId)
        .bind(2, q.siteId)
        .bind(3, q.subjectId)
        .bind(4, q.visitOid)
        .bind(5, q.formOid)
        .bind(6, static_cast<int64_t>(q.repeat))
        .bind(7, q.itemOid)
        .run();
    const auto id = static_cast<uint64_t>(m_db.lastInsertRowId());
    QueryStepRow step = first;
    step.queryId = id;
    insertStep(m_db, step);
    return id;
}

void TrialOps::addQueryStep(const QueryStepRow& step)
{
    insertStep(m_db, step);
}

std::vector<QueryRow> TrialOps::formQueries(const std::string& studyId, const std::string& subjectId,
                                            const std::string& visitOid, const std::string& formOid, uint32_t repeat)
{
    auto& st = m_db.prepare(std::string("SELECT ") + kQueryColumns +
                            " FROM data_queries WHERE study_id = ?1 AND subject_id = ?2 AND visit_oid = ?3 AND "
                            "form_oid = ?4 AND repeat = ?5 ORDER BY id");
    st.bind(1, studyId).bind(2, subjectId).bind(3, visitOid).bind(4, formOid).bind(5, static_cast<int64_t>(repeat));
    return readAll(st, readQuery);
}

std::vector<QueryStepRow> TrialOps::querySteps(uint64_t id)
{
    auto& st = m_db.prepare("SELECT query_id, action, user_id, role, at_ms, text FROM query_steps WHERE query_id = ?1 "
                            "ORDER BY id");
    st.bind(1, static_cast<int64_t>(id));
    return readAll(st, [](const db::Statement& r) {
        return QueryStepRow{static_cast<uint64_t>(r.int64(0)), r.text(1), r.text(2), r.text(3), r.int64(4), r.text(5)};
    });
}

uint64_t SqlTrialStore::openQuery(const QueryRow& q, const QueryStepRow& first)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    db::Transaction tx(c);
    const uint64_t id = ops.openQuery(q, first);
    tx.commit();
    return id;
}

void SqlTrialStore::addQueryStep(const QueryStepRow& step)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    db::Transaction tx(c);
    ops.addQueryStep(step);
    tx.commit();
}

std::optional<QueryRow> SqlTrialStore::query(uint64_t id)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    auto& st = c.prepare(std::string("SELECT ") + kQueryColumns + " FROM data_queries WHERE id = ?1");
    st.bind(1, static_cast<int64_t>(id));
    return db::readOne(st, readQuery);
}

std::vector<QueryRow> SqlTrialStore::queries(const std::string& studyId, const std::string& siteId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    auto& st = c.prepare(std::string("SELECT ") + kQueryColumns +
                         " FROM data_queries WHERE study_id = ?1 AND (?2 = '' OR site_id = ?2) ORDER BY id");
    st.bind(1, studyId).bind(2, siteId);
    return readAll(st, readQuery);
}

std::vector<QueryStepRow> SqlTrialStore::querySteps(uint64_t id)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    return ops.querySteps(id);
}

std::vector<ReviewRow> SqlTrialStore::reviewItems(const std::string& studyId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    auto& st = c.prepare("SELECT code, study_id, digest, subject_id, site_id, visit_oid, form_oid, repeat FROM "
                         "review_items WHERE study_id = ?1 ORDER BY code");
    st.bind(1, studyId);
    return readAll(st, [](const db::Statement& r) {
        return ReviewRow{r.text(0), r.text(1), r.text(2), r.text(3),
                         r.text(4), r.text(5), r.text(6), static_cast<uint32_t>(r.int64(7))};
    });
}

void SqlTrialStore::addReviewItem(const ReviewRow& row)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    c.prepare(db::insertIgnoreSql(
                  c.dialect(), "review_items",
                  {"code", "study_id", "digest", "subject_id", "site_id", "visit_oid", "form_oid", "repeat"}))
        .bind(1, row.code)
        .bind(2, row.studyId)
        .bind(3, row.digest)
        .bind(4, row.subjectId)
        .bind(5, row.siteId)
        .bind(6, row.visitOid)
        .bind(7, row.formOid)
        .bind(8, static_cast<int64_t>(row.repeat))
        .run();
}

void SqlTrialStore::addCentralScore(const CentralScore& score)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    c.prepare("INSERT INTO central_scores (code, assessor, score, at_ms) VALUES (?1, ?2, ?3, ?4)")
        .bind(1, score.code)
        .bind(2, score.assessor)
        .bind(3, static_cast<int64_t>(score.score))
        .bind(4, score.atMs)
        .run();
}

std::vector<CentralScore> SqlTrialStore::centralScores(const std::string& studyId)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    TrialOps ops(c);
    auto& st = c.prepare("SELECT s.code, s.assessor, s.score, s.at_ms FROM central_scores s JOIN review_items r ON "
                         "r.code = s.code WHERE r.study_id = ?1 ORDER BY s.id");
    st.bind(1, studyId);
    return readAll(st, [](const db::Statement& r) {
        return CentralScore{r.text(0), r.text(1), static_cast<int>(r.int64(2)), r.int64(3)};
    });
}

} // namespace crf::gateway
