// Passwords: Argon2id hashes (libsodium) and the password policy, shared by the gateway and the tablet's offline
// verifier.
#pragma once

#include "result.h"

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

} // namespace crf::password
