// SqlStore: the gateway's storage over db:: connections (embedded SQLite or PostgreSQL). Append-only events; the
// schema of each backend is in sqlite_schema.cpp and pg_schema.cpp.
#include "sql_store.h"
#include "crf/v1/gateway_store.pb.h"
#include "photo_files.h"
#include "sql_identity_store.h"
#include "sql_trial_store.h"
#include "store.h"
#include "stored_form.h"

#include <algorithm>
#include <filesystem>
#include <google/protobuf/arena.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <map>
#include <mutex>
#include <set>

namespace crf::gateway {
namespace {

/// A form instance's key columns (study, subject, visit, form, repeat) as bound at ?1..?5.
struct FormKey {
    std::string studyId, subjectId, visitOid, formOid;
    uint32_t repeat = 0;
    auto operator<=>(const FormKey&) const = default;
};

FormKey formKeyOf(const FieldKey& k)
{
    return {k.studyId, k.subjectId, k.visitOid, k.formOid, k.repeat};
}

/// The stored columns of an accepted event: the event's own bytes (payload) and every other field of the
/// ServerEvent but those with columns of their own (server_meta), so a field added later is never left out.
/// `eventBytes`: the bytes the event was parsed from, stored as they came instead of serializing the event again (a
/// twentieth of the gateway's push: docs/performance.md item 45). readEvent() puts the parts back together.
struct StoredColumns {
    std::string payload, meta;
};

StoredColumns storedColumns(const v1::ServerEvent& se, std::string_view eventBytes)
{
    using google::protobuf::internal::WireFormatLite;
    StoredColumns out;
    out.payload = eventBytes.empty() ? se.event().SerializeAsString() : std::string(eventBytes);
    // The rest is serialized with the event detached for that moment and put back: the record is the caller's,
    // seen by no other thread, and serializing does not change it otherwise.
    auto& detached = const_cast<v1::ServerEvent&>(se);
    struct PutBack {
        v1::ServerEvent& se;
        v1::ChangeEvent* event;
        ~PutBack() { se.unsafe_arena_set_allocated_event(event); }
    } putBack{detached, detached.unsafe_arena_release_event()};
    const std::string rest = detached.SerializeAsString();
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(rest.data()),
                                              static_cast<int>(rest.size()));
    for (;;) {
        const int start = in.CurrentPosition();
        const uint32_t tag = in.ReadTag();
        if (tag == 0)
            break;
        if (!WireFormatLite::SkipField(&in, tag))
            throw db::Error("event " + std::to_string(se.server_seq()) + " cannot be split for storage");
        switch (WireFormatLite::GetTagFieldNumber(tag)) {
        case v1::ServerEvent::kServerSeqFieldNumber:
        case v1::ServerEvent::kReceivedAtMsFieldNumber:
        case v1::ServerEvent::kEventHashFieldNumber:
        case v1::ServerEvent::kServerHashFieldNumber:
            continue; // in their own columns (rows written before kept them here too: read back the same)
        default:
            out.meta.append(rest, static_cast<size_t>(start), static_cast<size_t>(in.CurrentPosition() - start));
        }
    }
    return out;
}

/// Binds a form instance's key without copying it: every caller's key lives in its transaction's map of forms.
db::Statement& bindForm(db::Statement& st, const FormKey& k)
{
    return st.bindView(1, k.studyId)
        .bindView(2, k.subjectId)
        .bindView(3, k.visitOid)
        .bindView(4, k.formOid)
        .bind(5, int64_t{k.repeat});
}

constexpr const char* kFormWhere =
    "study_id = ?1 AND subject_id = ?2 AND visit_oid = ?3 AND form_oid = ?4 AND repeat = ?5";
const std::string kFieldWhere = std::string(kFormWhere) + " AND item_oid = ?6";

db::Statement& bindKey(db::Statement& st, const FieldKey& k)
{
    return st.bind(1, k.studyId)
        .bind(2, k.subjectId)
        .bind(3, k.visitOid)
        .bind(4, k.formOid)
        .bind(5, int64_t{k.repeat})
        .bind(6, k.itemOid);
}

class SqlWriteTransaction final : public WriteTransaction {
public:
    explicit SqlWriteTransaction(db::Lease lease) : m_lease(std::move(lease)), m_db(*m_lease), m_tx(m_db), m_trial(m_db)
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
                                "?1) AS h ORDER BY device_seq DESC LIMIT 1");
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

