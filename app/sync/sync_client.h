// SyncClient: blocking gRPC client for crf.v1.SyncService; call only from the sync worker thread.
#pragma once

#include "crf/v1/photos.grpc.pb.h"
#include "crf/v1/sync.grpc.pb.h"
#include "result.h"

#include <chrono>
#include <memory>
#include <string>

namespace crf::sync {

/// One channel to the gateway. Errors are worded for the screen ("gateway unreachable at ...").
class SyncClient {
public:
    explicit SyncClient(std::string address, std::chrono::milliseconds deadline = std::chrono::seconds(10));

    Result<v1::PushResponse> push(const v1::PushRequest& request);
    Result<v1::PullResponse> pull(const v1::PullRequest& request);
    Result<v1::PhotoStatusResponse> photoStatus(const std::string& digest);
    Result<v1::UploadChunkResponse> uploadChunk(const v1::UploadChunkRequest& request);
    /// Downloads a verified photo whole (in chunks of `chunkBytes`).
    Result<std::string> downloadPhoto(const std::string& digest, uint32_t chunkBytes = 1024 * 1024);
    const std::string& address() const { return m_address; }

private:
    bool connect();
    std::string describe(const grpc::Status& status) const;
    std::string m_address;
    std::chrono::milliseconds m_deadline;
    std::shared_ptr<grpc::Channel> m_channel;
    std::unique_ptr<v1::SyncService::Stub> m_stub;
    std::unique_ptr<v1::PhotoService::Stub> m_photos;
};

} // namespace crf::sync
