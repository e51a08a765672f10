// SyncService: translates crf.v1.SyncService gRPC calls to SyncDomain; no business rules here.
#pragma once

#include "crf/v1/sync.grpc.pb.h"
#include "domain/sync_domain.h"
#include "identity/access_control.h"

namespace crf::gateway {

/// gRPC adapter. Per-event outcomes travel in the response; grpc::Status only for whole-call failures.
class SyncService final : public v1::SyncService::Service {
public:
    SyncService(SyncDomain& domain, AccessControl& access) : m_domain(domain), m_access(access) {}

    grpc::Status Push(grpc::ServerContext* context, const v1::PushRequest* request,
                      v1::PushResponse* response) override;
    grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                      v1::PullResponse* response) override;

private:
    SyncDomain& m_domain;
    AccessControl& m_access;
};

} // namespace crf::gateway
