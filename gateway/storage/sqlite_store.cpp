// SqliteStore: embedded gateway storage in one SQLite file, WAL + synchronous=FULL for durable acks.
#include "crf/v1/gateway_store.pb.h"
#include "sqlite.h"
#include "sqlite_identity_store.h"
#include "sqlite_trial_store.h"
#include "store.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <set>

namespace crf::gateway {
namespace {

constexpr int kSchemaVersion = 11;

// One function per schema version; each runs inside BEGIN IMMEDIATE ... COMMIT (Kasts pattern).
void migrateTo1(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE events (
            server_seq     INTEGER PRIMARY KEY,
            device_id      TEXT    NOT NULL,
            device_seq     INTEGER NOT NULL,
            event_id       TEXT    NOT NULL UNIQUE,
            study_id       TEXT    NOT NULL,
            site_id        TEXT    NOT NULL,
            subject_id     TEXT    NOT NULL,
            received_at_ms INTEGER NOT NULL,
            event_hash     BLOB    NOT NULL,
            server_hash    BLOB    NOT NULL,
            payload        BLOB    NOT NULL,
            UNIQUE (device_id, device_seq)
        );
        CREATE INDEX events_subject ON events (study_id, subject_id);
        -- 21 CFR 11.10(e): the audit trail must not be altered or obscured; the database itself refuses.
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only: update refused'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only: delete refused'); END;
    )sql");
}

// Version 2: what the gateway adds to each accepted event (skew, conflict notes, resolutions), stored as a
// serialized ServerEvent without its event; the field projection for the three-way merge; conflicts (data queries).
void migrateTo2(sql::Database& db)
{
    db.exec(R"sql(
        ALTER TABLE events ADD COLUMN server_meta BLOB NOT NULL DEFAULT x'';
        CREATE TABLE field_state (
            study_id TEXT NOT NULL, subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL,
            repeat INTEGER NOT NULL, item_oid TEXT NOT NULL,
            value TEXT NOT NULL, unit TEXT NOT NULL, present INTEGER NOT NULL,
            value_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, last_device TEXT NOT NULL,
            PRIMARY KEY (study_id, subject_id, visit_oid, form_oid, repeat, item_oid));
        CREATE TABLE conflicts (
            id INTEGER PRIMARY KEY,
            study_id TEXT NOT NULL, subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL,
            repeat INTEGER NOT NULL, item_oid TEXT NOT NULL,
            kept_seq INTEGER NOT NULL, other_seq INTEGER NOT NULL,
            open INTEGER NOT NULL, resolved_by_seq INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX conflicts_field ON conflicts (study_id, subject_id, visit_oid, form_oid, repeat, item_oid, open);
        CREATE TABLE refused (
            device_id TEXT NOT NULL, device_seq INTEGER NOT NULL, event_hash BLOB NOT NULL, reason TEXT NOT NULL,
            received_at_ms INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (device_id, device_seq));
        CREATE TRIGGER refused_no_update BEFORE UPDATE ON refused
            BEGIN SELECT RAISE(ABORT, 'refused events are append-only: update refused'); END;
        CREATE TRIGGER refused_no_delete BEFORE DELETE ON refused
            BEGIN SELECT RAISE(ABORT, 'refused events are append-only: delete refused'); END;
    )sql");
}

// Version 3: photos, stored once per digest; a verified photo can no longer be changed or removed.
void migrateTo3(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE photos (
            digest TEXT PRIMARY KEY, total_bytes INTEGER NOT NULL, received_bytes INTEGER NOT NULL,
            data BLOB NOT NULL, verified INTEGER NOT NULL DEFAULT 0);
        CREATE TRIGGER photos_verified_no_update BEFORE UPDATE ON photos WHEN OLD.verified = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
        CREATE TRIGGER photos_verified_no_delete BEFORE DELETE ON photos WHEN OLD.verified = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
    )sql");
}