    void append(const v1::ServerEvent& se, std::string_view eventBytes) override
    {
        const auto& e = se.event();
        static const std::string kInsert =
            "INSERT INTO events (server_seq, device_id, device_seq, event_id, study_id, site_id, subject_id, "
            "received_at_ms, event_hash, server_hash, payload, server_meta) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
        auto& st = m_db.prepare(kInsert);
        const StoredColumns columns = storedColumns(se, eventBytes);
        // Bound without copies: the event and its columns outlive the statement's run, below.
        st.bind(1, static_cast<int64_t>(se.server_seq()))
            .bindView(2, e.device_id())
            .bind(3, static_cast<int64_t>(e.device_seq()))
            .bindView(4, e.event_id())
            .bindView(5, e.study_id())
            .bindView(6, e.site_id())
            .bindView(7, e.form().subject_id())
            .bind(8, se.received_at_ms())
            .bindBlobView(9, se.event_hash())
            .bindBlobView(10, se.server_hash())
            .bindBlobView(11, columns.payload)
            .bindBlobView(12, columns.meta);
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

    std::optional<std::pair<std::string, uint64_t>> eventIdHolder(const std::string& eventId) override
    {
        auto& st = m_db.prepare("SELECT device_id, device_seq FROM events WHERE event_id = ?1");
        st.bindView(1, eventId);
        if (!st.step())
            return std::nullopt;
        return std::pair{st.text(0), static_cast<uint64_t>(st.int64(1))};
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
        const auto f = load(key).field(key.itemOid);
        if (!f)
            return std::nullopt;
        return FieldState{std::string(f->value), std::string(f->unit), f->present,
                          f->valueSeq,           f->lastSeq,           std::string(f->lastDevice)};
    }

    FormMergeState& formState(const FieldKey& form) override { return load(form); }

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
        // On SQLite a plain INSERT or a single-row UPDATE OR FAIL, as the row is known to exist or not: INSERT OR
        // REPLACE opens a statement journal (a copy of every page it touches, in case it must undo part of itself).
        const bool sqlite = m_db.dialect() == db::Dialect::Sqlite;
        const std::string upsert =
            sqlite ? std::string()
                   : db::upsertSql(m_db.dialect(), "form_state",
                                   {"study_id", "subject_id", "visit_oid", "form_oid", "repeat", "fields"}, 5);
        // A row read in this transaction is rewritten by its rowid: the key's search in the primary key's index
        // would find the same row.
        static const std::string kUpdate = "UPDATE OR FAIL form_state SET fields = ?2 WHERE rowid = ?1";
        static const std::string kInsert = "INSERT INTO form_state (study_id, subject_id, visit_oid, form_oid, repeat, "
                                           "fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
        std::string fields;
        for (const auto& [k, form] : m_forms) {
            if (!form.dirty)
                continue;
            form.stored.write(fields); // one buffer for every form of the batch
            if (sqlite && form.held)
                m_db.prepare(kUpdate).bind(1, form.rowid).bindBlobView(2, fields).run();
            else
                bindForm(m_db.prepare(sqlite ? kInsert : upsert), k).bindBlobView(6, fields).run();
        }
        m_tx.commit();
    }

    static v1::ServerEvent readEvent(const db::Statement& st)
    {
        v1::ServerEvent se;
        se.set_server_seq(static_cast<uint64_t>(st.int64(0)));
        se.set_received_at_ms(st.int64(1));
        se.set_event_hash(st.blob(2));
        se.set_server_hash(st.blob(3));
        if (!se.MergeFromString(st.blob(5)))
            throw db::Error("event " + std::to_string(se.server_seq()) + " metadata cannot be parsed");
        se.set_server_seq(static_cast<uint64_t>(st.int64(0)));
        if (!se.mutable_event()->ParseFromString(st.blob(4)))
            throw db::Error("event " + std::to_string(se.server_seq()) + " cannot be parsed");
        return se;
    }

private:
    /// One form instance's projection and open queries, read once per transaction and written back at commit.
    class FormCache final : public FormMergeState {
    public:
        explicit FormCache(google::protobuf::Arena* arena) : stored(arena) {}
        StoredFormBytes stored; // the stored merge state, edited in its bytes
        std::set<std::string> openConflicts;
        bool dirty = false;
        bool held = false; // a form_state row exists (read in this transaction, which no other writer shares)
        int64_t rowid = 0; // that row's on SQLite, which rewrites it by rowid (one B-tree search, not two)

