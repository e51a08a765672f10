#include "sql_identity_store.h"

namespace crf::gateway {
namespace {

using db::readAll;
using db::readOne;

const char* kUserColumns =
    "user_id, printed_name, password_hash, created_at_ms, disabled_at_ms, failed_logins, locked_until_ms";

// Readers take the columns from `at` on, so one joined row can hold several records.
UserRecord readUserAt(const db::Statement& st, int at)
{
    return UserRecord{st.text(at),      st.text(at + 1),  st.text(at + 2),
                      st.int64(at + 3), st.int64(at + 4), static_cast<int>(st.int64(at + 5)),
                      st.int64(at + 6)};
}

UserRecord readUser(const db::Statement& st)
{
    return readUserAt(st, 0);
}

const char* kGrantColumns = "id, user_id, role, study_id, site_id, start_ms, end_ms, granted_by, ended_by";

GrantRecord readGrant(const db::Statement& st)
{
    return GrantRecord{st.int64(0), st.text(1),  st.text(2), st.text(3), st.text(4),
                       st.int64(5), st.int64(6), st.text(7), st.text(8)};
}

const char* kDeviceColumns = "device_id, secret_hash, enrolled_by, enrolled_at_ms, revoked_at_ms, revoked_by";

DeviceRecord readDeviceAt(const db::Statement& st, int at)
{
    return DeviceRecord{st.text(at),      st.blob(at + 1),  st.text(at + 2),
                        st.int64(at + 3), st.int64(at + 4), st.text(at + 5)};
}

DeviceRecord readDevice(const db::Statement& st)
{
    return readDeviceAt(st, 0);
}

const char* kSessionColumns = "token_hash, user_id, device_id, created_at_ms, expires_at_ms, ended_at_ms";

SessionRecord readSession(const db::Statement& st)
{
    return SessionRecord{st.blob(0), st.text(1), st.text(2), st.int64(3), st.int64(4), st.int64(5)};
}

// Each table's column list with its alias in front of every name.
std::string qualified(const char* alias, const char* columns)
{
    std::string out = std::string(alias) + ".";
    for (const char* c = columns; *c; ++c)
        out += *c == ' ' ? std::string(" ") + alias + "." : std::string(1, *c);
    return out;
}

SecurityEvent readEvent(const db::Statement& st)
{
    return SecurityEvent{st.int64(0), st.int64(1), st.text(2), st.text(3), st.text(4), st.text(5)};
}

} // namespace

std::optional<UserRecord> SqlIdentityStore::user(const std::string& userId)
{
    auto c = m_pool.acquire();
    return readOne(c->prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE user_id = ?1").bind(1, userId),
                   readUser);
}

std::vector<UserRecord> SqlIdentityStore::users()
{
    auto c = m_pool.acquire();
    return readAll(c->prepare(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY user_id"), readUser);
}

std::vector<GrantRecord> SqlIdentityStore::grants(const std::string& userId)
{
    auto c = m_pool.acquire();
    // Two statements: `?1 = '' OR user_id = ?1` would scan every grant of the gateway on every call it authenticates.
    if (userId.empty())
        return readAll(c->prepare(std::string("SELECT ") + kGrantColumns + " FROM grants ORDER BY id"), readGrant);
    return readAll(c->prepare(std::string("SELECT ") + kGrantColumns + " FROM grants WHERE user_id = ?1 ORDER BY id")
                       .bind(1, userId),
                   readGrant);
}

std::optional<DeviceRecord> SqlIdentityStore::device(const std::string& deviceId)
{
    auto c = m_pool.acquire();
    return readOne(
        c->prepare(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE device_id = ?1").bind(1, deviceId),
        readDevice);
}

std::vector<DeviceRecord> SqlIdentityStore::devices()
{
    auto c = m_pool.acquire();
    return readAll(c->prepare(std::string("SELECT ") + kDeviceColumns + " FROM devices ORDER BY device_id"),
                   readDevice);
}

std::optional<SessionRecord> SqlIdentityStore::session(const std::string& tokenHash)
{
    auto c = m_pool.acquire();
    return readOne(c->prepare(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE token_hash = ?1")
                       .bindBlob(1, tokenHash),
                   readSession);
}

std::optional<SessionCaller> SqlIdentityStore::sessionCaller(const std::string& tokenHash)
{
    auto c = m_pool.acquire();
    // Columns 6 and 13 tell whether the device and the user exist (their keys are never NULL in their tables); a
    // CASE, as PostgreSQL answers IS NOT NULL with a boolean.
    static const std::string sql = "SELECT " + qualified("s", kSessionColumns) +
                                   ", CASE WHEN d.device_id IS NULL THEN 0 ELSE 1 END, " +
                                   qualified("d", kDeviceColumns) +
                                   ", CASE WHEN u.user_id IS NULL THEN 0 ELSE 1 END, " + qualified("u", kUserColumns) +
                                   " FROM sessions s LEFT JOIN devices d ON d.device_id = s.device_id LEFT JOIN users "
                                   "u ON u.user_id = s.user_id WHERE s.token_hash = ?1";
    return readOne(c->prepare(sql).bindBlob(1, tokenHash), [](const db::Statement& st) {
        SessionCaller out{readSession(st), std::nullopt, std::nullopt};
        if (st.int64(6))
            out.device = readDeviceAt(st, 7);
        if (st.int64(13))
            out.user = readUserAt(st, 14);
        return out;
    });
}

std::vector<SecurityEvent> SqlIdentityStore::securityLog()
{
    auto c = m_pool.acquire();
    return readAll(c->prepare("SELECT id, at_ms, actor, action, target, detail FROM security_log ORDER BY id"),
                   readEvent);
}

void SqlIdentityStore::append(db::Connection& c, const SecurityEvent& e)
{
    c.prepare("INSERT INTO security_log (at_ms, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(1, e.atMs)
        .bind(2, e.actor)
        .bind(3, e.action)
        .bind(4, e.target)
        .bind(5, e.detail)
        .run();
}

bool SqlIdentityStore::write(const std::optional<SecurityEvent>& log, const std::function<bool(db::Connection&)>& body)
{
    auto lease = m_pool.acquire();
    db::Connection& c = *lease;
    db::Transaction tx(c);
    if (!body(c))
        return false; // rolled back: nothing written, nothing logged
    if (log)
        append(c, *log);
    tx.commit();
    return true;
}

bool SqlIdentityStore::addUser(const UserRecord& u, const SecurityEvent& log)
{
    return write(log, [&](db::Connection& c) {
        c.prepare(db::insertIgnoreSql(c.dialect(), "users",
                                      {"user_id", "printed_name", "password_hash", "created_at_ms", "disabled_at_ms",
                                       "failed_logins", "locked_until_ms"}))
            .bind(1, u.userId)
            .bind(2, u.printedName)
            .bind(3, u.passwordHash)
            .bind(4, u.createdAtMs)
            .bind(5, u.disabledAtMs)
            .bind(6, static_cast<int64_t>(u.failedLogins))
            .bind(7, u.lockedUntilMs)
            .run();
        return c.changes() != 0;
    });
}

void SqlIdentityStore::updateUser(const UserRecord& u, const std::optional<SecurityEvent>& log)
{
    write(log, [&](db::Connection& c) {
        c.prepare("UPDATE users SET printed_name = ?2, password_hash = ?3, disabled_at_ms = ?4, failed_logins = ?5, "
                  "locked_until_ms = ?6 WHERE user_id = ?1")
            .bind(1, u.userId)
            .bind(2, u.printedName)
            .bind(3, u.passwordHash)
            .bind(4, u.disabledAtMs)
            .bind(5, static_cast<int64_t>(u.failedLogins))
            .bind(6, u.lockedUntilMs)
            .run();
        return true;
    });
}

std::optional<UserRecord> SqlIdentityStore::countFailedLogin(
    const std::string& userId, int maxFailed, int64_t lockUntilMs,
    const std::function<std::vector<SecurityEvent>(const UserRecord& after, int counted)>& logs)
{
    std::optional<UserRecord> after;
    write(std::nullopt, [&](db::Connection& c) {
        // Read and write under the writers' lock: another instance's count lands before or after, never lost.
        after =
            readOne(c.prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE user_id = ?1").bind(1, userId),
                    readUser);
        if (!after)
            return false;
        const int counted = after->failedLogins + 1;
        after->failedLogins = counted >= maxFailed ? 0 : counted;
        if (counted >= maxFailed)
            after->lockedUntilMs = lockUntilMs;
        c.prepare("UPDATE users SET failed_logins = ?2, locked_until_ms = ?3 WHERE user_id = ?1")
            .bind(1, userId)
            .bind(2, static_cast<int64_t>(after->failedLogins))
            .bind(3, after->lockedUntilMs)
            .run();
        for (const auto& line : logs(*after, counted))
            append(c, line);
        return true;
    });
    return after;
}

int64_t SqlIdentityStore::addGrant(const GrantRecord& g, const SecurityEvent& log)
{
    int64_t id = 0;
    write(std::nullopt, [&](db::Connection& c) {
        c.prepare("INSERT INTO grants (user_id, role, study_id, site_id, start_ms, end_ms, granted_by) VALUES (?1, "
                  "?2, ?3, ?4, ?5, ?6, ?7)")
            .bind(1, g.userId)
            .bind(2, g.role)
            .bind(3, g.studyId)
            .bind(4, g.siteId)
            .bind(5, g.startMs)
            .bind(6, g.endMs)
            .bind(7, g.grantedBy)
            .run();
        id = c.lastInsertRowId();
        SecurityEvent withId = log; // the log line names the grant, known only now
        withId.detail = "grant " + std::to_string(id) + (log.detail.empty() ? "" : ": " + log.detail);
        append(c, withId);
        return true;
    });
    return id;
}

bool SqlIdentityStore::endGrant(int64_t grantId, int64_t atMs, const std::string& by, const SecurityEvent& log)
{
    return write(log, [&](db::Connection& c) {
        c.prepare("UPDATE grants SET end_ms = ?2, ended_by = ?3 WHERE id = ?1 AND (end_ms = 0 OR end_ms > ?2)")
            .bind(1, grantId)
            .bind(2, atMs)
            .bind(3, by)
            .run();
        return c.changes() != 0;
    });
}

void SqlIdentityStore::putDevice(const DeviceRecord& d, const SecurityEvent& log)
{
    write(log, [&](db::Connection& c) {
        c.prepare(db::upsertSql(
                      c.dialect(), "devices",
                      {"device_id", "secret_hash", "enrolled_by", "enrolled_at_ms", "revoked_at_ms", "revoked_by"}, 1))
            .bind(1, d.deviceId)
            .bindBlob(2, d.secretHash)
            .bind(3, d.enrolledBy)
            .bind(4, d.enrolledAtMs)
            .bind(5, d.revokedAtMs)
            .bind(6, d.revokedBy)
            .run();
        return true;
    });
}

void SqlIdentityStore::addSession(const SessionRecord& s, const SecurityEvent& log)
{
    write(log, [&](db::Connection& c) {
        c.prepare("INSERT INTO sessions (token_hash, user_id, device_id, created_at_ms, expires_at_ms) VALUES (?1, "
                  "?2, ?3, ?4, ?5)")
            .bindBlob(1, s.tokenHash)
            .bind(2, s.userId)
            .bind(3, s.deviceId)
            .bind(4, s.createdAtMs)
            .bind(5, s.expiresAtMs)
            .run();
        return true;
    });
}

void SqlIdentityStore::endSession(const std::string& tokenHash, int64_t atMs, const SecurityEvent& log)
{
    write(log, [&](db::Connection& c) {
        c.prepare("UPDATE sessions SET ended_at_ms = ?2 WHERE token_hash = ?1 AND ended_at_ms = 0")
            .bindBlob(1, tokenHash)
            .bind(2, atMs)
            .run();
        return true;
    });
}

void SqlIdentityStore::log(const SecurityEvent& event)
{
    write(event, [](db::Connection&) { return true; });
}

} // namespace crf::gateway
