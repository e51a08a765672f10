// The embedded driver of db:: over crf::sql (SQLite 3.15 through SQLCipher without a key), and the shared helpers.
#include "sql_db.h"
#include "sqlite.h"

#include <map>
#include <mutex>

namespace crf::gateway::db {

Transaction::~Transaction()
{
    if (!m_done) {
        try {
            m_c.rollback();
        } catch (...) {
            // A lost connection rolls back by itself; nothing was committed.
        }
    }
}

void Transaction::commit()
{
    m_c.commit();
    m_done = true;
}

namespace {

std::string placeholders(size_t n)
{
    std::string out;
    for (size_t i = 1; i <= n; ++i)
        out += (i > 1 ? ", ?" : "?") + std::to_string(i);
    return out;
}

std::string joined(const std::vector<std::string>& columns)
{
    std::string out;
    for (const auto& c : columns)
        out += (out.empty() ? "" : ", ") + c;
    return out;
}

} // namespace

std::string upsertSql(Dialect d, const std::string& table, const std::vector<std::string>& columns, size_t keyColumns)
{
    const std::string values = " (" + joined(columns) + ") VALUES (" + placeholders(columns.size()) + ")";
    if (d == Dialect::Sqlite) // SQLite 3.15 has no ON CONFLICT ... DO UPDATE
        return "INSERT OR REPLACE INTO " + table + values;
    std::string set;
    for (size_t i = keyColumns; i < columns.size(); ++i)
        set += (set.empty() ? "" : ", ") + columns[i] + " = EXCLUDED." + columns[i];
    const std::vector<std::string> key(columns.begin(), columns.begin() + static_cast<long>(keyColumns));
    return "INSERT INTO " + table + values + " ON CONFLICT (" + joined(key) + ") DO " +
           (set.empty() ? "NOTHING" : "UPDATE SET " + set);
}

std::string insertIgnoreSql(Dialect d, const std::string& table, const std::vector<std::string>& columns)
{
    const std::string values = " (" + joined(columns) + ") VALUES (" + placeholders(columns.size()) + ")";
    if (d == Dialect::Sqlite)
        return "INSERT OR IGNORE INTO " + table + values;
    return "INSERT INTO " + table + values + " ON CONFLICT DO NOTHING";
}

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
    void begin(Lock, const std::string&) override { m_db.exec("BEGIN IMMEDIATE"); }
    void commit() override { m_db.exec("COMMIT"); }
    void rollback() override { m_db.exec("ROLLBACK"); }
    const std::string& path() const { return m_db.path(); }

private:
    sql::Database m_db;
    std::map<const sql::Statement*, std::unique_ptr<SqliteStatement>> m_statements;
};

class SqlitePool final : public Pool {
public:
    explicit SqlitePool(sql::Database db) : m_connection(std::move(db)) {}
    Lease acquire() override
    {
        m_mutex.lock();
        return Lease(m_connection, [this] { m_mutex.unlock(); });
    }
    Dialect dialect() const override { return Dialect::Sqlite; }
    std::string describe() const override { return "sqlite:" + m_connection.path(); }

private:
    std::mutex m_mutex;
    SqliteConnection m_connection;
};

} // namespace

std::unique_ptr<Pool> sqlitePool(sql::Database db)
{
    return std::make_unique<SqlitePool>(std::move(db));
}

} // namespace crf::gateway::db
