// The embedded driver of db:: over crf::sql (SQLite 3.15 through SQLCipher without a key).
#include "sql_db.h"
#include "sqlite.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace crf::gateway::db {

namespace {

class SqliteStatement final : public Statement {
public:
    explicit SqliteStatement(sql::Statement& st) : m_st(st) {}
    Statement& bind(int idx, int64_t v) override { return m_st.bind(idx, v), *this; }
    Statement& bind(int idx, const std::string& v) override { return m_st.bind(idx, v), *this; }
    Statement& bindBlob(int idx, std::string_view v) override { return m_st.bindBlob(idx, v), *this; }
    bool step() override { return m_st.step(); }
    void run() override { m_st.run(); }
    int64_t int64(int col) const override { return m_st.int64(col); }
    std::string text(int col) const override { return m_st.text(col); }
    std::string blob(int col) const override { return m_st.blob(col); }
    void appendBlob(int col, size_t from, size_t count, std::string& out) const override
    {
        const std::string_view v = m_st.blobView(col);
        if (from < v.size())
            out.append(v.substr(from, count));
    }

private:
    sql::Statement& m_st;
};

class SqliteConnection final : public Connection {
public:
    explicit SqliteConnection(sql::Database db) : m_db(std::move(db)) {}

    Statement& prepare(const std::string& sql) override
    {
        sql::Statement& st = m_db.prepare(sql); // cached and reset by crf::sql
        auto& slot = m_statements[&st];
        if (!slot)
            slot = std::make_unique<SqliteStatement>(st);
        return *slot;
    }
    void exec(std::string_view sql) override { m_db.exec(sql); }
    int64_t lastInsertRowId() override { return m_db.lastInsertRowId(); }
    int changes() override { return m_db.changes(); }
    Dialect dialect() const override { return Dialect::Sqlite; }
    // One connection behind the pool's mutex: every transaction is already the only writer.
    void begin(Lock, const std::string&) override
    {
        m_db.releaseReads();
        m_db.exec("BEGIN IMMEDIATE");
    }
    void commit() override
    {
        m_db.releaseReads(); // the checkpoint that may follow the commit is not held back by this connection
        m_db.exec("COMMIT");
    }
    /// Ends the reads the lease left open (crf::sql::Database::releaseReads).
    void releaseReads() { m_db.releaseReads(); }
    void rollback() override { m_db.exec("ROLLBACK"); }
    const std::string& path() const { return m_db.path(); }
    sql::Database& database() { return m_db; }

private:
    sql::Database m_db;
    std::map<const sql::Statement*, std::unique_ptr<SqliteStatement>> m_statements;
};

/// Copies the write-ahead logs into the database files on a thread of its own, so the writer does not wait for it.
///
/// SQLite's own checkpoint runs inside the commit that takes a log past 1,000 pages: the writer copies the pages and
/// waits for the file's fsync before it answers, and every push queued behind it waits too. Here the writer's
/// commits only signal; a second connection copies with PASSIVE checkpoints, which never block the writer or
/// readers (sqlite.org/c3ref/wal_checkpoint_v2.html). A log starts again from its beginning only when a write
/// begins with every frame copied, so the writer copies the last few frames itself when the thread is nearly done,
/// and copies everything itself past a hard limit: the logs stay bounded even under a steady stream of pushes. Each
/// attached file (photos.db) has its own log, followed apart.
class Checkpointer {
public:
    /// When a log is copied, in frames: from `start` on by the thread; by the writer when at most `inlined` are
    /// left to copy (so the log can restart) or past `hard`. gateway.db has 4 KiB pages and photos.db 64 KiB pages:
    /// both start at 4 MiB (SQLite's default of 1,000 pages) and are copied by the writer past 16 MiB.
    struct Limits {
        int start, inlined, hard;
    };
    static constexpr Limits kLimits[2] = {{1000, 256, 4000}, {64, 16, 256}};

    Checkpointer(sql::Database& writer, const std::string& path, const std::function<void(sql::Database&)>& attach)
        : m_writer(writer), m_own(path, sql::Database::Mode::OpenExisting)
    {
        if (attach)
            attach(m_own);
        m_thread = std::thread([this] { run(); });
        sqlite3_wal_hook(m_writer.handle(), &Checkpointer::onCommit, this); // replaces the automatic checkpoint
    }
    ~Checkpointer()
    {
        sqlite3_wal_hook(m_writer.handle(), nullptr, nullptr);
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

private:
    static constexpr int kSchemas = 2; // main, and the one attached file
    int slotOf(const char* schema) const { return std::string_view(schema) == "main" ? 0 : 1; }

    /// After every commit of the writer, in its thread, with the number of frames now in that file's log.
    static int onCommit(void* self, sqlite3* db, const char* schema, int frames)
    {
        auto& c = *static_cast<Checkpointer*>(self);
        const int slot = c.slotOf(schema);
        const Limits& limits = kLimits[slot];
        if (frames < limits.start)
            return SQLITE_OK;
        int copied = c.m_copied[slot].load();
        if (copied > frames)
            copied = 0; // counted in a log that has started again since
        if (frames - copied <= limits.inlined || frames >= limits.hard) {
            int log = 0, done = 0;
            if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK)
                c.m_copied[slot] = done;
            return SQLITE_OK; // a checkpoint that could not run is tried again after the next commit
        }
        {
            std::lock_guard lock(c.m_mutex);
            c.m_pending[slot] = true;
        }
        c.m_wake.notify_one();
        return SQLITE_OK;
    }

    void run()
    {
        static const char* const kNames[kSchemas] = {"main", "photo_store"};
        std::unique_lock lock(m_mutex);
        while (true) {
            m_wake.wait(lock, [this] { return m_stop || m_pending[0] || m_pending[1]; });
            if (m_stop)
                return;
            for (int slot = 0; slot < kSchemas; ++slot) {
                if (!m_pending[slot])
                    continue;
                m_pending[slot] = false;
                lock.unlock();
                int log = 0, done = 0;
                if (sqlite3_wal_checkpoint_v2(m_own.handle(), kNames[slot], SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
                    SQLITE_OK)
                    m_copied[slot] = done;
                lock.lock();
            }
        }
    }

    sql::Database& m_writer;
    sql::Database m_own;
    std::atomic<int> m_copied[kSchemas] = {0, 0}; // frames of each current log already in its database file
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_pending[kSchemas] = {false, false};
    bool m_stop = false;
    std::thread m_thread;
};

class SqlitePool final : public Pool {
public:
    SqlitePool(sql::Database db, const std::function<void(sql::Database&)>& attach)
        : m_connection(std::move(db)), m_checkpointer(m_connection.database(), m_connection.path(), attach)
    {
    }
    Lease acquire() override
    {
        m_mutex.lock();
        return Lease(m_connection, [this] {
            m_connection.releaseReads(); // the holder is done: no read of its outlives the lease
            m_mutex.unlock();
        });
    }
    Dialect dialect() const override { return Dialect::Sqlite; }
    std::string describe() const override { return "sqlite:" + m_connection.path(); }

private:
    std::mutex m_mutex;
    SqliteConnection m_connection;
    Checkpointer m_checkpointer; // after the connection: stopped before it closes
};

} // namespace

std::unique_ptr<Pool> sqlitePool(sql::Database db, std::function<void(sql::Database&)> attach)
{
    return std::make_unique<SqlitePool>(std::move(db), attach);
}

} // namespace crf::gateway::db