// Version 4: photo bytes as one row per received chunk. Version 3 rewrote the whole growing blob at every chunk
// (quadratic in the photo's size); now each chunk is written once. Existing photos move into one chunk each, byte for
// byte; the immutability of verified photos now guards their chunks.
void migrateTo4(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE photo_chunks (
            digest TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (digest, offset));
        INSERT INTO photo_chunks (digest, offset, data) SELECT digest, 0, data FROM photos WHERE length(data) > 0;
        DROP TRIGGER photos_verified_no_update;
        UPDATE photos SET data = x'';
        CREATE TRIGGER photos_verified_no_update BEFORE UPDATE ON photos WHEN OLD.verified = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
        CREATE TRIGGER photo_chunks_verified_no_update BEFORE UPDATE ON photo_chunks
            WHEN (SELECT verified FROM photos WHERE digest = OLD.digest) = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
        CREATE TRIGGER photo_chunks_verified_no_delete BEFORE DELETE ON photo_chunks
            WHEN (SELECT verified FROM photos WHERE digest = OLD.digest) = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
    )sql");
}

// Version 5: the merge projection as one row per form instance (a serialized StoredForm) instead of one row per
// field: a push touches 2 rows per form, not 2 per field (crf-bench: most of the push time went there).
/// A form instance's key columns (study, subject, visit, form, repeat) as bound at ?1..?5.
using FormKey = std::vector<std::string>;

FormKey formKeyOf(const FieldKey& k)
{
    return {k.studyId, k.subjectId, k.visitOid, k.formOid, std::to_string(k.repeat)};
}

sql::Statement& bindForm(sql::Statement& st, const FormKey& k)
{
    return st.bind(1, k[0]).bind(2, k[1]).bind(3, k[2]).bind(4, k[3]).bind(5, static_cast<int64_t>(std::stoll(k[4])));
}

void migrateTo5(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE form_state (
            study_id TEXT NOT NULL, subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL,
            repeat INTEGER NOT NULL, fields BLOB NOT NULL,
            PRIMARY KEY (study_id, subject_id, visit_oid, form_oid, repeat));
    )sql");
    auto& rows = db.prepare("SELECT study_id, subject_id, visit_oid, form_oid, repeat, item_oid, value, unit, present, "
                            "value_seq, last_seq, last_device FROM field_state ORDER BY study_id, subject_id, "
                            "visit_oid, form_oid, repeat");
    std::vector<std::pair<FormKey, v1::StoredForm>> forms;
    while (rows.step()) {
        std::vector<std::string> key{rows.text(0), rows.text(1), rows.text(2), rows.text(3),
                                     std::to_string(rows.int64(4))};
        if (forms.empty() || forms.back().first != key)
            forms.emplace_back(key, v1::StoredForm{});
        auto& f = (*forms.back().second.mutable_fields())[rows.text(5)];
        f.set_value(rows.text(6));
        f.set_unit(rows.text(7));
        f.set_present(rows.int64(8) != 0);
        f.set_value_seq(static_cast<uint64_t>(rows.int64(9)));
        f.set_last_seq(static_cast<uint64_t>(rows.int64(10)));
        f.set_last_device(rows.text(11));
    }
    for (const auto& [key, form] : forms)
        bindForm(db.prepare("INSERT INTO form_state (study_id, subject_id, visit_oid, form_oid, repeat, fields) VALUES "
                            "(?1, ?2, ?3, ?4, ?5, ?6)"),
                 key)
            .bindBlob(6, form.SerializeAsString())
            .run();
    db.exec("DROP TABLE field_state;");
}

