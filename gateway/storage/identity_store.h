// IdentityStore: accounts, role grants, enrolled devices, sessions and the security log (docs/security.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace crf::gateway {

/// A user account. Ids are never reused or reassigned: an account is disabled, never deleted.
struct UserRecord {
    std::string userId, printedName, passwordHash; // Argon2id, encoded
    int64_t createdAtMs = 0, disabledAtMs = 0;     // 0: enabled
    int failedLogins = 0;                          // consecutive, since the last success or lockout
    int64_t lockedUntilMs = 0;
};

/// A role held by a user for a study at a site ("*": every site) from startMs until endMs (0: open-ended).
struct GrantRecord {
    int64_t id = 0;
    std::string userId, role, studyId, siteId;
    int64_t startMs = 0, endMs = 0;
    std::string grantedBy, endedBy;
    bool activeAt(int64_t ms) const { return startMs <= ms && (endMs == 0 || ms < endMs); }
};

/// A tablet enrolled at its first login; its credential is kept as a SHA-256 of the secret.
struct DeviceRecord {
    std::string deviceId, secretHash, enrolledBy;
    int64_t enrolledAtMs = 0, revokedAtMs = 0;
    std::string revokedBy;
};

/// A login session; the token itself is never stored, only its SHA-256.
struct SessionRecord {
    std::string tokenHash, userId, deviceId;
    int64_t createdAtMs = 0, expiresAtMs = 0, endedAtMs = 0;
};

/// A session as an authenticated call sees it: the device and the user it names (absent when unknown).
struct SessionCaller {
    SessionRecord session;
    std::optional<DeviceRecord> device;
    std::optional<UserRecord> user;
};

/// One line of the security log (logins, lockouts, grants, revocations, enrolments). Append-only.
struct SecurityEvent {
    int64_t id = 0, atMs = 0;
    std::string actor, action, target, detail;
};

/// Storage of identities. Thread-safe. Every write is one durable transaction together with its log line.
/// Methods throw on storage failure (the caller reports UNAVAILABLE).
class IdentityStore {
public:
    virtual ~IdentityStore() = default;
    virtual std::optional<UserRecord> user(const std::string& userId) = 0;
    virtual std::vector<UserRecord> users() = 0;
    /// Grants of one user, or of everyone when `userId` is empty, ended ones included, oldest first.
    virtual std::vector<GrantRecord> grants(const std::string& userId) = 0;
    virtual std::optional<DeviceRecord> device(const std::string& deviceId) = 0;
    virtual std::vector<DeviceRecord> devices() = 0;
    virtual std::optional<SessionRecord> session(const std::string& tokenHash) = 0;
    /// A session with its device and its user, read together: every authenticated call needs all three.
    virtual std::optional<SessionCaller> sessionCaller(const std::string& tokenHash) = 0;
    virtual std::vector<SecurityEvent> securityLog() = 0;

    /// False when the id exists or existed (nothing written).
    virtual bool addUser(const UserRecord& user, const SecurityEvent& log) = 0;
    virtual void updateUser(const UserRecord& user, const std::optional<SecurityEvent>& log) = 0;
    /// One wrong password for `userId`, counted in one write transaction so that gateway instances sharing the
    /// database never lose a count: the count goes up by one; at `maxFailed` it starts again and the account locks
    /// until `lockUntilMs`. `logs(after, counted)` gives the security log lines, written in the same transaction.
    /// Returns the account after (nullopt: no such account).
    virtual std::optional<UserRecord>
    countFailedLogin(const std::string& userId, int maxFailed, int64_t lockUntilMs,
                     const std::function<std::vector<SecurityEvent>(const UserRecord& after, int counted)>& logs) = 0;
    virtual int64_t addGrant(const GrantRecord& grant, const SecurityEvent& log) = 0;
    /// False when there is no such grant or it has already ended.
    virtual bool endGrant(int64_t grantId, int64_t atMs, const std::string& by, const SecurityEvent& log) = 0;
    virtual void putDevice(const DeviceRecord& device, const SecurityEvent& log) = 0;
    virtual void addSession(const SessionRecord& session, const SecurityEvent& log) = 0;
    virtual void endSession(const std::string& tokenHash, int64_t atMs, const SecurityEvent& log) = 0;
    virtual void log(const SecurityEvent& event) = 0;
};

} // namespace crf::gateway
