// Change-event rules shared by tablet and gateway: canonical hash, shape checks, audit-trail rules.
#pragma once

#include "crf/v1/events.pb.h"
#include "crypto.h"
#include "result.h"

#include <string>
#include <string_view>

namespace crf {

/// The hash that chains a device's events: SHA-256 over a canonical, length-prefixed encoding of every
/// field of the event (including prev_hash). Independent of protobuf's serializer, which is not canonical.
Digest eventHash(const v1::ChangeEvent& event);
/// The gateway's own chain link: SHA-256 over the previous server hash and everything the gateway adds to an
/// accepted event (event hash, server_seq, receipt time, clock skew and flag, conflict notes, resolved items).
Digest serverChainHash(const std::string& prevServerHash, const v1::ServerEvent& accepted);
/// The link as gateway schema version 1 wrote it (event hash, server_seq, receipt time only): kept so that stores
/// upgraded from version 1 still verify.
Digest serverChainHashV1(const std::string& prevServerHash, const v1::ServerEvent& accepted);

/// Hash of "no previous event": 32 zero bytes.
std::string genesisHash();

/// Record statuses a status event may set (never a physical delete: 21 CFR 11.10(e)).
inline constexpr const char* kEnteredInError = "ENTERED_IN_ERROR";
inline constexpr const char* kRestored = "RESTORED";

/// A subject's number as the protocol identifies patients (initials apart): 1 to 20 letters, digits or dashes.
bool isSubjectId(std::string_view subjectId);

/// Checks that an event is well formed: ids present and bounded (a UUID event id, no control characters, 64 bytes at
/// most), sequence from 1, times within what ISO 8601 writes, prev hash 32 bytes, changes named, no item twice,
/// values of 10,000 bytes at most. The error names the field at fault and never quotes what it refuses.
Status validateEventShape(const v1::ChangeEvent& event);

/// 21 CFR 11.10(e) / ICH E6(R3) 4.2.2: a change to a previously saved value needs a reason (code + text).
Status checkReasonForChange(const v1::ChangeEvent& event);

/// Formats a capture stamp as ISO 8601 with explicit offset, e.g. 2026-11-22T08:15:00+01:00.
std::string isoTimestamp(int64_t utcMs, int32_t offsetMinutes);

} // namespace crf
