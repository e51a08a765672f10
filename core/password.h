// Passwords: Argon2id hashes (libsodium) and the password policy, shared by the gateway and the tablet's offline
// verifier.
#pragma once

#include "result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace crf::password {

/// Argon2id cost. Interactive: 2 passes over 64 MiB (above OWASP's 19 MiB / 2 passes minimum); about 0.1 s here.
enum class Cost { Interactive, Moderate };

/// An encoded Argon2id hash ("$argon2id$v=19$m=...,t=...,p=1$salt$hash") with a fresh random salt.
Result<std::string> hash(std::string_view password, Cost cost = Cost::Interactive);
/// Constant-time check of `password` against an encoded hash; false for a malformed hash.
bool verify(const std::string& encodedHash, std::string_view password);

/// The policy (NIST SP 800-63B 5.1.1.2): at least 12 characters, at most 256, not the user id, not one repeated
/// character, not a well-known password. The error says which rule failed, never the password.
Status checkPolicy(std::string_view password, std::string_view userId);

/// Wrong passwords checked on the tablet alone (an offline login, the unlock of the idle lock, a signature). Whoever
/// holds a tablet can try passwords against the verifier kept on it, out of the gateway's reach and its lockout, so
/// the tablet slows them itself (21 CFR 11.300(d): safeguards against the unauthorised use of passwords; NIST SP
/// 800-63B 5.2.2: rate limiting): the first kFreeFailures in a row cost nothing (typos, a gloved finger); each one
/// after waits kFirstWaitMs, doubling up to kLongestWaitMs; after kMaxFailures the tablet no longer checks that
/// user's password at all until the gateway has accepted it online. A right password clears the count.
struct OfflineAttempts {
    static constexpr uint32_t kFreeFailures = 5;
    static constexpr uint32_t kMaxFailures = 10;
    static constexpr int64_t kFirstWaitMs = 60'000;
    static constexpr int64_t kLongestWaitMs = 15 * 60'000;

    uint32_t failures = 0;     // wrong passwords in a row
    int64_t lastFailureMs = 0; // when the last one was given

    /// How long the next attempt must still wait at `nowMs` (0: it may be checked now). A clock set back counts
    /// from now, never longer than the wait itself.
    int64_t waitMs(int64_t nowMs) const;
    /// No check at all until an online login.
    bool onlineOnly() const { return failures >= kMaxFailures; }
    /// After one more wrong password at `nowMs`.
    OfflineAttempts failedAt(int64_t nowMs) const { return {failures + 1, nowMs}; }
    /// What the user is told with a wrong password that left this count, so a wait or the end of offline checks
    /// never comes as a surprise: how many more are free when three or fewer are, else the wait before the next try
    /// and how many are left before only an online login will do, or that only an online login will do now. Empty
    /// while more than three are free.
    Message afterWrong() const;

    /// As kept in the tablet's store ("" for none); a value that does not read back counts as kMaxFailures (a
    /// damaged record never opens the gate).
    std::string encode() const;
    static OfflineAttempts decode(std::string_view stored);
};

} // namespace crf::password