// Identity (docs/security.md): accounts are never deleted, grants end rather than vanish, and the security log is
// append-only (triggers), so permission changes stay reviewable (FDA Q&A 2024 Q11; ICH E6(R3) 4.3.8).
void migrateTo6(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE users (
            user_id TEXT PRIMARY KEY, printed_name TEXT NOT NULL, password_hash TEXT NOT NULL,
            created_at_ms INTEGER NOT NULL, disabled_at_ms INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0, locked_until_ms INTEGER NOT NULL DEFAULT 0);
        CREATE TRIGGER users_never_deleted BEFORE DELETE ON users
            BEGIN SELECT RAISE(ABORT, 'accounts are disabled, never deleted'); END;
        CREATE TABLE grants (
            id INTEGER PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(user_id), role TEXT NOT NULL,
            study_id TEXT NOT NULL, site_id TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL DEFAULT 0,
            granted_by TEXT NOT NULL, ended_by TEXT NOT NULL DEFAULT '');
        CREATE INDEX grants_user ON grants (user_id);
        CREATE TRIGGER grants_never_deleted BEFORE DELETE ON grants
            BEGIN SELECT RAISE(ABORT, 'grants end, they are never deleted'); END;
        CREATE TABLE devices (
            device_id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL, enrolled_by TEXT NOT NULL,
            enrolled_at_ms INTEGER NOT NULL, revoked_at_ms INTEGER NOT NULL DEFAULT 0,
            revoked_by TEXT NOT NULL DEFAULT '');
        CREATE TABLE sessions (
            token_hash BLOB PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT NOT NULL,
            created_at_ms INTEGER NOT NULL, expires_at_ms INTEGER NOT NULL, ended_at_ms INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE security_log (
            id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            target TEXT NOT NULL, detail TEXT NOT NULL);
        CREATE TRIGGER security_log_no_update BEFORE UPDATE ON security_log
            BEGIN SELECT RAISE(ABORT, 'the security log is append-only'); END;
        CREATE TRIGGER security_log_no_delete BEFORE DELETE ON security_log
            BEGIN SELECT RAISE(ABORT, 'the security log is append-only'); END;
        CREATE TABLE photo_sites (digest TEXT NOT NULL, site_id TEXT NOT NULL, PRIMARY KEY (digest, site_id));
    )sql");
}

// Consent and randomization (docs/consent.md, docs/randomization.md).
void migrateTo7(sql::Database& db)
{
    SqliteTrialOps::migrate(db);
}

// Source data verification marks (docs/sponsor.md).
void migrateTo8(sql::Database& db)
{
    SqliteTrialOps::migrateSdv(db);
}

// Data queries (docs/sponsor.md).
void migrateTo9(sql::Database& db)
{
    SqliteTrialOps::migrateQueries(db);
}

// Central review of the mottling photos (docs/sponsor.md).
void migrateTo10(sql::Database& db)
{
    SqliteTrialOps::migrateReview(db);
}

// Device sequence ranges an import did not bring (docs/sponsor.md "Import"): append-only like the events; an
// index for the queries of a form instance (edit checks, docs/sponsor.md "Queries").
void migrateTo11(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE absent_links (
            device_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, note TEXT NOT NULL,
            PRIMARY KEY (device_id, first_seq));
        CREATE TRIGGER absent_links_no_update BEFORE UPDATE ON absent_links
            BEGIN SELECT RAISE(ABORT, 'absent links are append-only'); END;
        CREATE TRIGGER absent_links_no_delete BEFORE DELETE ON absent_links
            BEGIN SELECT RAISE(ABORT, 'absent links are append-only'); END;
        -- Edit checks look up a form instance's queries inside each push.
        CREATE INDEX data_queries_form ON data_queries (study_id, subject_id, visit_oid, form_oid, repeat);
    )sql");
}

using Migration = void (*)(sql::Database&);
constexpr Migration kMigrations[] = {migrateTo1, migrateTo2, migrateTo3, migrateTo4,  migrateTo5, migrateTo6,
                                     migrateTo7, migrateTo8, migrateTo9, migrateTo10, migrateTo11};

const char* kFieldWhere = "study_id = ?1 AND subject_id = ?2 AND visit_oid = ?3 AND form_oid = ?4 AND repeat = ?5 "
                          "AND item_oid = ?6";

sql::Statement& bindKey(sql::Statement& st, const FieldKey& k)
{
    return bindForm(st, formKeyOf(k)).bind(6, k.itemOid);
}

class SqliteStore;

