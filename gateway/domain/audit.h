// Audit: verification of both hash chains and a field's full history (21 CFR 11.10(e); EMA 2023 6.2.1, 6.2.2).
#pragma once

#include "storage/store.h"

#include <optional>
#include <string>
#include <vector>

namespace crf::gateway {

struct AuditReport {
    uint64_t eventsChecked = 0;
    uint64_t refusedChecked = 0;
    uint64_t devices = 0;
    uint64_t absentLinks = 0;   // links across device events an import did not bring (Store::recordAbsent)
    uint64_t photosChecked = 0; // verified photos whose stored bytes were hashed again
    std::optional<std::string> firstBrokenLink; // names the link: "server_seq 12: ..." or "device X seq 4: ..."
    bool intact() const { return !firstBrokenLink.has_value(); }
};

/// Recomputes every event hash, the gateway's chain over accepted events, and each device's chain (accepted and
/// refused events in device order, from 1), then the SHA-256 of every verified photo's stored bytes (on the embedded
/// store they are files outside the database's triggers). Stops at the first broken link and names it. Never throws.
AuditReport verifyAudit(Store& store);

/// One change of one item, as an auditor reads it.
struct HistoryEntry {
    uint64_t serverSeq = 0; // 0 for a refused change
    std::string visitOid, formOid, itemOid;
    uint32_t repeat = 0;
    std::string oldValue, newValue, unit;
    bool oldPresent = false, newPresent = false;
    std::string userId, role, siteId, deviceId;
    int64_t capturedAtMs = 0;
    int32_t capturedOffsetMin = 0;
    int64_t receivedAtMs = 0;
    std::string reasonCode, reasonText;
    std::string notes; // conflict, resolution, clock skew, refusal
};

/// Accepted events that name a photo (an item of type PHOTO in their study's definition) the gateway does not yet
/// hold verified: such an event is not complete until its photo arrives.
struct AwaitingPhoto {
    uint64_t serverSeq = 0;
    std::string itemOid, digest;
};
class StudyRegistry;
std::vector<AwaitingPhoto> eventsAwaitingPhotos(Store& store, const StudyRegistry& studies);

/// Every change of `subjectId` (optionally one item), in server order, refused changes included.
Result<std::vector<HistoryEntry>> fieldHistory(Store& store, const std::string& subjectId,
                                               const std::string& itemOid = {});

} // namespace crf::gateway
