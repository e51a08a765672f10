#include "photo_service.h"

#include "auth_service.h"

namespace crf::gateway {
namespace {

template <typename T> grpc::Status reply(grpc::ServerContext* context, Result<T> result, T* response)
{
    if (!result) {
        // A bad digest is the caller's error; a storage failure is the gateway's.
        if (result.error().where == "digest")
            return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, result.error().text());
        return storageFailure(context, result.error().sentence());
    }
    *response = std::move(result).value();
    return grpc::Status::OK;
}

} // namespace

grpc::Status PhotoService::Status(grpc::ServerContext* context, const v1::PhotoStatusRequest* request,
                                  v1::PhotoStatusResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::PhotoStatus, *request); !denied.ok())
        return denied;
    return reply(context, m_domain.status(*request), response);
}

grpc::Status PhotoService::UploadChunk(grpc::ServerContext* context, const v1::UploadChunkRequest* request,
                                       v1::UploadChunkResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::PhotoUpload, *request); !denied.ok())
        return denied;
    return reply(context, m_domain.upload(*request), response);
}

grpc::Status PhotoService::Download(grpc::ServerContext* context, const v1::DownloadRequest* request,
                                    v1::DownloadResponse* response)
{
    if (auto denied = admit(m_access, context, Rpc::PhotoDownload, *request); !denied.ok())
        return denied;
    context->set_compression_algorithm(GRPC_COMPRESS_NONE); // photo bytes do not compress
    return reply(context, m_domain.download(*request), response);
}

} // namespace crf::gateway