class SqliteWriteTransaction final : public WriteTransaction {
public:
    SqliteWriteTransaction(sql::Database& db, std::unique_lock<std::mutex> lock)
        : m_lock(std::move(lock)), m_db(db), m_tx(db), m_trial(db)
    {
    }

    TrialWrite& trial() override { return m_trial; }

    std::optional<v1::ServerEvent> findEvent(const std::string& deviceId, uint64_t deviceSeq) override
    {
        auto& st = m_db.prepare("SELECT server_seq, received_at_ms, event_hash, server_hash, payload, server_meta "
                                "FROM events WHERE device_id = ?1 AND device_seq = ?2");
        st.bind(1, deviceId).bind(2, static_cast<int64_t>(deviceSeq));
        if (!st.step())
            return std::nullopt;
        return readEvent(st);
    }

    DeviceHead deviceHead(const std::string& deviceId) override
    {
        // The chain runs through accepted and refused events alike.
        auto& st = m_db.prepare("SELECT device_seq, event_hash FROM (SELECT device_seq, event_hash FROM events WHERE "
                                "device_id = ?1 UNION ALL SELECT device_seq, event_hash FROM refused WHERE device_id = "
                                "?1) ORDER BY device_seq DESC LIMIT 1");
        st.bind(1, deviceId);
        if (!st.step())
            return {};
        return {static_cast<uint64_t>(st.int64(0)), st.blob(1)};
    }

    ServerHead serverHead() override
    {
        auto& st = m_db.prepare("SELECT server_seq, server_hash FROM events ORDER BY server_seq DESC LIMIT 1");
        if (!st.step())
            return {};
        return {static_cast<uint64_t>(st.int64(0)), st.blob(1)};
    }

