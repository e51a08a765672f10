// SqliteStore: embedded gateway storage in one SQLite file, WAL + synchronous=FULL for durable acks.
#include "sqlite.h"
#include "store.h"

#include <filesystem>
#include <mutex>

namespace crf::gateway {
namespace {

constexpr int kSchemaVersion = 1;

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

class SqliteStore;

class SqliteWriteTransaction final : public WriteTransaction {
public:
    SqliteWriteTransaction(sql::Database& db, std::unique_lock<std::mutex> lock)
        : m_lock(std::move(lock)), m_db(db), m_tx(db)
    {
    }

    std::optional<v1::ServerEvent> findEvent(const std::string& deviceId, uint64_t deviceSeq) override
    {
        auto& st = m_db.prepare("SELECT server_seq, received_at_ms, event_hash, server_hash, payload FROM events "
                                "WHERE device_id = ?1 AND device_seq = ?2");
        st.bind(1, deviceId).bind(2, static_cast<int64_t>(deviceSeq));
        if (!st.step())
            return std::nullopt;
        return readEvent(st);
    }

    DeviceHead deviceHead(const std::string& deviceId) override
    {
        auto& st = m_db.prepare(
            "SELECT device_seq, event_hash FROM events WHERE device_id = ?1 ORDER BY device_seq DESC LIMIT 1");
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
            "received_at_ms, event_hash, server_hash, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
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
            .bindBlob(11, e.SerializeAsString());
        st.run();
    }

    void commit() override { m_tx.commit(); }

    static v1::ServerEvent readEvent(const sql::Statement& st)
    {
        v1::ServerEvent se;
        se.set_server_seq(static_cast<uint64_t>(st.int64(0)));
        se.set_received_at_ms(st.int64(1));
        se.set_event_hash(st.blob(2));
        se.set_server_hash(st.blob(3));
        if (!se.mutable_event()->ParseFromString(st.blob(4)))
            throw sql::SqlError(SQLITE_CORRUPT, "event " + std::to_string(se.server_seq()) + " cannot be parsed");
        return se;
    }

private:
    std::unique_lock<std::mutex> m_lock;
    sql::Database& m_db;
    sql::Transaction m_tx;
};

/// Embedded store; one connection guarded by a mutex (SQLite serialises writers anyway).
class SqliteStore final : public Store {
public:
    explicit SqliteStore(sql::Database db) : m_db(std::move(db)) {}

    std::unique_ptr<WriteTransaction> beginWrite() override
    {
        std::unique_lock lock(m_mutex);
        return std::make_unique<SqliteWriteTransaction>(m_db, std::move(lock));
    }

    std::vector<v1::ServerEvent> eventsAfter(uint64_t afterSeq, uint32_t limit) override
    {
        std::lock_guard lock(m_mutex);
        auto& st = m_db.prepare("SELECT server_seq, received_at_ms, event_hash, server_hash, payload FROM events "
                                "WHERE server_seq > ?1 ORDER BY server_seq LIMIT ?2");
        st.bind(1, static_cast<int64_t>(afterSeq)).bind(2, static_cast<int64_t>(limit));
        std::vector<v1::ServerEvent> out;
        while (st.step())
            out.push_back(SqliteWriteTransaction::readEvent(st));
        return out;
    }

    uint64_t eventCount() override { return scalar("SELECT count(*) FROM events"); }

    uint64_t subjectCount() override
    {
        return scalar("SELECT count(*) FROM (SELECT DISTINCT study_id, subject_id FROM events)");
    }
    uint64_t deviceCount() override { return scalar("SELECT count(DISTINCT device_id) FROM events"); }

    std::string describe() const override { return "sqlite:" + m_db.path(); }

private:
    uint64_t scalar(const std::string& query)
    {
        std::lock_guard lock(m_mutex);
        auto& st = m_db.prepare(query);
        st.step();
        return static_cast<uint64_t>(st.int64(0));
    }

    std::mutex m_mutex;
    sql::Database m_db;
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
        const int version = db.userVersion();
        if (version > kSchemaVersion)
            return Error{path, "schema version " + std::to_string(version) + " is newer than this gateway (" +
                                   std::to_string(kSchemaVersion) + "); refusing to open"};
        if (version < 1) {
            sql::Transaction tx(db);
            migrateTo1(db);
            db.setUserVersion(1);
            tx.commit();
        }
        return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db)));
    } catch (const sql::SqlError& e) {
        return Error{path, std::string("cannot open gateway store: ") + e.what()};
    }
}

} // namespace crf::gateway
