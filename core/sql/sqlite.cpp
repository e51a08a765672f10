#include "sqlite.h"

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace crf::sql {

/// Prepared statements by their SQL text: hashed once per lookup (an ordered map compared long SQL prefixes on
/// every one of a pull's 300,000 statements).
struct Database::Cache {
    std::unordered_map<std::string, std::unique_ptr<Statement>> statements;
};

namespace {
/// The primary result code of a failure on `db`. An I/O error the system gave as a full disk or quota (ENOSPC,
/// EDQUOT: a sync, a log's index grown, where SQLite says SQLITE_IOERR) is SQLITE_FULL, as SQLite says for a
/// write: one code for "the storage is full", whichever call found it.
int codeOf(sqlite3* db, int rc)
{
    if ((rc & 0xff) == SQLITE_IOERR && db) {
        const int e = sqlite3_system_errno(db);
        if (e == ENOSPC || e == EDQUOT)
            return SQLITE_FULL;
    }
    return rc & 0xff;
}

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& context)
{
    const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw SqlError(codeOf(db, rc), context + ": " + (msg ? msg : "unknown error"));
}
} // namespace

void configureProcess()
{
    static std::once_flag configured;
    std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

Database::Database(const std::string& path, Mode mode, const char* vfs) : m_path(path), m_cache(new Cache)
{
    configureProcess();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (mode == Mode::CreateIfMissing)
        flags |= SQLITE_OPEN_CREATE;
    const int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, vfs);
    if (rc != SQLITE_OK) {
        const std::string msg = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        delete m_cache;
        m_cache = nullptr;
        throw SqlError(rc & 0xff, "cannot open " + path + ": " + msg);
    }
    sqlite3_busy_timeout(m_db, 5000);
    sqlite3_extended_result_codes(m_db, 0);
}

Database::~Database()
{
    clearCache();
    delete m_cache;
    if (m_db)
        sqlite3_close(m_db);
}

Database::Database(Database&& other) noexcept
    : m_db(other.m_db), m_path(std::move(other.m_path)), m_cache(other.m_cache)
{
    other.m_db = nullptr;
    other.m_cache = nullptr;
}

void Database::clearCache()
{
    if (m_cache)
        m_cache->statements.clear();
}

void Database::exec(std::string_view sql)
{
    char* err = nullptr;
    const std::string s(sql);
    const int rc = sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw SqlError(codeOf(m_db, rc), msg);
    }
}

namespace {
/// The raw-key form SQLCipher reads: x'<64 hex digits>'.
std::vector<char> rawKeyText(const uint8_t* key, size_t len)
{
    static const char* digits = "0123456789abcdef";
    std::vector<char> text;
    text.reserve(len * 2 + 4);
    text.push_back('x');
    text.push_back('\'');
    for (size_t i = 0; i < len; ++i) {
        text.push_back(digits[key[i] >> 4]);
        text.push_back(digits[key[i] & 0xf]);
    }
    text.push_back('\'');
    return text;
}

/// Wipes a copy of a key before its buffer is freed.
void wipe(std::vector<char>& text)
{
    volatile char* p = text.data();
    for (size_t i = 0; i < text.size(); ++i)
        p[i] = 0;
}

std::mutex g_cipherDefaults; // SQLCipher 3's default page size is one per process
} // namespace

void Database::applyRawKey(const uint8_t* key, size_t len)
{
    // SQLCipher raw key syntax: x'<64 hex digits>' skips PBKDF2 (the key is already 256 random bits).
    std::vector<char> text = rawKeyText(key, len);
    const int rc = sqlite3_key(m_db, text.data(), static_cast<int>(text.size()));
    wipe(text);
    if (rc != SQLITE_OK)
        fail(m_db, rc, "sqlite3_key");
}

void Database::attachEncrypted(const std::string& path, const std::string& schema, const uint8_t* key, size_t len,
                               int pageSize)
{
    std::vector<char> text = rawKeyText(key, len);
    std::lock_guard lock(g_cipherDefaults);
    exec("PRAGMA cipher_default_page_size = " + std::to_string(pageSize));
    sqlite3_stmt* st = nullptr;
    const std::string sql = "ATTACH DATABASE ?1 AS " + schema + " KEY ?2";
    int rc = sqlite3_prepare_v2(m_db, sql.c_str(), -1, &st, nullptr);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, path.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(m_db);
    }
    const std::string why = rc == SQLITE_OK ? std::string() : sqlite3_errmsg(m_db);
    sqlite3_finalize(st);
    wipe(text);
    exec("PRAGMA cipher_default_page_size = 4096");
    if (rc != SQLITE_OK)
        throw SqlError(codeOf(m_db, rc), "attach " + schema + ": " + why);
}

