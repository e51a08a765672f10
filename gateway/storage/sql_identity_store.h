// SqlIdentityStore: IdentityStore over the gateway's SQL connections (SQLite or PostgreSQL).
#pragma once

#include "identity_store.h"
#include "sql_db.h"

#include <functional>
#include <optional>

namespace crf::gateway {

/// Borrows a connection of the store's pool per call; writes take the writers' lock like event writes.
class SqlIdentityStore final : public IdentityStore {
public:
    explicit SqlIdentityStore(db::Pool& pool) : m_pool(pool) {}

    std::optional<UserRecord> user(const std::string& userId) override;
    std::vector<UserRecord> users() override;
    std::vector<GrantRecord> grants(const std::string& userId) override;
    std::optional<DeviceRecord> device(const std::string& deviceId) override;
    std::vector<DeviceRecord> devices() override;
    std::optional<SessionRecord> session(const std::string& tokenHash) override;
    std::optional<SessionCaller> sessionCaller(const std::string& tokenHash) override;
    std::vector<SecurityEvent> securityLog() override;
    bool addUser(const UserRecord& user, const SecurityEvent& log) override;
    void updateUser(const UserRecord& user, const std::optional<SecurityEvent>& log) override;
    std::optional<UserRecord> countFailedLogin(
        const std::string& userId, int maxFailed, int64_t lockUntilMs,
        const std::function<std::vector<SecurityEvent>(const UserRecord& after, int counted)>& logs) override;
    int64_t addGrant(const GrantRecord& grant, const SecurityEvent& log) override;
    bool endGrant(int64_t grantId, int64_t atMs, const std::string& by, const SecurityEvent& log) override;
    void putDevice(const DeviceRecord& device, const SecurityEvent& log) override;
    void addSession(const SessionRecord& session, const SecurityEvent& log) override;
    void endSession(const std::string& tokenHash, int64_t atMs, const SecurityEvent& log) override;
    void log(const SecurityEvent& event) override;

private:
    static void append(db::Connection& c, const SecurityEvent& event); // inside a transaction
    /// One durable transaction: `body` (false: roll back, nothing logged), then `log`.
    bool write(const std::optional<SecurityEvent>& log, const std::function<bool(db::Connection&)>& body);
    db::Pool& m_pool;
};

} // namespace crf::gateway
