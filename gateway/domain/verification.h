// VerificationDomain: source data verification (docs/sponsor.md): marks by monitors, cleared by any later change.
#pragma once

#include "clock.h"
#include "crf/v1/trial.pb.h"
#include "identity/identity.h"
#include "storage/store.h"

namespace crf::gateway {

/// Marks are append-only records; whether a mark still holds is derived from the events after it, so a change made
/// offline and synced later clears it too. Thread-safe.
class VerificationDomain {
public:
    VerificationDomain(Store& store, const Clock& clock) : m_store(store), m_clock(clock) {}

    /// Access control has checked the caller is a monitor of the form instance's site.
    Result<v1::MarkVerifiedResponse> mark(const Principal& who, const v1::MarkVerifiedRequest& request) const;
    Result<v1::VerificationResponse> list(const v1::VerificationRequest& request) const;

    /// The site of a subject, from its events ("" when the gateway holds none).
    static std::string siteOf(Store& store, const std::string& studyId, const std::string& subjectId);

private:
    Store& m_store;
    const Clock& m_clock;
};

} // namespace crf::gateway