void Database::releaseReads()
{
    for (auto& [sql, st] : m_cache->statements)
        if (sqlite3_stmt_busy(st->m_stmt)) {
            sqlite3_reset(st->m_stmt);
            st->m_released = true;
        }
}

Statement& Database::prepare(const std::string& sql)
{
    auto& slot = m_cache->statements[sql];
    if (!slot)
        slot = std::make_unique<Statement>(m_db, sql);
    slot->reset();
    return *slot;
}

int64_t Database::lastInsertRowId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

int Database::changes() const
{
    return sqlite3_changes(m_db);
}

int Database::userVersion()
{
    Statement st(m_db, "PRAGMA user_version");
    st.step();
    return static_cast<int>(st.int64(0));
}

void Database::setUserVersion(int v)
{
    exec("PRAGMA user_version = " + std::to_string(v));
}

Statement::Statement(sqlite3* db, const std::string& sql) : m_db(db), m_sql(sql)
{
    const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &m_stmt, nullptr);
    if (rc != SQLITE_OK)
        fail(db, rc, "prepare");
}

Statement::~Statement()
{
    sqlite3_finalize(m_stmt);
}

void Statement::throwReleased() const
{
    throw SqlError(SQLITE_MISUSE, "a statement was read after its transaction ended (prepare it again): " + m_sql);
}

Statement& Statement::reset()
{
    m_released = false;
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    return *this;
}

Statement& Statement::bind(int idx, int64_t v)
{
    sqlite3_bind_int64(m_stmt, idx, v);
    return *this;
}