    void append(const v1::ServerEvent& se) override
    {
        const auto& e = se.event();
        auto& st = m_db.prepare(
            "INSERT INTO events (server_seq, device_id, device_seq, event_id, study_id, site_id, subject_id, "
            "received_at_ms, event_hash, server_hash, payload, server_meta) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
        v1::ServerEvent meta = se;
        meta.clear_event();
        st.bind(1, static_cast<int64_t>(se.server_seq()))
            .bind(2, e.device_id())
            .bind(3, static_cast<int64_t>(e.device_seq()))
            .bind(4, e.event_id())
            .bind(5, e.study_id())
            .bind(6, e.site_id())
            .bind(7, e.form().subject_id())
            .bind(8, se.received_at_ms())
            .bindBlob(9, se.event_hash())
            .bindBlob(10, se.server_hash())
            .bindBlob(11, e.SerializeAsString())
            .bindBlob(12, meta.SerializeAsString());
        st.run();
    }

    void appendRefused(const v1::ChangeEvent& e, const std::string& eventHash, const std::string& reason,
                       int64_t receivedAtMs) override
    {
        m_db.prepare("INSERT INTO refused (device_id, device_seq, event_hash, reason, received_at_ms, payload) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .bind(1, e.device_id())
            .bind(2, static_cast<int64_t>(e.device_seq()))
            .bindBlob(3, eventHash)
            .bind(4, reason)
            .bind(5, receivedAtMs)
            .bindBlob(6, e.SerializeAsString())
            .run();
    }

    void recordAbsent(const std::string& deviceId, uint64_t firstSeq, uint64_t lastSeq,
                      const std::string& note) override
    {
        m_db.prepare("INSERT INTO absent_links (device_id, first_seq, last_seq, note) VALUES (?1, ?2, ?3, ?4)")
            .bind(1, deviceId)
            .bind(2, static_cast<int64_t>(firstSeq))
            .bind(3, static_cast<int64_t>(lastSeq))
            .bind(4, note)
            .run();
    }

    std::optional<std::pair<std::string, std::string>> findRefused(const std::string& deviceId,
                                                                   uint64_t deviceSeq) override
    {
        auto& st = m_db.prepare("SELECT event_hash, reason FROM refused WHERE device_id = ?1 AND device_seq = ?2");
        st.bind(1, deviceId).bind(2, static_cast<int64_t>(deviceSeq));
        if (!st.step())
            return std::nullopt;
        return std::pair{st.blob(0), st.text(1)};
    }

    std::optional<FieldState> fieldState(const FieldKey& key) override
    {
        const auto& form = load(key);
        auto it = form.fields.find(key.itemOid);
        if (it == form.fields.end())
            return std::nullopt;
        return it->second;
    }

    void putFieldState(const FieldKey& key, const FieldState& f) override
    {
        auto& form = load(key);
        form.fields[key.itemOid] = f;
        form.dirty = true;
    }

    uint64_t openConflict(const FieldKey& key, uint64_t keptSeq, uint64_t otherSeq) override
    {
        bindKey(m_db.prepare("INSERT INTO conflicts (study_id, subject_id, visit_oid, form_oid, repeat, item_oid, "
                             "kept_seq, other_seq, open) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)"),
                key)
            .bind(7, static_cast<int64_t>(keptSeq))
            .bind(8, static_cast<int64_t>(otherSeq))
            .run();
        load(key).openConflicts.insert(key.itemOid);
        return static_cast<uint64_t>(m_db.lastInsertRowId());
    }

    bool hasOpenConflict(const FieldKey& key) override { return load(key).openConflicts.count(key.itemOid) > 0; }

    void resolveConflicts(const FieldKey& key, uint64_t resolvedBySeq) override
    {
        bindKey(m_db.prepare(std::string("UPDATE conflicts SET open = 0, resolved_by_seq = ?7 WHERE open = 1 AND ") +
                             kFieldWhere),
                key)
            .bind(7, static_cast<int64_t>(resolvedBySeq))
            .run();
        load(key).openConflicts.erase(key.itemOid);
    }

    void commit() override
    {
        // The projection rows changed by this batch, one write per form instance, inside the same transaction.
        for (const auto& [k, form] : m_forms) {
            if (!form.dirty)
                continue;
            v1::StoredForm stored;
            for (const auto& [item, f] : form.fields) {
                auto& s = (*stored.mutable_fields())[item];
                s.set_value(f.value);
                s.set_unit(f.unit);
                s.set_present(f.present);
                s.set_value_seq(f.valueSeq);
                s.set_last_seq(f.lastSeq);
                s.set_last_device(f.lastDevice);
            }
            bindForm(
                m_db.prepare("INSERT OR REPLACE INTO form_state (study_id, subject_id, visit_oid, form_oid, repeat, "
                             "fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                k)
                .bindBlob(6, stored.SerializeAsString())
                .run();
        }
        m_tx.commit();
    }

    static v1::ServerEvent readEvent(const sql::Statement& st)
    {
        v1::ServerEvent se;
        se.set_server_seq(static_cast<uint64_t>(st.int64(0)));
        se.set_received_at_ms(st.int64(1));
        se.set_event_hash(st.blob(2));
        se.set_server_hash(st.blob(3));
        if (!se.MergeFromString(st.blob(5)))
            throw sql::SqlError(SQLITE_CORRUPT,
                                "event " + std::to_string(se.server_seq()) + " metadata cannot be parsed");
        se.set_server_seq(static_cast<uint64_t>(st.int64(0)));
        if (!se.mutable_event()->ParseFromString(st.blob(4)))
            throw sql::SqlError(SQLITE_CORRUPT, "event " + std::to_string(se.server_seq()) + " cannot be parsed");
        return se;
    }

private:
    /// One form instance's projection and open queries, read once per transaction and written back at commit.
    struct FormCache {
        std::map<std::string, FieldState> fields;
        std::set<std::string> openConflicts;
        bool dirty = false;
    };

    FormCache& load(const FieldKey& key)
    {
        FormKey k = formKeyOf(key);
        auto it = m_forms.find(k);
        if (it != m_forms.end())
            return it->second;
        FormCache form;
        const char* where = "study_id = ?1 AND subject_id = ?2 AND visit_oid = ?3 AND form_oid = ?4 AND repeat = ?5";
        auto& st = bindForm(m_db.prepare(std::string("SELECT fields FROM form_state WHERE ") + where), k);
        if (st.step()) {
            v1::StoredForm stored;
            if (!stored.ParseFromString(st.blob(0)))
                throw sql::SqlError(SQLITE_CORRUPT, "the merge state of form " + key.formOid + " of subject " +
                                                        key.subjectId + " cannot be parsed");
            for (const auto& [item, f] : stored.fields())
                form.fields[item] =
                    FieldState{f.value(), f.unit(), f.present(), f.value_seq(), f.last_seq(), f.last_device()};
        }
        auto& open =
            bindForm(m_db.prepare(std::string("SELECT item_oid FROM conflicts WHERE open = 1 AND ") + where), k);
        while (open.step())
            form.openConflicts.insert(open.text(0));
        return m_forms.emplace(std::move(k), std::move(form)).first->second;
    }

    std::unique_lock<std::mutex> m_lock;
    sql::Database& m_db;
    sql::Transaction m_tx;
    SqliteTrialOps m_trial;
    std::map<FormKey, FormCache> m_forms;
};

/// Embedded store; one connection guarded by a mutex (SQLite serialises writers anyway).
class SqliteStore final : public Store {
public:
    explicit SqliteStore(sql::Database db) : m_db(std::move(db)), m_identity(m_db, m_mutex), m_trial(m_db, m_mutex) {}

    std::unique_ptr<WriteTransaction> beginWrite() override
    {
        std::unique_lock lock(m_mutex);
        return std::make_unique<SqliteWriteTransaction>(m_db, std::move(lock));
    }

    std::vector<v1::ServerEvent> eventsAfter(uint64_t afterSeq, uint32_t limit) override
    {
        std::lock_guard lock(m_mutex);
        auto& st = m_db.prepare("SELECT server_seq, received_at_ms, event_hash, server_hash, payload, server_meta "
                                "FROM events WHERE server_seq > ?1 ORDER BY server_seq LIMIT ?2");
        st.bind(1, static_cast<int64_t>(afterSeq)).bind(2, static_cast<int64_t>(limit));
        std::vector<v1::ServerEvent> out;
        while (st.step())
            out.push_back(SqliteWriteTransaction::readEvent(st));
        return out;
    }

    uint64_t eventCount() override { return scalar("SELECT count(*) FROM events"); }

    std::vector<ConflictRow> conflicts(bool openOnly) override
    {
        std::lock_guard lock(m_mutex);
        auto& st = m_db.prepare(std::string("SELECT id, study_id, subject_id, visit_oid, form_oid, repeat, item_oid, "
                                            "kept_seq, other_seq, open, resolved_by_seq FROM conflicts") +
                                (openOnly ? " WHERE open = 1" : "") + " ORDER BY id");
        std::vector<ConflictRow> out;
        while (st.step()) {
            ConflictRow c;
            c.id = static_cast<uint64_t>(st.int64(0));
            c.field = {st.text(1), st.text(2), st.text(3), st.text(4), static_cast<uint32_t>(st.int64(5)), st.text(6)};
            c.keptSeq = static_cast<uint64_t>(st.int64(7));
            c.otherSeq = static_cast<uint64_t>(st.int64(8));
            c.open = st.int64(9) != 0;
            c.resolvedBySeq = static_cast<uint64_t>(st.int64(10));
            out.push_back(std::move(c));
        }
        return out;
    }

    uint64_t refusedCount() override { return scalar("SELECT count(*) FROM refused"); }

    std::optional<PhotoState> photoState(const std::string& digest) override
    {
        std::lock_guard lock(m_mutex);
        return photoStateLocked(digest);
    }

    PhotoState photoAppend(const std::string& digest, uint64_t offset, uint64_t totalBytes,
                           const std::string& data) override
    {
        std::lock_guard lock(m_mutex);
        sql::Transaction tx(m_db);
        auto state = photoStateLocked(digest);
        if (!state) {
            if (offset != 0)
                return {};
            m_db.prepare("INSERT INTO photos (digest, total_bytes, received_bytes, data) VALUES (?1, ?2, 0, x'')")
                .bind(1, digest)
                .bind(2, static_cast<int64_t>(totalBytes))
                .run();
            state = PhotoState{totalBytes, 0, false};
        }
        if (state->verified || offset != state->receivedBytes)
            return *state;
        if (data.empty())
            return *state; // nothing to store (a resumed upload that was already complete)
        // Each chunk is written once, as its own row; the commit is durable before the offset is acknowledged.
        m_db.prepare("INSERT INTO photo_chunks (digest, offset, data) VALUES (?1, ?2, ?3)")
            .bind(1, digest)
            .bind(2, static_cast<int64_t>(offset))
            .bindBlob(3, data)
            .run();
        m_db.prepare("UPDATE photos SET received_bytes = received_bytes + ?2 WHERE digest = ?1")
            .bind(1, digest)
            .bind(2, static_cast<int64_t>(data.size()))
            .run();
        tx.commit();
        auto after = *photoStateLocked(digest);
        after.appended = true;
        return after;
    }

    std::string photoBytes(const std::string& digest) override
    {
        std::lock_guard lock(m_mutex);
        auto& st = m_db.prepare("SELECT data FROM photo_chunks WHERE digest = ?1 ORDER BY offset");
        st.bind(1, digest);
        std::string out;
        while (st.step())
            out += st.blob(0);
        return out;
    }

    std::string photoRead(const std::string& digest, uint64_t offset, uint32_t maxBytes) override
    {
        std::lock_guard lock(m_mutex);
        // The chunks overlapping [offset, offset + maxBytes); length() reads the record header, not the blob.
        auto& st = m_db.prepare("SELECT c.offset, c.data FROM photo_chunks c JOIN photos p ON p.digest = c.digest "
                                "WHERE c.digest = ?1 AND p.verified = 1 AND c.offset < ?3 AND "
                                "c.offset + length(c.data) > ?2 ORDER BY c.offset");
        st.bind(1, digest).bind(2, static_cast<int64_t>(offset)).bind(3, static_cast<int64_t>(offset + maxBytes));
        std::string out;
        while (st.step()) {
            const uint64_t at = static_cast<uint64_t>(st.int64(0));
            const std::string chunk = st.blob(1);
            const uint64_t from = offset + out.size() - at; // continue exactly where the output stands
            if (from >= chunk.size())
                continue;
            out.append(chunk, static_cast<size_t>(from), static_cast<size_t>(maxBytes - out.size()));
            if (out.size() >= maxBytes)
                break;
        }
        return out;
    }

    void photoMarkVerified(const std::string& digest) override
    {
        std::lock_guard lock(m_mutex);
        m_db.prepare("UPDATE photos SET verified = 1 WHERE digest = ?1").bind(1, digest).run();
    }

    void photoDiscard(const std::string& digest) override
    {
        std::lock_guard lock(m_mutex);
        sql::Transaction tx(m_db);
        m_db.prepare("DELETE FROM photo_chunks WHERE digest = ?1 AND digest IN (SELECT digest FROM photos WHERE "
                     "verified = 0)")
            .bind(1, digest)
            .run();
        m_db.prepare("DELETE FROM photos WHERE digest = ?1 AND verified = 0").bind(1, digest).run();
        tx.commit();
    }

    uint64_t photosVerified() override { return scalar("SELECT count(*) FROM photos WHERE verified = 1"); }

    std::vector<RefusedRow> refused(const std::string& deviceId) override
    {
        std::lock_guard lock(m_mutex);
        auto& st = m_db.prepare("SELECT payload, event_hash, reason, received_at_ms FROM refused WHERE ?1 = '' OR "
                                "device_id = ?1 ORDER BY device_id, device_seq");
        st.bind(1, deviceId);
        std::vector<RefusedRow> out;
        while (st.step()) {
            RefusedRow r;
            if (!r.event.ParseFromString(st.blob(0)))
                throw sql::SqlError(SQLITE_CORRUPT, "a refused event cannot be parsed");
            r.eventHash = st.blob(1);
            r.reason = st.text(2);
            r.receivedAtMs = st.int64(3);
            out.push_back(std::move(r));
        }
        return out;
    }

    std::vector<AbsentRange> absentRanges() override
    {
        std::lock_guard lock(m_mutex);
        auto& st = m_db.prepare("SELECT device_id, first_seq, last_seq, note FROM absent_links ORDER BY device_id, "
                                "first_seq");
        std::vector<AbsentRange> out;
        while (st.step())
            out.push_back(
                {st.text(0), static_cast<uint64_t>(st.int64(1)), static_cast<uint64_t>(st.int64(2)), st.text(3)});
        return out;
    }

    uint64_t subjectCount() override
    {
        return scalar("SELECT count(*) FROM (SELECT DISTINCT study_id, subject_id FROM events)");
    }
    uint64_t deviceCount() override { return scalar("SELECT count(DISTINCT device_id) FROM events"); }

    void addPhotoSite(const std::string& digest, const std::string& siteId) override
    {
        std::lock_guard lock(m_mutex);
        m_db.prepare("INSERT OR IGNORE INTO photo_sites (digest, site_id) VALUES (?1, ?2)")
            .bind(1, digest)
            .bind(2, siteId)
            .run();
    }

    std::vector<std::string> photoSites(const std::string& digest) override
    {
        std::lock_guard lock(m_mutex);
        auto& st = m_db.prepare("SELECT site_id FROM photo_sites WHERE digest = ?1 ORDER BY site_id");
        st.bind(1, digest);
        std::vector<std::string> out;
        while (st.step())
            out.push_back(st.text(0));
        return out;
    }

    IdentityStore& identity() override { return m_identity; }
    TrialStore& trial() override { return m_trial; }

    std::string describe() const override { return "sqlite:" + m_db.path(); }

private:
    std::optional<PhotoState> photoStateLocked(const std::string& digest)
    {
        auto& st = m_db.prepare("SELECT total_bytes, received_bytes, verified FROM photos WHERE digest = ?1");
        st.bind(1, digest);
        if (!st.step())
            return std::nullopt;
        return PhotoState{static_cast<uint64_t>(st.int64(0)), static_cast<uint64_t>(st.int64(1)), st.int64(2) != 0};
    }

    uint64_t scalar(const std::string& query)
    {
        std::lock_guard lock(m_mutex);
        auto& st = m_db.prepare(query);
        st.step();
        return static_cast<uint64_t>(st.int64(0));
    }

    std::mutex m_mutex;
    sql::Database m_db;
    SqliteIdentityStore m_identity; // after m_db: it uses it
    SqliteTrialStore m_trial;
};

} // namespace

Result<std::unique_ptr<Store>> openSqliteStore(const std::string& dataDir)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dataDir, ec);
    if (ec)
        return Error{dataDir, "cannot create data directory: " + ec.message()};
    const std::string path = (fs::path(dataDir) / "gateway.db").string();
    try {
        sql::Database db(path, sql::Database::Mode::CreateIfMissing);
        // Durability before acknowledgement: WAL with a full fsync at every commit.
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = FULL");
        db.exec("PRAGMA foreign_keys = ON");
        int version = db.userVersion();
        if (version > kSchemaVersion)
            return Error{path, "schema version " + std::to_string(version) + " is newer than this gateway (" +
                                   std::to_string(kSchemaVersion) + "); refusing to open"};
        // One migration step per version, each in its own transaction.
        for (; version < kSchemaVersion; ++version) {
            sql::Transaction tx(db);
            kMigrations[version](db);
            db.setUserVersion(version + 1);
            tx.commit();
        }
        return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db)));
    } catch (const sql::SqlError& e) {
        return Error{path, std::string("cannot open gateway store: ") + e.what()};
    }
}

} // namespace crf::gateway
