// Identity: accounts, grants, device enrolment, login with lockout, and session tokens (docs/security.md).
#pragma once

#include "clock.h"
#include "crf/v1/auth.pb.h"
#include "result.h"
#include "roles.h"
#include "storage/identity_store.h"

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace crf::gateway {

/// Why a call is refused, independent of gRPC (the service layer maps it to a status code).
enum class Refusal { None, Unauthenticated, PermissionDenied, InvalidArgument, Unavailable };

/// A decision with a message for the screen (never the password, never patient data).
struct Verdict {
    Refusal refusal = Refusal::None;
    Message message; // worded for a screen in another language (sent beside the status, tablet ui::errorText)
    bool ok() const { return refusal == Refusal::None; }
    static Verdict allow() { return {}; }
};

/// Who is calling: an open session of an enabled user on an enrolled device, and the roles that hold now.
struct Principal {
    std::string userId, deviceId, printedName;
    std::vector<GrantRecord> grants; // active at the time of the call
};

/// The account and session rules. Thread-safe (the store serialises writes).
class Identity {
public:
    struct Options {
        int64_t sessionTtlMs = 12LL * 3600 * 1000; // one shift
        int maxFailedLogins = 5;                   // then locked (FDA Q&A 2024 Q11: login-attempt limits)
        int64_t lockoutMs = 15LL * 60 * 1000;
        /// Password checks running at once (each holds 64 MiB for Argon2id): a ward's tablets logging in together at
        /// shift change wait their turn instead of exhausting the gateway's memory.
        int concurrentPasswordChecks = 4;
    };
    Identity(IdentityStore& store, const Clock& clock, Options options);
    Identity(IdentityStore& store, const Clock& clock) : Identity(store, clock, Options{}) {}

    // Administration (crfctl, and tests). `actor` is who does it, as written in the security log.
    Status addUser(const std::string& actor, const std::string& userId, const std::string& printedName,
                   const std::string& password);
    Status disableUser(const std::string& actor, const std::string& userId);
    /// Unlocks a locked account (the lockout is also lifted by time).
    Status unlockUser(const std::string& actor, const std::string& userId);
    /// Grants `role` for `studyId` at `siteId` ("*" only for roles not bound to a site). endMs 0: open-ended.
    Result<int64_t> grant(const std::string& actor, const std::string& userId, const std::string& role,
                          const std::string& studyId, const std::string& siteId, int64_t startMs = 0,
                          int64_t endMs = 0);
    Status revoke(const std::string& actor, int64_t grantId);
    Status revokeDevice(const std::string& actor, const std::string& deviceId);

    /// Login: the password is checked with Argon2id; wrong passwords count towards lockout; the first login of a
    /// device enrols it. The verdict says why a login failed, the same words for an unknown user and a wrong
    /// password.
    std::pair<Verdict, v1::LoginResponse> login(const v1::LoginRequest& request);
    /// Resolves a bearer token into a principal (every RPC but Login).
    std::pair<Verdict, Principal> authenticate(const std::string& token);
    void logout(const std::string& token);

    /// Grants active at `atMs`.
    std::vector<GrantRecord> activeGrants(const std::string& userId, int64_t atMs);
    IdentityStore& store() { return m_store; }
    /// The most password checks that ever ran at once (bounded by Options::concurrentPasswordChecks).
    int passwordChecksPeak()
    {
        std::lock_guard lock(m_checksMutex);
        return m_checksPeak;
    }
    const Clock& clock() const { return m_clock; }

private:
    SecurityEvent entry(const std::string& actor, const std::string& action, const std::string& target,
                        const std::string& detail = {}) const;
    bool checkPassword(const std::string& encodedHash, const std::string& password);
    IdentityStore& m_store;
    std::mutex m_checksMutex;
    std::condition_variable m_checksFree;
    int m_checksRunning = 0, m_checksPeak = 0;
    const Clock& m_clock;
    Options m_options;
};

/// Unique, printable ids: letters, digits, '.', '-', '_' and '@', 1 to 64 characters.
bool isValidId(const std::string& id);

} // namespace crf::gateway
