// PhotoService: translates crf.v1.PhotoService gRPC calls to PhotoDomain; no rules here.
#pragma once

#include "crf/v1/photos.grpc.pb.h"
#include "domain/photo_domain.h"
#include "identity/access_control.h"

namespace crf::gateway {

class PhotoService final : public v1::PhotoService::Service {
public:
    PhotoService(PhotoDomain& domain, AccessControl& access) : m_domain(domain), m_access(access) {}
    grpc::Status Status(grpc::ServerContext* context, const v1::PhotoStatusRequest* request,
                        v1::PhotoStatusResponse* response) override;
    grpc::Status UploadChunk(grpc::ServerContext* context, const v1::UploadChunkRequest* request,
                             v1::UploadChunkResponse* response) override;
    grpc::Status Download(grpc::ServerContext* context, const v1::DownloadRequest* request,
                          v1::DownloadResponse* response) override;

private:
    PhotoDomain& m_domain;
    AccessControl& m_access;
};

} // namespace crf::gateway
