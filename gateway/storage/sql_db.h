// db: the SQL connection the gateway's stores are written against, with two drivers (embedded SQLite, PostgreSQL
// over libpq). The stores' SQL is shared; what differs (types, upserts, locking, ids) is decided here and in the
// schema files (sqlite_schema.cpp, pg_schema.cpp). docs/operations.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace crf::sql {
class Database;
} // namespace crf::sql

namespace crf::gateway::db {

/// A failed database call (the message names the statement's purpose or the server's reason).
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Dialect { Sqlite, Postgres };

/// A prepared statement with positional parameters written `?1`, `?2`... (the PostgreSQL driver renumbers them).
/// Binding after a step starts a new round; reading is valid while positioned on a row.
class Statement {
public:
    virtual ~Statement() = default;
    virtual Statement& bind(int idx, int64_t v) = 0;
    virtual Statement& bind(int idx, const std::string& v) = 0;
    virtual Statement& bindBlob(int idx, std::string_view v) = 0;
    /// The same, where the driver may keep a view instead of a copy: `v` must stay valid until the statement has run
    /// to its end or is prepared again.
    virtual Statement& bindView(int idx, std::string_view v) { return bind(idx, std::string(v)); }
    virtual Statement& bindBlobView(int idx, std::string_view v) { return bindBlob(idx, v); }
    /// Steps once: true when a row is available.
    virtual bool step() = 0;
    /// Runs to completion (for writes).
    virtual void run() = 0;
    virtual int64_t int64(int col) const = 0;
    virtual std::string text(int col) const = 0;
    virtual std::string blob(int col) const = 0;
    /// Appends at most `count` bytes of the blob from byte `from` to `out`: one copy where the driver holds the
    /// bytes as they are (a photo chunk is a MiB).
    virtual void appendBlob(int col, size_t from, size_t count, std::string& out) const = 0;
};

/// How a write transaction serialises with other writers.
enum class Lock {
    Writers, ///< one writer at a time across every gateway instance (the server hash chain needs it)
    Keyed,   ///< only against writers of the same key (a photo's chunks)
};

/// One connection, used by one thread at a time (a Lease hands it out).
class Connection {
public:
    virtual ~Connection() = default;
    /// A prepared statement, cached by SQL text, reset for a new round.
    virtual Statement& prepare(const std::string& sql) = 0;
    /// Runs statements without results or parameters.
    virtual void exec(std::string_view sql) = 0;
    /// The id given to the row just inserted into a table with an `id` key.
    virtual int64_t lastInsertRowId() = 0;
    /// Rows changed by the last write.
    virtual int changes() = 0;
    virtual Dialect dialect() const = 0;
    virtual void begin(Lock lock, const std::string& key) = 0;
    virtual void commit() = 0;
    virtual void rollback() = 0;
};

/// A connection borrowed from a pool for one operation; returned when destroyed.
class Lease {
public:
    Lease(Connection& c, std::function<void()> release) : m_c(&c), m_release(std::move(release)) {}
    Lease(Lease&& o) noexcept : m_c(o.m_c), m_release(std::move(o.m_release)) { o.m_release = nullptr; }
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease()
    {
        if (m_release)
            m_release();
    }
    Connection& operator*() const { return *m_c; }
    Connection* operator->() const { return m_c; }

private:
    Connection* m_c;
    std::function<void()> m_release;
};

/// Where connections come from. Thread-safe.
class Pool {
public:
    virtual ~Pool() = default;
    /// Blocks until a connection is free; throws Error when the database cannot be reached.
    virtual Lease acquire() = 0;
    virtual Dialect dialect() const = 0;
    virtual std::string describe() const = 0;
};

/// BEGIN ... COMMIT on a connection; rolls back when destroyed uncommitted.
class Transaction {
public:
    explicit Transaction(Connection& c, Lock lock = Lock::Writers, const std::string& key = {}) : m_c(c)
    {
        m_c.begin(lock, key);
    }
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Connection& m_c;
    bool m_done = false;
};

/// `INSERT ... VALUES (?1..?n)` that replaces the row with the same key (the first `keyColumns` columns).
std::string upsertSql(Dialect d, const std::string& table, const std::vector<std::string>& columns, size_t keyColumns);
/// `INSERT ... VALUES (?1..?n)` that does nothing when a row with the same key exists (changes() tells).
std::string insertIgnoreSql(Dialect d, const std::string& table, const std::vector<std::string>& columns);

/// Every row of `st`, read by `read`.
template <typename Read> auto readAll(Statement& st, Read read)
{
    std::vector<decltype(read(st))> out;
    while (st.step())
        out.push_back(read(st));
    return out;
}

/// The first row of `st`, if any.
template <typename Read> auto readOne(Statement& st, Read read) -> std::optional<decltype(read(st))>
{
    if (!st.step())
        return std::nullopt;
    return read(st);
}

/// The embedded SQLite connection `db` (opened, migrated): one connection, one writer at a time.
/// `attach` attaches photos.db as `photo_store` (sqlite_schema.cpp) on every further connection the pool opens to the
/// same file (its checkpointer's); without it only gateway.db is followed.
std::unique_ptr<Pool> sqlitePool(sql::Database db, std::function<void(sql::Database&)> attach = {});

/// PostgreSQL at `uri` (a libpq connection URI): up to `size` connections, opened on demand, re-opened after a
/// lost server.
std::unique_ptr<Pool> openPostgresPool(const std::string& uri, int size = 8);

} // namespace crf::gateway::db
