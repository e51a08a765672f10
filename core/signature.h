// Electronic signatures: the hash of exactly what is signed (21 CFR 11.70: a signature is linked to its record).
#pragma once

#include "crypto.h"

#include <cstdint>
#include <string>
#include <vector>

namespace crf::signature {

inline constexpr const char* kForm = "FORM";
inline constexpr const char* kCasebook = "CASEBOOK";

/// One signed value: where it is and what it holds.
struct SignedValue {
    std::string visitOid, formOid;
    uint32_t repeat = 0;
    std::string itemOid, value, unit;
};

/// SHA-256 over the values in a canonical order (visit, form, repeat, item), each field length-prefixed; the same
/// values give the same hash on every tablet and at the gateway, any change gives another.
Digest signedContentHash(std::vector<SignedValue> values);

} // namespace crf::signature
