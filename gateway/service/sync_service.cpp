#include "sync_service.h"

#include "auth_service.h"

namespace crf::gateway {

grpc::Status SyncService::Push(grpc::ServerContext* context, const v1::PushRequest* request, v1::PushResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::Push, *request); !denied.ok())
        return denied;
    auto result = m_domain.push(*request);
    if (!result) {
        // Storage failed: UNAVAILABLE tells the tablet to keep its outbox and retry (nothing was acknowledged).
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, result.error().text());
    }
    *response = std::move(result).value();
    return grpc::Status::OK;
}

grpc::Status SyncService::Pull(grpc::ServerContext* context, const v1::PullRequest* request, v1::PullResponse* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::Pull, *request, &who); !denied.ok())
        return denied;
    auto result = m_domain.pull(*request);
    if (!result)
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, result.error().text());
    *response = std::move(result).value();
    m_access.filterPull(who, *request, *response);
    // A page travels compressed when the tablet asks (SyncTransport::compress: gzip for a slow ward link).
    const auto& metadata = context->client_metadata();
    if (auto it = metadata.find("crf-compress"); it != metadata.end() && it->second == "gzip")
        context->set_compression_algorithm(GRPC_COMPRESS_GZIP);
    return grpc::Status::OK;
}

} // namespace crf::gateway