        std::optional<FieldView> field(const std::string& itemOid) override
        {
            const v1::StoredEntry* f = stored.find(itemOid);
            if (!f)
                return std::nullopt;
            return FieldView{f->value(),     f->unit(),     f->present(),
                             f->value_seq(), f->last_seq(), stored.device(f->last_device())};
        }

        void put(const std::string& itemOid, const FieldView& f) override
        {
            v1::StoredEntry& s = stored.edit(itemOid);
            // An empty string is only set over a non-empty one: setting it allocates on the arena all the same.
            if (!f.value.empty() || !s.value().empty())
                s.set_value(f.value.data(), f.value.size());
            if (!f.unit.empty() || !s.unit().empty())
                s.set_unit(f.unit.data(), f.unit.size());
            s.set_present(f.present);
            s.set_value_seq(f.valueSeq);
            s.set_last_seq(f.lastSeq);
            s.set_last_device(stored.deviceIndex(f.lastDevice));
            dirty = true;
        }

        void touch(const std::string& itemOid, uint64_t lastSeq, const std::string& lastDevice) override
        {
            v1::StoredEntry& s = stored.edit(itemOid);
            s.set_last_seq(lastSeq);
            s.set_last_device(stored.deviceIndex(lastDevice));
            dirty = true;
        }

        bool hasOpenConflict(const std::string& itemOid) override { return openConflicts.count(itemOid) > 0; }
    };

    FormCache& load(const FieldKey& key)
    {
        // The merge asks field after field of one form instance: the last one answers without building a key.
        if (m_last && m_lastKey.studyId == key.studyId && m_lastKey.subjectId == key.subjectId &&
            m_lastKey.visitOid == key.visitOid && m_lastKey.formOid == key.formOid && m_lastKey.repeat == key.repeat)
            return *m_last;
        m_lastKey = key;
        m_last = &lookup(key);
        return *m_last;
    }

    FormCache& lookup(const FieldKey& key)
    {
        FormKey k = formKeyOf(key);
        auto it = m_forms.find(k);
        if (it != m_forms.end())
            return it->second;
        // Made in its place in the map: the merge state points into the bytes it holds.
        const auto made = m_forms.try_emplace(std::move(k), &m_arena).first;
        const FormKey& at = made->first;
        FormCache& form = made->second;
        // Built once: prepare() finds its cached statement by the text, which a literal would allocate every call.
        static const std::string kState = std::string("SELECT fields FROM form_state WHERE ") + kFormWhere;
        static const std::string kStateRowid = std::string("SELECT fields, rowid FROM form_state WHERE ") + kFormWhere;
        static const std::string kOpen = std::string("SELECT item_oid FROM conflicts WHERE open = 1 AND ") + kFormWhere;
        const bool sqlite = m_db.dialect() == db::Dialect::Sqlite;
        auto& st = bindForm(m_db.prepare(sqlite ? kStateRowid : kState), at);
        form.held = st.step();
        if (form.held && sqlite)
            form.rowid = st.int64(1);
        if (form.held && !form.stored.read(st.blob(0), form.dirty)) {
            m_forms.erase(at);
            throw db::Error("the merge state of form " + key.formOid + " of subject " + key.subjectId +
                            " cannot be parsed");
        }
        // A query is only ever opened on a field that has a state, written in the same transaction
        // (SyncDomain::merge): a form instance without one has no open query to read.
        if (form.held) {
            auto& open = bindForm(m_db.prepare(kOpen), at);
            while (open.step())
                form.openConflicts.insert(open.text(0));
        }
        return form;
    }

    db::Lease m_lease;
    db::Connection& m_db;
    db::Transaction m_tx;
    TrialOps m_trial;
    // The forms' merge states live in one arena for the transaction: a batch parses and drops thousands of fields.
    google::protobuf::Arena m_arena;
    std::map<FormKey, FormCache> m_forms; // node-based: m_last stays valid as forms are added
    FormCache* m_last = nullptr;
    FieldKey m_lastKey;
};

