// RAII wrapper over the SQLCipher build of SQLite: Database, Statement, Transaction (SQLiteCpp pattern).
// Tablet and gateway both link libsqlcipher only: one SQLite in the process, so an in-process test can hold
// an encrypted tablet store and a gateway store side by side. Without a key SQLCipher is plain SQLite.
#pragma once

#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crf::sql {

/// A failed SQLite call; `code` is the primary result code (SQLITE_NOTADB means wrong key or not a database).
class SqlError : public std::runtime_error {
public:
    SqlError(int code, const std::string& message) : std::runtime_error(message), code(code) {}
    int code;
};

class Statement;

/// SQLite's process-wide settings, applied once before SQLite first initialises (any later call is too late and
/// leaves the defaults): allocation counting off, as nothing here reads the counts and SQLite takes one global mutex
/// per allocation to keep them. Every way into SQLite here (Database, coalescingVfs()) calls it first.
void configureProcess();

/// One connection. Move-only; not thread-safe: exactly one thread owns it (DESIGN "Threads").
class Database {
public:
    enum class Mode { OpenExisting, CreateIfMissing };
    /// `vfs`: a registered VFS by name (coalescingVfs()), or the default.
    Database(const std::string& path, Mode mode, const char* vfs = nullptr);
    ~Database();
    Database(Database&& other) noexcept;
    Database& operator=(Database&&) = delete;
    Database(const Database&) = delete;

    /// Runs one or more statements without results.
    void exec(std::string_view sql);
    /// Applies a raw 256-bit key (`x'..'` form); must be the first call after opening.
    void applyRawKey(const uint8_t* key, size_t len);
    /// Attaches `path` as `schema`, encrypted with the raw 256-bit `key` in pages of `pageSize` bytes (made when
    /// missing). SQLCipher 3 takes an attached file's page size from a process-wide default, so the default is set
    /// and put back to 4096 under a lock of this process: two stores opening at once never see each other's.
    void attachEncrypted(const std::string& path, const std::string& schema, const uint8_t* key, size_t len,
                         int pageSize);
    /// Prepares a statement; cached by SQL text so hot paths do not re-parse.
    Statement& prepare(const std::string& sql);
    /// Ends the reads left open: resets every cached statement still positioned on a row (a lookup that stepped once
    /// and kept its statement). An open read holds its snapshot of the write-ahead log, and no checkpoint may copy
    /// past the oldest snapshot held nor restart the log while one is held: with a lookup left open from the
    /// start, the log grows by every commit for as long as the connection lives (sqlite.org/wal.html "Avoiding
    /// Excessively Large WAL Files"). Called at each transaction's begin and commit and when a pooled connection is
    /// handed back; a statement reset here throws if read again before it is prepared again.
    void releaseReads();
    int64_t lastInsertRowId() const;
    int changes() const;
    int userVersion();
    void setUserVersion(int v);
    sqlite3* handle() const { return m_db; }
    const std::string& path() const { return m_path; }

private:
    void clearCache();
    sqlite3* m_db = nullptr;
    std::string m_path;
    struct Cache;
    Cache* m_cache = nullptr;
};

/// A prepared statement; reset automatically before each new binding round.
class Statement {
public:
    Statement(sqlite3* db, const std::string& sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& reset();
    Statement& bind(int idx, int64_t v);
    Statement& bind(int idx, const std::string& v);
    Statement& bindBlob(int idx, std::string_view v);
    /// Bind without a copy (SQLITE_STATIC): `v` must stay valid until the statement has run to its end or is
    /// prepared again. For hot writes whose values outlive the call: a copy of each value, and freeing it at the next
    /// use, were about a tenth of the gateway's instructions for an edited form.
    Statement& bindView(int idx, std::string_view v);
    Statement& bindBlobView(int idx, std::string_view v);
    Statement& bindNull(int idx);
    Statement& bind(int idx, const std::optional<std::string>& v);
    /// Steps once: true when a row is available.
    bool step();
    /// Steps to completion (for writes).
    void run();

    int64_t int64(int col) const;
    std::string text(int col) const;
    std::string blob(int col) const;
    /// The column's bytes in place, without a copy: valid until the next step, reset or read of the same column.
    std::string_view blobView(int col) const;
    bool isNull(int col) const;

private:
    friend class Database;
    /// Throws when the statement was reset by Database::releaseReads while the caller still read it.
    void checkLive() const
    {
        if (m_released)
            throwReleased();
    }
    [[noreturn]] void throwReleased() const;
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
    std::string m_sql;
    bool m_released = false;
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed.
class Transaction {
public:
    /// `Full`: the commit returns once it is on disk (the connection's own `synchronous` level, FULL in our stores).
    /// `Relaxed`: for bookkeeping that may be lost in a power cut (never a value, an event or an acknowledgement):
    /// the commit does not wait for the disk, and the connection's level is restored afterwards. In WAL mode only
    /// (elsewhere it stays durable): there SQLite keeps the database intact at `synchronous = NORMAL` and the next
    /// durable commit carries the relaxed one to disk with it (sqlite.org/pragma.html#pragma_synchronous).
    enum class Durability { Full, Relaxed };
    explicit Transaction(Database& db, Durability durability = Durability::Full);
    ~Transaction();
    void commit();

private:
    void restoreLevel() noexcept;
    Database& m_db;
    bool m_done = false;
    int m_level = -1; // the `synchronous` level to restore after a relaxed transaction, -1 when unchanged
};

/// Copies a connection's write-ahead logs into its database files on a thread of its own, so its writer does not
/// wait for the copy.
///
/// SQLite's own checkpoint runs inside the commit that takes a log past 1,000 pages: the writer copies the pages and
/// waits for the file's fsync before its commit returns (a gateway's push and every push queued behind it; a
/// tablet's save at the bedside). Here the writer's commits only signal; a second connection to the same files
/// copies with PASSIVE checkpoints, which never block the writer or readers (sqlite.org/c3ref/wal_checkpoint_v2.html).
/// A log starts again from its beginning only when a write begins with every frame copied, so the writer copies the
/// last few frames itself when the thread is nearly done, and everything itself past a hard limit: the logs stay
/// bounded under a steady stream of writes. Each file (main, and each attached one named) has its own log.
class BackgroundCheckpointer {
public:
    /// In frames of that file's log: copied by the thread from `start` on; by the writer when at most `inlined` are
    /// left to copy, or past `hard`.
    struct Limits {
        int start, inlined, hard;
    };
    /// `own`: a second connection to the writer's files (keyed and attached as the writer is); `schemas`: the files
    /// to follow ("main", attached names) with their limits.
    BackgroundCheckpointer(Database& writer, Database own, std::vector<std::pair<std::string, Limits>> schemas);
    ~BackgroundCheckpointer();
    BackgroundCheckpointer(const BackgroundCheckpointer&) = delete;
    BackgroundCheckpointer& operator=(const BackgroundCheckpointer&) = delete;

private:
    struct State;
    static int onCommit(void* self, sqlite3* db, const char* schema, int frames);
    void run();
    Database& m_writer;
    Database m_own;
    std::unique_ptr<State> m_state;
};

/// Every row of `st`, read by `read` (a function of the statement positioned on a row).
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

} // namespace crf::sql