Statement& Statement::bind(int idx, const std::string& v)
{
    sqlite3_bind_text(m_stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindBlob(int idx, std::string_view v)
{
    sqlite3_bind_blob(m_stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindView(int idx, std::string_view v)
{
    sqlite3_bind_text(m_stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bindBlobView(int idx, std::string_view v)
{
    sqlite3_bind_blob(m_stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bindNull(int idx)
{
    sqlite3_bind_null(m_stmt, idx);
    return *this;
}

Statement& Statement::bind(int idx, const std::optional<std::string>& v)
{
    return v ? bind(idx, *v) : bindNull(idx);
}

bool Statement::step()
{
    checkLive();
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    const std::string msg = sqlite3_errmsg(m_db);
    const int code = codeOf(m_db, rc); // before the reset, which may clear the system's error number
    sqlite3_reset(m_stmt);
    throw SqlError(code, msg);
}

void Statement::run()
{
    while (step()) {
    }
}

int64_t Statement::int64(int col) const
{
    checkLive();
    return sqlite3_column_int64(m_stmt, col);
}

std::string Statement::text(int col) const
{
    checkLive();
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(m_stmt, col))) : std::string();
}

std::string Statement::blob(int col) const
{
    checkLive();
    const auto* p = static_cast<const char*>(sqlite3_column_blob(m_stmt, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(m_stmt, col))) : std::string();
}

std::string_view Statement::blobView(int col) const
{
    checkLive();
    const auto* p = static_cast<const char*>(sqlite3_column_blob(m_stmt, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(m_stmt, col))) : std::string_view();
}

bool Statement::isNull(int col) const
{
    checkLive();
    return sqlite3_column_type(m_stmt, col) == SQLITE_NULL;
}

namespace {

bool walMode(Database& db)
{
    auto& mode = db.prepare("PRAGMA journal_mode");
    const bool wal = mode.step() && mode.text(0) == "wal";
    mode.reset();
    return wal;
}

} // namespace

Transaction::Transaction(Database& db, Durability durability) : m_db(db)
{
    if (durability == Durability::Relaxed && walMode(m_db)) { // outside WAL, NORMAL could damage the file: stay FULL
        auto& level = m_db.prepare("PRAGMA synchronous");
        const int current = level.step() ? static_cast<int>(level.int64(0)) : -1;
        level.reset();
        if (current > 1) { // FULL or EXTRA; NORMAL and OFF are relaxed already
            m_db.exec("PRAGMA synchronous = NORMAL");
            m_level = current;
        }
    }
    m_db.releaseReads(); // a read left open would otherwise carry an old snapshot into the transaction
    try {
        m_db.exec("BEGIN IMMEDIATE");
    } catch (...) {
        restoreLevel();
        throw;
    }
}

Transaction::~Transaction()
{
    if (!m_done) {
        try {
            m_db.exec("ROLLBACK");
        } catch (...) {
            // Nothing more can be done; the connection reports the failure on its next use.
        }
    }
    restoreLevel();
}

void Transaction::commit()
{
    m_db.releaseReads(); // after COMMIT the connection's reads end with it, so the checkpoint can copy every frame
    m_db.exec("COMMIT");
    m_done = true;
    restoreLevel();
}

void Transaction::restoreLevel() noexcept
{
    if (m_level < 0)
        return;
    try {
        m_db.exec("PRAGMA synchronous = " + std::to_string(m_level));
        m_level = -1;
    } catch (...) {
        // Only reachable with the connection broken; its next use reports it.
    }
}

struct BackgroundCheckpointer::State {
    struct Log {
        std::string schema;
        Limits limits;
        std::atomic<int> copied{0}; // frames of the current log already in its database file
        bool pending = false;       // guarded by mutex
    };
    std::vector<std::unique_ptr<Log>> logs;
    std::mutex mutex;
    std::condition_variable wake;
    bool stop = false;
    std::thread thread;

    Log* find(const char* schema)
    {
        for (auto& l : logs)
            if (l->schema == schema)
                return l.get();
        return nullptr;
    }
};

BackgroundCheckpointer::BackgroundCheckpointer(Database& writer, Database own,
                                               std::vector<std::pair<std::string, Limits>> schemas)
    : m_writer(writer), m_own(std::move(own)), m_state(std::make_unique<State>())
{
    for (auto& [schema, limits] : schemas) {
        // A connection opens a file's log at its first read; until then a checkpoint on it copies nothing.
        m_own.exec("SELECT count(*) FROM \"" + schema + "\".sqlite_master");
        auto log = std::make_unique<State::Log>();
        log->schema = schema;
        log->limits = limits;
        m_state->logs.push_back(std::move(log));
    }
    m_state->thread = std::thread([this] { run(); });
    sqlite3_wal_hook(m_writer.handle(), &BackgroundCheckpointer::onCommit, this); // replaces the automatic one
}

BackgroundCheckpointer::~BackgroundCheckpointer()
{
    sqlite3_wal_hook(m_writer.handle(), nullptr, nullptr);
    {
        std::lock_guard lock(m_state->mutex);
        m_state->stop = true;
    }
    m_state->wake.notify_one();
    m_state->thread.join();
}

int BackgroundCheckpointer::onCommit(void* self, sqlite3* db, const char* schema, int frames)
{
    auto& c = *static_cast<BackgroundCheckpointer*>(self);
    State::Log* log = c.m_state->find(schema);
    if (!log || frames < log->limits.start)
        return SQLITE_OK;
    int copied = log->copied.load();
    if (copied > frames)
        copied = 0; // counted in a log that has started again since
    if (frames - copied <= log->limits.inlined || frames >= log->limits.hard) {
        int inLog = 0, done = 0;
        if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &inLog, &done) == SQLITE_OK && done >= 0)
            log->copied = done;
        return SQLITE_OK; // a checkpoint that could not run is tried again after the next commit
    }
    {
        std::lock_guard lock(c.m_state->mutex);
        log->pending = true;
    }
    c.m_state->wake.notify_one();
    return SQLITE_OK;
}

void BackgroundCheckpointer::run()
{
    State& s = *m_state;
    std::unique_lock lock(s.mutex);
    auto anyPending = [&s] {
        for (const auto& l : s.logs)
            if (l->pending)
                return true;
        return false;
    };
    while (true) {
        s.wake.wait(lock, [&] { return s.stop || anyPending(); });
        if (s.stop)
            return;
        for (auto& l : s.logs) {
            if (!l->pending)
                continue;
            l->pending = false;
            lock.unlock();
            int inLog = 0, done = 0;
            if (sqlite3_wal_checkpoint_v2(m_own.handle(), l->schema.c_str(), SQLITE_CHECKPOINT_PASSIVE, &inLog,
                                          &done) == SQLITE_OK &&
                done >= 0) // -1: the log could not be read (the next commit signals again)
                l->copied = done;
            lock.lock();
        }
    }
}

} // namespace crf::sql
