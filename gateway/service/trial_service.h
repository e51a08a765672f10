// TrialService: translates crf.v1.TrialService gRPC calls to TrialDomain after the access check; no rules here.
#pragma once

#include "crf/v1/trial.grpc.pb.h"
#include "domain/central_review.h"
#include "domain/odm_export.h"
#include "domain/query_domain.h"
#include "domain/trial_domain.h"
#include "domain/verification.h"
#include "identity/access_control.h"

namespace crf::gateway {

/// gRPC adapter for consent and randomization (docs/consent.md, docs/randomization.md).
class TrialService final : public v1::TrialService::Service {
public:
    TrialService(const TrialDomain& domain, AccessControl& access) : m_domain(domain), m_access(access) {}

    grpc::Status ConsentWorklist(grpc::ServerContext* context, const v1::ConsentWorklistRequest* request,
                                 v1::ConsentWorklistResponse* response) override;
    grpc::Status ConsentCounts(grpc::ServerContext* context, const v1::ConsentCountsRequest* request,
                               v1::ConsentCountsResponse* response) override;
    grpc::Status SiteInventory(grpc::ServerContext* context, const v1::SiteInventoryRequest* request,
                               v1::SiteInventoryResponse* response) override;
    grpc::Status LoadInventory(grpc::ServerContext* context, const v1::LoadInventoryRequest* request,
                               v1::LoadInventoryResponse* response) override;
    grpc::Status LoadAllocation(grpc::ServerContext* context, const v1::LoadAllocationRequest* request,
                                v1::LoadAllocationResponse* response) override;
    grpc::Status Unblind(grpc::ServerContext* context, const v1::UnblindRequest* request,
                         v1::UnblindResponse* response) override;
    grpc::Status TrialReport(grpc::ServerContext* context, const v1::TrialReportRequest* request,
                             v1::TrialReportResponse* response) override;

private:
    const TrialDomain& m_domain;
    AccessControl& m_access;
};

/// gRPC adapter for the sponsor's ODM export (docs/sponsor.md).
class ExportService final : public v1::ExportService::Service {
public:
    ExportService(Store& store, const StudyRegistry& studies, const Clock& clock, AccessControl& access)
        : m_store(store), m_studies(studies), m_clock(clock), m_access(access)
    {
    }
    grpc::Status ExportOdm(grpc::ServerContext* context, const v1::ExportOdmRequest* request,
                           grpc::ServerWriter<v1::ExportChunk>* writer) override;

private:
    Store& m_store;
    const StudyRegistry& m_studies;
    const Clock& m_clock;
    AccessControl& m_access;
};

/// gRPC adapter for source data verification.
class VerificationService final : public v1::VerificationService::Service {
public:
    VerificationService(Store& store, const Clock& clock, AccessControl& access)
        : m_domain(store, clock), m_access(access)
    {
    }
    grpc::Status MarkVerified(grpc::ServerContext* context, const v1::MarkVerifiedRequest* request,
                              v1::MarkVerifiedResponse* response) override;
    grpc::Status Verification(grpc::ServerContext* context, const v1::VerificationRequest* request,
                              v1::VerificationResponse* response) override;

private:
    VerificationDomain m_domain;
    AccessControl& m_access;
};

/// gRPC adapter for data queries.
class QueryService final : public v1::QueryService::Service {
public:
    QueryService(Store& store, const Clock& clock, AccessControl& access) : m_domain(store, clock), m_access(access) {}
    grpc::Status OpenQuery(grpc::ServerContext* context, const v1::OpenQueryRequest* request,
                           v1::DataQuery* response) override;
    grpc::Status QueryAction(grpc::ServerContext* context, const v1::QueryActionRequest* request,
                             v1::DataQuery* response) override;
    grpc::Status ListQueries(grpc::ServerContext* context, const v1::ListQueriesRequest* request,
                             v1::ListQueriesResponse* response) override;

private:
    QueryDomain m_domain;
    AccessControl& m_access;
};

/// gRPC adapter for the central, blinded review of the mottling photos.
class CentralReviewService final : public v1::CentralReviewService::Service {
public:
    CentralReviewService(Store& store, const StudyRegistry& studies, const Clock& clock, AccessControl& access)
        : m_domain(store, studies, clock), m_access(access)
    {
    }
    grpc::Status ReviewQueue(grpc::ServerContext* context, const v1::ReviewQueueRequest* request,
                             v1::ReviewQueueResponse* response) override;
    grpc::Status ReviewPhoto(grpc::ServerContext* context, const v1::ReviewPhotoRequest* request,
                             v1::ReviewPhotoResponse* response) override;
    grpc::Status SubmitScore(grpc::ServerContext* context, const v1::SubmitScoreRequest* request,
                             v1::SubmitScoreResponse* response) override;
    grpc::Status ReviewReport(grpc::ServerContext* context, const v1::ReviewReportRequest* request,
                              v1::ReviewReportResponse* response) override;

private:
    CentralReview m_domain;
    AccessControl& m_access;
};

} // namespace crf::gateway
