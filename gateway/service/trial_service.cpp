#include "trial_service.h"

#include "auth_service.h"

namespace crf::gateway {
namespace {

/// A domain result to the response, or INVALID_ARGUMENT naming the field (storage failures: UNAVAILABLE), worded for
/// the tablet's screen (refusal()).
template <typename T> grpc::Status answer(grpc::ServerContext* context, Result<T> result, T* response)
{
    if (!result)
        return refusal(context,
                       result.error().where == "gateway store" ? grpc::StatusCode::UNAVAILABLE
                                                               : grpc::StatusCode::INVALID_ARGUMENT,
                       result.error());
    *response = std::move(result).value();
    return grpc::Status::OK;
}

} // namespace

grpc::Status TrialService::ConsentWorklist(grpc::ServerContext* context, const v1::ConsentWorklistRequest* request,
                                           v1::ConsentWorklistResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::ConsentWorklist, *request); !denied.ok())
        return denied;
    return answer(context, m_domain.worklist(*request), response);
}

grpc::Status TrialService::ConsentCounts(grpc::ServerContext* context, const v1::ConsentCountsRequest* request,
                                         v1::ConsentCountsResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::ConsentCounts, *request); !denied.ok())
        return denied;
    return answer(context, m_domain.counts(*request), response);
}

grpc::Status TrialService::SiteInventory(grpc::ServerContext* context, const v1::SiteInventoryRequest* request,
                                         v1::SiteInventoryResponse* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::SiteInventory, *request, &who); !denied.ok())
        return denied;
    return answer(context,
                  m_domain.inventory(*request, m_access.seesArmsAt(who, request->study_id(), request->site_id())),
                  response);
}

grpc::Status TrialService::LoadInventory(grpc::ServerContext* context, const v1::LoadInventoryRequest* request,
                                         v1::LoadInventoryResponse* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::LoadInventory, *request, &who); !denied.ok())
        return denied;
    return answer(context, m_domain.loadInventory(who, *request), response);
}

grpc::Status TrialService::LoadAllocation(grpc::ServerContext* context, const v1::LoadAllocationRequest* request,
                                          v1::LoadAllocationResponse* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::LoadAllocation, *request, &who); !denied.ok())
        return denied;
    return answer(context, m_domain.loadAllocation(who, *request), response);
}

grpc::Status TrialService::Unblind(grpc::ServerContext* context, const v1::UnblindRequest* request,
                                   v1::UnblindResponse* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::Unblind, *request, &who); !denied.ok())
        return denied;
    return answer(context, m_domain.unblind(who, *request), response);
}

grpc::Status TrialService::TrialReport(grpc::ServerContext* context, const v1::TrialReportRequest* request,
                                       v1::TrialReportResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::TrialReport, *request); !denied.ok())
        return denied;
    return answer(context, m_domain.report(*request), response);
}

grpc::Status ExportService::ExportOdm(grpc::ServerContext* context, const v1::ExportOdmRequest* request,
                                      grpc::ServerWriter<v1::ExportChunk>* writer)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::ExportOdm, *request, &who); !denied.ok())
        return denied;
    OdmExportOptions options;
    options.studyId = request->study_id();
    options.afterServerSeq = request->after_server_seq();
    options.siteId = request->site_id();
    options.includeArms = m_access.seesArmsAt(who, request->study_id(), "*");
    options.exportedBy = who.userId;
    auto built = buildOdm132(m_store, m_studies, m_clock, options);
    if (!built)
        return refusal(context,
                       built.error().where == "gateway store" ? grpc::StatusCode::UNAVAILABLE
                                                              : grpc::StatusCode::INVALID_ARGUMENT,
                       built.error());
    constexpr size_t kChunk = 1024 * 1024;
    const std::string& xml = built->xml;
    for (size_t at = 0; at < xml.size() || at == 0; at += kChunk) {
        v1::ExportChunk chunk;
        chunk.set_data(xml.substr(at, kChunk));
        chunk.set_last(at + kChunk >= xml.size());
        if (chunk.last())
            chunk.set_next_cursor(built->lastServerSeq);
        if (!writer->Write(chunk))
            return grpc::Status(grpc::StatusCode::CANCELLED, "the reader went away");
        if (chunk.last())
            break;
    }
    return grpc::Status::OK;
}

grpc::Status VerificationService::MarkVerified(grpc::ServerContext* context, const v1::MarkVerifiedRequest* request,
                                               v1::MarkVerifiedResponse* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::MarkVerified, *request, &who); !denied.ok())
        return denied;
    return answer(context, m_domain.mark(who, *request), response);
}

grpc::Status VerificationService::Verification(grpc::ServerContext* context, const v1::VerificationRequest* request,
                                               v1::VerificationResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::Verification, *request); !denied.ok())
        return denied;
    return answer(context, m_domain.list(*request), response);
}

grpc::Status QueryService::OpenQuery(grpc::ServerContext* context, const v1::OpenQueryRequest* request,
                                     v1::DataQuery* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::OpenQuery, *request, &who); !denied.ok())
        return denied;
    const std::string role =
        m_access.queryRole(who, request->study_id(), m_access.querySite(*request, Rpc::OpenQuery), true);
    return answer(context, m_domain.open(who, role, *request), response);
}

grpc::Status QueryService::QueryAction(grpc::ServerContext* context, const v1::QueryActionRequest* request,
                                       v1::DataQuery* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::QueryAction, *request, &who); !denied.ok())
        return denied;
    const std::string role = m_access.queryRole(
        who, request->study_id(), m_access.querySite(*request, Rpc::QueryAction), request->action() != "ANSWER");
    return answer(context, m_domain.act(who, role, *request), response);
}

grpc::Status QueryService::ListQueries(grpc::ServerContext* context, const v1::ListQueriesRequest* request,
                                       v1::ListQueriesResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::ListQueries, *request); !denied.ok())
        return denied;
    return answer(context, m_domain.list(*request), response);
}

grpc::Status CentralReviewService::ReviewQueue(grpc::ServerContext* context, const v1::ReviewQueueRequest* request,
                                               v1::ReviewQueueResponse* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::CentralReview, *request, &who); !denied.ok())
        return denied;
    return answer(context, m_domain.queue(who, *request), response);
}

grpc::Status CentralReviewService::ReviewPhoto(grpc::ServerContext* context, const v1::ReviewPhotoRequest* request,
                                               v1::ReviewPhotoResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::CentralReview, *request); !denied.ok())
        return denied;
    context->set_compression_algorithm(GRPC_COMPRESS_NONE); // photo bytes do not compress
    return answer(context, m_domain.photo(*request), response);
}

grpc::Status CentralReviewService::SubmitScore(grpc::ServerContext* context, const v1::SubmitScoreRequest* request,
                                               v1::SubmitScoreResponse* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::CentralReview, *request, &who); !denied.ok())
        return denied;
    return answer(context, m_domain.score(who, *request), response);
}

grpc::Status CentralReviewService::ReviewReport(grpc::ServerContext* context, const v1::ReviewReportRequest* request,
                                                v1::ReviewReportResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::ReviewReport, *request); !denied.ok())
        return denied;
    return answer(context, m_domain.report(*request), response);
}

} // namespace crf::gateway
