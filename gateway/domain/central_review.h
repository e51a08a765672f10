// CentralReview: blinded central scoring of the knee photos (docs/sponsor.md; protocol: a central assessor, blinded,
// also scores the photos) and the site-versus-central agreement report (weighted kappa, core/kappa.h).
#pragma once

#include "clock.h"
#include "crf/v1/trial.pb.h"
#include "event_rules.h"
#include "identity/identity.h"
#include "storage/store.h"

namespace crf::gateway {

/// Thread-safe. The assessor only ever sees random codes; the mapping stays in the gateway.
class CentralReview {
public:
    CentralReview(Store& store, const StudyRegistry& studies, const Clock& clock)
        : m_store(store), m_studies(studies), m_clock(clock)
    {
    }

    /// Every verified photo of the study's mottling forms, each behind its code (made on first sight).
    Result<v1::ReviewQueueResponse> queue(const Principal& who, const v1::ReviewQueueRequest& request) const;
    Result<v1::ReviewPhotoResponse> photo(const v1::ReviewPhotoRequest& request) const;
    Result<v1::SubmitScoreResponse> score(const Principal& who, const v1::SubmitScoreRequest& request) const;
    /// Site score (the form's score item) against the latest central score of each photo.
    Result<v1::ReviewReportResponse> report(const v1::ReviewReportRequest& request) const;

private:
    Store& m_store;
    const StudyRegistry& m_studies;
    const Clock& m_clock;
};

} // namespace crf::gateway