/// The store over a pool: each call borrows a connection; writes are transactions under the writers' lock.
class SqlStore final : public Store {
public:
    SqlStore(std::unique_ptr<db::Pool> pool, std::unique_ptr<PhotoFiles> files)
        : m_pool(std::move(pool)), m_files(std::move(files)), m_identity(*m_pool), m_trial(*m_pool)
    {
    }

    std::unique_ptr<WriteTransaction> beginWrite() override
    {
        return std::make_unique<SqlWriteTransaction>(m_pool->acquire());
    }

    std::vector<v1::ServerEvent> eventsAfter(uint64_t afterSeq, uint32_t limit) override
    {
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        auto& st = c.prepare("SELECT server_seq, received_at_ms, event_hash, server_hash, payload, server_meta "
                             "FROM events WHERE server_seq > ?1 ORDER BY server_seq LIMIT ?2");
        st.bind(1, static_cast<int64_t>(afterSeq)).bind(2, static_cast<int64_t>(limit));
        std::vector<v1::ServerEvent> out;
        while (st.step())
            out.push_back(SqlWriteTransaction::readEvent(st));
        return out;
    }

    uint64_t eventCount() override { return scalar("SELECT count(*) FROM events"); }

    std::optional<std::string> serverHashAt(uint64_t serverSeq) override
    {
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        auto& st = c.prepare("SELECT server_hash FROM events WHERE server_seq = ?1");
        st.bind(1, static_cast<int64_t>(serverSeq));
        if (!st.step())
            return std::nullopt;
        return st.blob(0);
    }

