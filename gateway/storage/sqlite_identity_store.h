// SqliteIdentityStore: IdentityStore over the gateway's SQLite connection (tables of schema 6).
#pragma once

#include "identity_store.h"

#include <functional>
#include <mutex>
#include <optional>

namespace crf::sql {
class Database;
class Statement;
} // namespace crf::sql

namespace crf::gateway {

/// Shares the store's connection and mutex, so identity writes serialise with event writes.
class SqliteIdentityStore final : public IdentityStore {
public:
    SqliteIdentityStore(sql::Database& db, std::mutex& mutex) : m_db(db), m_mutex(mutex) {}

    std::optional<UserRecord> user(const std::string& userId) override;
    std::vector<UserRecord> users() override;
    std::vector<GrantRecord> grants(const std::string& userId) override;
    std::optional<DeviceRecord> device(const std::string& deviceId) override;
    std::vector<DeviceRecord> devices() override;
    std::optional<SessionRecord> session(const std::string& tokenHash) override;
    std::vector<SecurityEvent> securityLog() override;
    bool addUser(const UserRecord& user, const SecurityEvent& log) override;
    void updateUser(const UserRecord& user, const std::optional<SecurityEvent>& log) override;
    int64_t addGrant(const GrantRecord& grant, const SecurityEvent& log) override;
    bool endGrant(int64_t grantId, int64_t atMs, const std::string& by, const SecurityEvent& log) override;
    void putDevice(const DeviceRecord& device, const SecurityEvent& log) override;
    void addSession(const SessionRecord& session, const SecurityEvent& log) override;
    void endSession(const std::string& tokenHash, int64_t atMs, const SecurityEvent& log) override;
    void log(const SecurityEvent& event) override;

private:
    void append(const SecurityEvent& event); // caller holds the lock, inside a transaction
    /// One durable transaction: `body` (false: roll back, nothing logged), then `log`.
    bool write(const std::optional<SecurityEvent>& log, const std::function<bool()>& body);
    sql::Database& m_db;
    std::mutex& m_mutex;
};

} // namespace crf::gateway
