// PhotoService: translates crf.v1.PhotoService gRPC calls to PhotoDomain; no rules here.
#pragma once

#include "crf/v1/photos.grpc.pb.h"
#include "domain/photo_domain.h"

namespace crf::gateway {

class PhotoService final : public v1::PhotoService::Service {
public:
    explicit PhotoService(PhotoDomain& domain) : m_domain(domain) {}
    grpc::Status Status(grpc::ServerContext*, const v1::PhotoStatusRequest* request,
                        v1::PhotoStatusResponse* response) override;
    grpc::Status UploadChunk(grpc::ServerContext*, const v1::UploadChunkRequest* request,
                             v1::UploadChunkResponse* response) override;
    grpc::Status Download(grpc::ServerContext*, const v1::DownloadRequest* request,
                          v1::DownloadResponse* response) override;

private:
    PhotoDomain& m_domain;
};

} // namespace crf::gateway
