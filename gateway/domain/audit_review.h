// AuditReview: aids for reviewing the audit trail (EMA 2023 §6.2.2): changes at unexpected hours, long delays
// between capture and upload, device clock discrepancies, unusual correction rates per user.
#pragma once

#include "storage/store.h"

#include <string>
#include <vector>

namespace crf::gateway {

struct AuditReviewOptions {
    std::string studyId;
    int nightStartHour = 22;              // local time of the device (capture offset), inclusive
    int nightEndHour = 6;                 // exclusive
    int64_t delayMs = 24LL * 3600 * 1000; // capture -> upload longer than this is listed
    double rateFactor = 2.0;              // a user's correction share above this multiple of the study's is listed
    int minEvents = 10;                   // users with fewer events are not rated
};

struct ReviewFinding {
    std::string kind; // "UNEXPECTED_HOUR", "LATE_UPLOAD", "CLOCK", "CORRECTION_RATE"
    std::string userId, deviceId, siteId, subjectId;
    uint64_t serverSeq = 0; // 0 for a per-user finding
    std::string text;
};

struct AuditReviewReport {
    int events = 0;
    std::vector<ReviewFinding> findings;
    int count(const std::string& kind) const;
};

/// Reads the accepted events of a study (never patient values: findings name users, devices, subjects and times).
Result<AuditReviewReport> reviewAuditTrail(Store& store, const AuditReviewOptions& options);

} // namespace crf::gateway