    std::vector<ConflictRow> conflicts(bool openOnly) override
    {
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        auto& st = c.prepare(std::string("SELECT id, study_id, subject_id, visit_oid, form_oid, repeat, item_oid, "
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
        auto row = photoRow(digest);
        if (!m_files || (row && row->verified) || !PhotoFiles::isDigest(digest)) // a value that names no photo file
            return row;
        const auto held = m_files->state(digest); // an upload in progress: its file is its state
        if (held.totalBytes == 0)
            return std::nullopt;
        return PhotoState{held.totalBytes, held.receivedBytes, false};
    }

    PhotoState photoAppend(const std::string& digest, uint64_t offset, uint64_t totalBytes, const std::string& data,
                           bool verified) override
    {
        if (m_files)
            return photoAppendToFile(digest, offset, totalBytes, data, verified);
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        db::Transaction tx(c, db::Lock::Keyed, digest); // chunks of one photo, one writer at a time
        auto state = photoStateOn(c, digest);
        if (!state) {
            if (offset != 0)
                return {};
            // `data` is the unused column of schema 3 (chunks have their own rows since schema 4).
            c.prepare("INSERT INTO photos (digest, total_bytes, received_bytes, data) VALUES (?1, ?2, 0, ?3)")
                .bind(1, digest)
                .bind(2, static_cast<int64_t>(totalBytes))
                .bindBlob(3, "")
                .run();
            state = PhotoState{totalBytes, 0, false};
        }
        if (state->verified || offset != state->receivedBytes)
            return *state;
        if (data.empty())
            return *state; // nothing to store (a resumed upload that was already complete)
        // Each chunk is written once, as its own row; the commit is durable before the offset is acknowledged.
        c.prepare("INSERT INTO photo_chunks (digest, \"offset\", data) VALUES (?1, ?2, ?3)")
            .bind(1, digest)
            .bind(2, static_cast<int64_t>(offset))
            .bindBlob(3, data)
            .run();
        const bool completes = verified && offset + data.size() == state->totalBytes;
        c.prepare("UPDATE photos SET received_bytes = received_bytes + ?2, verified = ?3 WHERE digest = ?1")
            .bind(1, digest)
            .bind(2, static_cast<int64_t>(data.size()))
            .bind(3, int64_t{completes ? 1 : 0})
            .run();
        tx.commit();
        auto after = *photoStateOn(c, digest);
        after.appended = true;
        return after;
    }

    std::string photoBytes(const std::string& digest) override
    {
        if (m_files) {
            const auto row = photoRow(digest);
            return m_files->read(digest, 0, UINT64_MAX, row && row->verified);
        }
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        auto& st = c.prepare("SELECT data FROM photo_chunks WHERE digest = ?1 ORDER BY \"offset\"");
        st.bind(1, digest);
        std::string out;
        while (st.step())
            out += st.blob(0);
        return out;
    }

    std::string photoRead(const std::string& digest, uint64_t offset, uint32_t maxBytes) override
    {
        if (m_files) {
            const auto row = photoRow(digest);
            return row && row->verified ? m_files->read(digest, offset, maxBytes, true) : std::string();
        }
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        // The chunks overlapping [offset, offset + maxBytes); length() reads the record header, not the blob.
        auto& st = c.prepare("SELECT k.\"offset\", k.data, p.total_bytes FROM photo_chunks k JOIN photos p ON "
                             "p.digest = k.digest WHERE k.digest = ?1 AND p.verified = 1 AND k.\"offset\" < ?3 AND "
                             "k.\"offset\" + length(k.data) > ?2 ORDER BY k.\"offset\"");
        st.bind(1, digest).bind(2, static_cast<int64_t>(offset)).bind(3, static_cast<int64_t>(offset + maxBytes));
        std::string out;
        while (st.step()) {
            if (out.empty()) { // the answer's size is known: one allocation, each chunk copied once
                const auto total = static_cast<uint64_t>(st.int64(2));
                out.reserve(static_cast<size_t>(std::min<uint64_t>(maxBytes, total > offset ? total - offset : 0)));
            }
            const uint64_t at = static_cast<uint64_t>(st.int64(0));
            const uint64_t from = offset + out.size() - at; // continue exactly where the output stands
            st.appendBlob(1, static_cast<size_t>(from), static_cast<size_t>(maxBytes - out.size()), out);
            if (out.size() >= maxBytes)
                break;
        }
        return out;
    }

    void photoMarkVerified(const std::string& digest) override
    {
        if (m_files) {
            const auto held = m_files->state(digest);
            if (held.totalBytes == 0 || held.receivedBytes != held.totalBytes)
                throw db::Error("photo " + digest.substr(0, 12) + " cannot be marked verified: it is not complete");
            insertVerifiedRow(digest, held.totalBytes);
            return;
        }
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        c.prepare("UPDATE photos SET verified = 1 WHERE digest = ?1").bind(1, digest).run();
    }

    void photoDiscard(const std::string& digest) override
    {
        if (m_files) {
            if (auto row = photoRow(digest); !row || !row->verified) // a verified photo is never discarded
                m_files->discard(digest);
            return;
        }
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        db::Transaction tx(c, db::Lock::Keyed, digest);
        c.prepare("DELETE FROM photo_chunks WHERE digest = ?1 AND digest IN (SELECT digest FROM photos WHERE "
                  "verified = 0)")
            .bind(1, digest)
            .run();
        c.prepare("DELETE FROM photos WHERE digest = ?1 AND verified = 0").bind(1, digest).run();
        tx.commit();
    }

    uint64_t photosVerified() override { return scalar("SELECT count(*) FROM photos WHERE verified = 1"); }

    std::vector<std::string> verifiedPhotos() override
    {
        auto lease = m_pool->acquire();
        auto& st = lease->prepare("SELECT digest FROM photos WHERE verified = 1 ORDER BY digest");
        return db::readAll(st, [](db::Statement& r) { return r.text(0); });
    }

    std::vector<RefusedRow> refused(const std::string& deviceId) override
    {
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        auto& st = c.prepare("SELECT payload, event_hash, reason, received_at_ms FROM refused WHERE ?1 = '' OR "
                             "device_id = ?1 ORDER BY device_id, device_seq");
        st.bind(1, deviceId);
        std::vector<RefusedRow> out;
        while (st.step()) {
            RefusedRow r;
            if (!r.event.ParseFromString(st.blob(0)))
                throw db::Error("a refused event cannot be parsed");
            r.eventHash = st.blob(1);
            r.reason = st.text(2);
            r.receivedAtMs = st.int64(3);
            out.push_back(std::move(r));
        }
        return out;
    }

    std::vector<AbsentRange> absentRanges() override
    {
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        auto& st = c.prepare("SELECT device_id, first_seq, last_seq, note FROM absent_links ORDER BY device_id, "
                             "first_seq");
        std::vector<AbsentRange> out;
        while (st.step())
            out.push_back(
                {st.text(0), static_cast<uint64_t>(st.int64(1)), static_cast<uint64_t>(st.int64(2)), st.text(3)});
        return out;
    }

    uint64_t subjectCount() override
    {
        return scalar("SELECT count(*) FROM (SELECT DISTINCT study_id, subject_id FROM events) AS s");
    }
    uint64_t deviceCount() override { return scalar("SELECT count(DISTINCT device_id) FROM events"); }

    void addPhotoSite(const std::string& digest, const std::string& siteId) override
    {
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        c.prepare(db::insertIgnoreSql(c.dialect(), "photo_sites", {"digest", "site_id"}))
            .bind(1, digest)
            .bind(2, siteId)
            .run();
    }

    std::vector<std::string> photoSites(const std::string& digest) override
    {
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        auto& st = c.prepare("SELECT site_id FROM photo_sites WHERE digest = ?1 ORDER BY site_id");
        st.bind(1, digest);
        std::vector<std::string> out;
        while (st.step())
            out.push_back(st.text(0));
        return out;
    }

    IdentityStore& identity() override { return m_identity; }
    TrialStore& trial() override { return m_trial; }

    std::string describe() const override { return m_pool->describe(); }

private:
    std::optional<PhotoState> photoRow(const std::string& digest)
    {
        auto lease = m_pool->acquire();
        return photoStateOn(*lease, digest);
    }

    /// The embedded store's append (PhotoFiles): the chunk is made durable in the photo's file without holding the
    /// database; only the photo's completion is a commit, after its bytes are durable (a crash in between leaves a
    /// complete file without its row, which the next upload of the photo checks and marks verified).
    PhotoState photoAppendToFile(const std::string& digest, uint64_t offset, uint64_t totalBytes,
                                 const std::string& data, bool verified)
    {
        if (auto row = photoRow(digest); row && row->verified)
            return *row;
        const auto held = m_files->append(digest, offset, totalBytes, data);
        PhotoState s{held.totalBytes, held.receivedBytes, false, held.appended};
        if (verified && held.appended && held.receivedBytes == held.totalBytes) {
            insertVerifiedRow(digest, held.totalBytes);
            s.verified = true;
        }
        return s;
    }

    /// The record that the photo's file holds all of it and matches its digest: one durable commit, after which the
    /// row can no longer change (the triggers of schema 3) and the file is read-only.
    void insertVerifiedRow(const std::string& digest, uint64_t totalBytes)
    {
        {
            auto lease = m_pool->acquire();
            db::Connection& c = *lease;
            // `data` is the unused column of schema 3.
            c.prepare(db::insertIgnoreSql(c.dialect(), "photos",
                                          {"digest", "total_bytes", "received_bytes", "data", "verified"}))
                .bind(1, digest)
                .bind(2, static_cast<int64_t>(totalBytes))
                .bind(3, static_cast<int64_t>(totalBytes))
                .bindBlob(4, "")
                .bind(5, int64_t{1})
                .run();
        }
        m_files->seal(digest);
    }

    static std::optional<PhotoState> photoStateOn(db::Connection& c, const std::string& digest)
    {
        auto& st = c.prepare("SELECT total_bytes, received_bytes, verified FROM photos WHERE digest = ?1");
        st.bind(1, digest);
        if (!st.step())
            return std::nullopt;
        return PhotoState{static_cast<uint64_t>(st.int64(0)), static_cast<uint64_t>(st.int64(1)), st.int64(2) != 0};
    }

    uint64_t scalar(const std::string& query)
    {
        auto lease = m_pool->acquire();
        db::Connection& c = *lease;
        auto& st = c.prepare(query);
        st.step();
        return static_cast<uint64_t>(st.int64(0));
    }

    std::unique_ptr<db::Pool> m_pool;
    std::unique_ptr<PhotoFiles> m_files; // the embedded store's photo bytes; null: in the database (photo_chunks)
    SqlIdentityStore m_identity;         // after m_pool: it uses it
    SqlTrialStore m_trial;
};

} // namespace

std::unique_ptr<Store> makeSqlStore(std::unique_ptr<db::Pool> pool, std::unique_ptr<PhotoFiles> photoFiles)
{
    return std::make_unique<SqlStore>(std::move(pool), std::move(photoFiles));
}

} // namespace crf::gateway
