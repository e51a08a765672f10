#include "sync_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

namespace crf::sync {

SyncClient::SyncClient(std::string address, std::chrono::milliseconds deadline)
    : m_address(std::move(address)), m_deadline(deadline)
{
    grpc::ChannelArguments args;
    // Reconnect quickly after the gateway comes back (ICU Wi-Fi drops often); the default backoff is up to 120 s.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    // Plaintext until TLS lands with the identity work; the gateway accepts it on loopback only.
    m_channel = grpc::CreateCustomChannel(m_address, grpc::InsecureChannelCredentials(), args);
    m_stub = v1::SyncService::NewStub(m_channel);
    m_photos = v1::PhotoService::NewStub(m_channel);
}

std::string SyncClient::describe(const grpc::Status& status) const
{
    switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
        return "gateway unreachable at " + m_address + " (changes are kept on this tablet)";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
        return "gateway at " + m_address + " did not answer in time (changes are kept on this tablet)";
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
        return "gateway refused this tablet: " + status.error_message();
    default:
        return "sync failed (" + std::to_string(status.error_code()) + "): " + status.error_message();
    }
}

bool SyncClient::connect()
{
    // A channel in TRANSIENT_FAILURE fails calls at once; give it one bounded chance to (re)connect first, so a
    // gateway that just came back is used without waiting for the next sync.
    if (m_channel->GetState(true) == GRPC_CHANNEL_READY)
        return true;
    return m_channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::milliseconds(2500));
}

Result<v1::PushResponse> SyncClient::push(const v1::PushRequest& request)
{
    if (!connect())
        return Error{"push", describe(grpc::Status(grpc::StatusCode::UNAVAILABLE, "not connected"))};
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + m_deadline);
    v1::PushResponse response;
    const grpc::Status status = m_stub->Push(&ctx, request, &response);
    if (!status.ok())
        return Error{"push", describe(status)};
    return response;
}

Result<v1::PullResponse> SyncClient::pull(const v1::PullRequest& request)
{
    if (!connect())
        return Error{"pull", describe(grpc::Status(grpc::StatusCode::UNAVAILABLE, "not connected"))};
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + m_deadline);
    v1::PullResponse response;
    const grpc::Status status = m_stub->Pull(&ctx, request, &response);
    if (!status.ok())
        return Error{"pull", describe(status)};
    return response;
}

} // namespace crf::sync

namespace crf::sync {

Result<v1::PhotoStatusResponse> SyncClient::photoStatus(const std::string& digest)
{
    if (!connect())
        return Error{"photo", describe(grpc::Status(grpc::StatusCode::UNAVAILABLE, "not connected"))};
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + m_deadline);
    v1::PhotoStatusRequest request;
    request.set_digest(digest);
    v1::PhotoStatusResponse response;
    const grpc::Status status = m_photos->Status(&ctx, request, &response);
    if (!status.ok())
        return Error{"photo", describe(status)};
    return response;
}

Result<v1::UploadChunkResponse> SyncClient::uploadChunk(const v1::UploadChunkRequest& request)
{
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + m_deadline);
    v1::UploadChunkResponse response;
    const grpc::Status status = m_photos->UploadChunk(&ctx, request, &response);
    if (!status.ok())
        return Error{"photo", describe(status)};
    return response;
}

Result<std::string> SyncClient::downloadPhoto(const std::string& digest, uint32_t chunkBytes)
{
    std::string out;
    while (true) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + m_deadline);
        v1::DownloadRequest request;
        request.set_digest(digest);
        request.set_offset(out.size());
        request.set_max_bytes(chunkBytes);
        v1::DownloadResponse response;
        const grpc::Status status = m_photos->Download(&ctx, request, &response);
        if (!status.ok())
            return Error{"photo", describe(status)};
        out += response.data();
        if (response.data().empty() || out.size() >= response.total_bytes())
            return out;
    }
}

} // namespace crf::sync
