// The PostgreSQL driver of db:: over libpq: named prepared statements per connection, text results (bytea decoded
// from hex), blobs sent binary, a pool re-opening connections the server dropped.
#include "sql_db.h"

#include <libpq-fe.h>

#include <condition_variable>
#include <mutex>
#include <unordered_map>

namespace crf::gateway::db {
namespace {

constexpr Oid kByteaOid = 17;

/// Advisory lock classes (pg_advisory_xact_lock(int, int)): one for the writers, one for keyed writers.
constexpr int kWritersLockClass = 0x43524601; // "CRF" 1
constexpr int kKeyedLockClass = 0x43524602;

/// `?12` -> `$12` outside quoted text (the stores write SQLite's numbered parameters).
std::string renumbered(const std::string& sql)
{
    std::string out;
    out.reserve(sql.size());
    char quote = 0;
    for (size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            out += '$';
            continue;
        }
        out += c;
    }
    return out;
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// A bytea value in PostgreSQL's hex output format (`\x0a1b...`).
std::string fromHex(const char* v, int len)
{
    if (len < 2 || v[0] != '\\' || v[1] != 'x')
        throw Error("a bytea value is not in hex format (bytea_output must be 'hex')");
    std::string out;
    out.reserve(static_cast<size_t>(len - 2) / 2);
    for (int i = 2; i + 1 < len; i += 2) {
        const int hi = hexDigit(v[i]), lo = hexDigit(v[i + 1]);
        if (hi < 0 || lo < 0)
            throw Error("a bytea value has a non-hex digit");
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

class PgConnection;

class PgStatement final : public Statement {
public:
    PgStatement(PgConnection& c, std::string name, std::string sql)
        : m_c(c), m_name(std::move(name)), m_sql(std::move(sql))
    {
    }
    ~PgStatement() override { clear(); }

    void reset()
    {
        clear();
        m_values.clear();
        m_binary.clear();
    }
    Statement& bind(int idx, int64_t v) override { return set(idx, std::to_string(v), false); }
    Statement& bind(int idx, const std::string& v) override { return set(idx, v, false); }
    Statement& bindBlob(int idx, std::string_view v) override { return set(idx, std::string(v), true); }
    bool step() override
    {
        if (!m_result)
            execute();
        ++m_row;
        return m_row < PQntuples(m_result);
    }
    void run() override
    {
        execute();
        clear();
    }
    int64_t int64(int col) const override
    {
        if (PQgetisnull(m_result, m_row, col))
            return 0;
        return std::stoll(PQgetvalue(m_result, m_row, col));
    }
    std::string text(int col) const override
    {
        return std::string(PQgetvalue(m_result, m_row, col), static_cast<size_t>(PQgetlength(m_result, m_row, col)));
    }
    std::string blob(int col) const override
    {
        if (PQgetisnull(m_result, m_row, col))
            return {};
        if (PQftype(m_result, col) != kByteaOid)
            return text(col);
        return fromHex(PQgetvalue(m_result, m_row, col), PQgetlength(m_result, m_row, col));
    }

    void appendBlob(int col, size_t from, size_t count, std::string& out) const override
    {
        const std::string v = blob(col); // bytea arrives as hex text: decoded once, whatever the reader does
        if (from < v.size())
            out.append(v, from, count);
    }

private:
    Statement& set(int idx, std::string v, bool binary)
    {
        if (m_result) { // a new round after a step
            clear();
            m_values.clear();
            m_binary.clear();
        }
        const size_t i = static_cast<size_t>(idx - 1);
        if (m_values.size() <= i) {
            m_values.resize(i + 1);
            m_binary.resize(i + 1, 0);
        }
        m_values[i] = std::move(v);
        m_binary[i] = binary ? 1 : 0;
        return *this;
    }
    void clear()
    {
        if (m_result)
            PQclear(m_result);
        m_result = nullptr;
        m_row = -1;
    }
    void execute();

    PgConnection& m_c;
    std::string m_name, m_sql;
    std::vector<std::string> m_values;
    std::vector<int> m_binary;
    PGresult* m_result = nullptr;
    int m_row = -1;
};

class PgConnection final : public Connection {
public:
    explicit PgConnection(const std::string& uri) : m_conn(PQconnectdb(uri.c_str()))
    {
        if (PQstatus(m_conn) != CONNECTION_OK) {
            const std::string why = PQerrorMessage(m_conn);
            PQfinish(m_conn);
            throw Error("cannot connect to PostgreSQL: " + trimmed(why));
        }
        // Values and messages do not depend on the server's configuration.
        exec("SET bytea_output = 'hex'; SET client_min_messages = warning; SET TIME ZONE 'UTC'");
    }
    ~PgConnection() override
    {
        m_statements.clear();
        PQfinish(m_conn);
    }

    bool healthy() const { return PQstatus(m_conn) == CONNECTION_OK; }
    /// Leaves the connection outside any transaction (an operation that threw mid-way).
    void settle()
    {
        if (healthy() && PQtransactionStatus(m_conn) != PQTRANS_IDLE)
            exec("ROLLBACK");
    }

    Statement& prepare(const std::string& sql) override
    {
        auto& slot = m_statements[sql];
        if (!slot) {
            const std::string name = "crf_" + std::to_string(m_statements.size());
            const std::string text = renumbered(sql);
            PGresult* r = PQprepare(m_conn, name.c_str(), text.c_str(), 0, nullptr);
            const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            const std::string why = ok ? "" : errorOf(r);
            PQclear(r);
            if (!ok) {
                m_statements.erase(sql);
                throw Error("cannot prepare statement: " + why);
            }
            slot = std::make_unique<PgStatement>(*this, name, sql);
        }
        slot->reset();
        return *slot;
    }

    void exec(std::string_view sql) override
    {
        const std::string s(sql);
        PGresult* r = PQexec(m_conn, s.c_str());
        check(r, "");
        PQclear(r);
    }

    int64_t lastInsertRowId() override
    {
        // Every table with an `id` key takes it from an identity sequence; lastval() is this session's latest.
        auto& st = prepare("SELECT lastval()");
        st.step();
        return st.int64(0);
    }
    int changes() override { return m_changes; }
    Dialect dialect() const override { return Dialect::Postgres; }

    void begin(Lock lock, const std::string& key) override
    {
        exec("BEGIN");
        // The writer lock makes server sequence order equal commit order, so a pull by cursor never skips an event
        // committed later with a lower number (docs/operations.md "Cursor"); it also serialises gateway instances.
        if (lock == Lock::Writers)
            prepare("SELECT pg_advisory_xact_lock(" + std::to_string(kWritersLockClass) + ", 0)").run();
        else
            prepare("SELECT pg_advisory_xact_lock(" + std::to_string(kKeyedLockClass) + ", hashtext(?1))")
                .bind(1, key)
                .run();
    }
    void commit() override { exec("COMMIT"); }
    void rollback() override { exec("ROLLBACK"); }

    /// Checks a result; throws naming the server's reason. Records the changed-row count of writes.
    void check(PGresult* r, const std::string& what)
    {
        const auto status = PQresultStatus(r);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            const char* n = PQcmdTuples(r);
            m_changes = (n && *n) ? std::atoi(n) : 0;
            return;
        }
        const std::string why = errorOf(r);
        PQclear(r);
        throw Error((what.empty() ? "" : what + ": ") + why);
    }

    PGconn* handle() const { return m_conn; }

private:
    static std::string trimmed(std::string s)
    {
        while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
            s.pop_back();
        return s;
    }
    std::string errorOf(PGresult* r) const
    {
        const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        const char* msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        std::string out = msg ? msg : trimmed(PQerrorMessage(m_conn));
        if (state)
            out += " (SQLSTATE " + std::string(state) + ")";
        return out;
    }

    PGconn* m_conn;
    std::unordered_map<std::string, std::unique_ptr<PgStatement>> m_statements; // by SQL text, hashed once
    int m_changes = 0;
};

void PgStatement::execute()
{
    clear();
    std::vector<const char*> values(m_values.size());
    std::vector<int> lengths(m_values.size());
    for (size_t i = 0; i < m_values.size(); ++i) {
        values[i] = m_values[i].data();
        lengths[i] = static_cast<int>(m_values[i].size());
    }
    PGresult* r = PQexecPrepared(m_c.handle(), m_name.c_str(), static_cast<int>(m_values.size()), values.data(),
                                 lengths.data(), m_binary.data(), 0);
    m_c.check(r, "statement " + m_name);
    m_result = r;
    m_row = -1;
}

class PgPool final : public Pool {
public:
    PgPool(std::string uri, int size) : m_uri(std::move(uri)), m_size(size) {}

    Lease acquire() override
    {
        std::unique_ptr<PgConnection> c;
        {
            std::unique_lock lock(m_mutex);
            m_free.wait(lock, [&] { return !m_idle.empty() || m_open < m_size; });
            if (!m_idle.empty()) {
                c = std::move(m_idle.back());
                m_idle.pop_back();
            } else {
                ++m_open;
            }
        }
        if (c && !c->healthy())
            c.reset(); // the server went away since: open a new one
        if (!c) {
            try {
                c = std::make_unique<PgConnection>(m_uri);
            } catch (...) {
                std::lock_guard lock(m_mutex);
                --m_open;
                m_free.notify_one();
                throw;
            }
        }
        PgConnection* raw = c.release();
        return Lease(*raw, [this, raw] { release(std::unique_ptr<PgConnection>(raw)); });
    }
    Dialect dialect() const override { return Dialect::Postgres; }
    std::string describe() const override
    {
        // The URI without its password, if any.
        std::string out = m_uri;
        const auto at = out.find('@'), scheme = out.find("://");
        if (at != std::string::npos && scheme != std::string::npos) {
            const auto colon = out.find(':', scheme + 3);
            if (colon != std::string::npos && colon < at)
                out.replace(colon, at - colon, ":***");
        }
        return out;
    }

private:
    void release(std::unique_ptr<PgConnection> c)
    {
        try {
            c->settle();
        } catch (...) {
            c.reset();
        }
        std::lock_guard lock(m_mutex);
        if (c && c->healthy())
            m_idle.push_back(std::move(c));
        else
            --m_open;
        m_free.notify_one();
    }

    std::string m_uri;
    int m_size;
    std::mutex m_mutex;
    std::condition_variable m_free;
    std::vector<std::unique_ptr<PgConnection>> m_idle;
    int m_open = 0;
};

} // namespace

std::unique_ptr<Pool> openPostgresPool(const std::string& uri, int size)
{
    auto pool = std::make_unique<PgPool>(uri, size);
    pool->acquire(); // fails now, naming the reason, rather than at the first request
    return pool;
}

} // namespace crf::gateway::db
