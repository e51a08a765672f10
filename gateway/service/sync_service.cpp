#include "sync_service.h"

namespace crf::gateway {

grpc::Status SyncService::Push(grpc::ServerContext*, const v1::PushRequest* request, v1::PushResponse* response)
{
    auto result = m_domain.push(*request);
    if (!result) {
        // Storage failed: UNAVAILABLE tells the tablet to keep its outbox and retry (nothing was acknowledged).
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, result.error().text());
    }
    *response = std::move(result).value();
    return grpc::Status::OK;
}

grpc::Status SyncService::Pull(grpc::ServerContext*, const v1::PullRequest* request, v1::PullResponse* response)
{
    auto result = m_domain.pull(*request);
    if (!result)
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, result.error().text());
    *response = std::move(result).value();
    return grpc::Status::OK;
}

} // namespace crf::gateway
