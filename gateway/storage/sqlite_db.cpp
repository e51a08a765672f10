// The embedded driver of db:: over crf::sql (SQLite 3.15 through SQLCipher without a key).
#include "sql_db.h"
#include "sqlite.h"

#include <map>
#include <mutex>

namespace crf::gateway::db {

namespace {

class SqliteStatement final : public Statement {
public:
    explicit SqliteStatement(sql::Statement& st) : m_st(st) {}
    Statement& bind(int idx, int64_t v) override { return m_st.bind(idx, v), *this; }
    Statement& bind(int idx, const std::string& v) override { return m_st.bind(idx, v), *this; }
    Statement& bindBlob(int idx, std::string_view v) override { return m_st.bindBlob(idx, v), *this; }
    Statement& bindView(int idx, std::string_view v) override { return m_st.bindView(idx, v), *this; }
    Statement& bindBlobView(int idx, std::string_view v) override { return m_st.bindBlobView(idx, v), *this; }
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

class SqlitePool final : public Pool {
public:
    SqlitePool(sql::Database db, const std::function<void(sql::Database&)>& attach)
        : m_connection(std::move(db)), m_checkpointer(m_connection.database(), ownConnection(attach), logs(attach))
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
    // gateway.db has 4 KiB pages and photos.db 64 KiB pages: both logs are copied from 4 MiB on (SQLite's default of
    // 1,000 pages) and by the writer past 16 MiB.
    static constexpr sql::BackgroundCheckpointer::Limits kEventLimits{1000, 256, 4000};
    static constexpr sql::BackgroundCheckpointer::Limits kPhotoLimits{64, 16, 256};

    /// The logs to follow: gateway.db's, and photos.db's when it is attached.
    static std::vector<std::pair<std::string, sql::BackgroundCheckpointer::Limits>>
    logs(const std::function<void(sql::Database&)>& attach)
    {
        if (!attach)
            return {{"main", kEventLimits}};
        return {{"main", kEventLimits}, {"photo_store", kPhotoLimits}};
    }

    sql::Database ownConnection(const std::function<void(sql::Database&)>& attach) const
    {
        sql::Database own(m_connection.path(), sql::Database::Mode::OpenExisting);
        if (attach)
            attach(own);
        return own;
    }

    std::mutex m_mutex;
    SqliteConnection m_connection;
    sql::BackgroundCheckpointer m_checkpointer; // after the connection: stopped before it closes
};

} // namespace

std::unique_ptr<Pool> sqlitePool(sql::Database db, std::function<void(sql::Database&)> attach)
{
    return std::make_unique<SqlitePool>(std::move(db), attach);
}

} // namespace crf::gateway::db
