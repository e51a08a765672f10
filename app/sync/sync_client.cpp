#include "sync_client.h"

#include "packing.h"
#include "wording.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

namespace crf::sync {

SyncClient::SyncClient(std::string address, std::chrono::milliseconds deadline, Transport transport)
    : m_address(std::move(address)), m_deadline(deadline)
{
    // Reconnect quickly after the gateway comes back (ICU Wi-Fi drops often); the default backoff is up to 120 s.
    m_channelArgs.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
    m_channelArgs.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    // A channel of its own connection: a new channel (reach()) makes a new attempt instead of sharing the failed
    // connection's backoff through gRPC's global subchannel pool.
    m_channelArgs.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    m_channelArgs.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    // Calls carry text-heavy, repetitive messages (item OIDs, ids, units): gzip cuts the bytes on a poor ICU Wi-Fi
    // link. Event calls pack their events with zstd instead (packing.h) and photo chunks opt out (JPEG and random
    // bytes do not compress).
    if (transport.compression != SyncTransport::Compression::None)
        m_channelArgs.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
    m_compression = transport.compression;
    if (transport.rootCertPem.empty()) {
        m_credentials = grpc::InsecureChannelCredentials(); // the gateway accepts it only on loopback
    } else {
        grpc::SslCredentialsOptions ssl;
        ssl.pem_root_certs = transport.rootCertPem;
        m_credentials = grpc::SslCredentials(ssl);
    }
    openChannel();
}

void SyncClient::openChannel()
{
    m_channel = grpc::CreateCustomChannel(m_address, m_credentials, m_channelArgs);
    m_stub = v1::SyncService::NewStub(m_channel);
    m_photos = v1::PhotoService::NewStub(m_channel);
    m_auth = v1::AuthService::NewStub(m_channel);
    m_trial = v1::TrialService::NewStub(m_channel);
    m_export = v1::ExportService::NewStub(m_channel);
    m_sdv = v1::VerificationService::NewStub(m_channel);
    m_queries = v1::QueryService::NewStub(m_channel);
    m_review = v1::CentralReviewService::NewStub(m_channel);
}

void SyncClient::prepare(grpc::ClientContext& ctx) const
{
    ctx.set_deadline(std::chrono::system_clock::now() + m_deadline);
    if (!m_token.empty())
        ctx.AddMetadata("authorization", "Bearer " + m_token);
}

Result<v1::LoginResponse> SyncClient::login(const v1::LoginRequest& request)
{
    if (Status reached = reach("login"); !reached)
        return reached.error();
    grpc::ClientContext ctx;
    prepare(ctx);
    v1::LoginResponse response;
    const grpc::Status status = m_auth->Login(&ctx, request, &response);
    if (!status.ok())
        return refused("login", ctx, status); // not reached (notReached()): the caller may log in offline
    std::string site;
    for (const auto& g : response.grants())
        if (site.empty() && g.site_id() != "*")
            site = g.site_id();
    setSession(response.token(), site);
    return response;
}

void SyncClient::setSession(std::string token, std::string siteId)
{
    m_token = std::move(token);
    m_siteId = std::move(siteId);
}

void SyncClient::logout()
{
    if (m_token.empty())
        return;
    grpc::ClientContext ctx;
    prepare(ctx);
    v1::LogoutResponse response;
    (void)m_auth->Logout(&ctx, v1::LogoutRequest{}, &response); // best effort: the session also expires
    m_token.clear();
}

namespace {

/// What the gateway said: its English message with the wording parts it sent beside it.
Error gatewaySaid(const grpc::ClientContext* ctx, const grpc::Status& status)
{
    if (ctx) {
        const auto& trailers = ctx->GetServerTrailingMetadata();
        if (const auto it = trailers.find(kWordingMetadataKey); it != trailers.end()) {
            v1::Wording w;
            if (w.ParseFromArray(it->second.data(), static_cast<int>(it->second.size())))
                return fromWording(w, status.error_message());
        }
    }
    return Error{{}, status.error_message()};
}

} // namespace

Error SyncClient::failure(std::string where, const grpc::ClientContext* ctx, const grpc::Status& status) const
{
    switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
        // Worded by the gateway itself (storageFailure()): it was reached. gRPC's own UNAVAILABLE carries no wording.
        if (ctx && ctx->GetServerTrailingMetadata().count(kWordingMetadataKey) != 0)
            return messageError(std::move(where), kGatewayFailingTemplate,
                                {Message(m_address), gatewaySaid(ctx, status).sentence()});
        return messageError(std::move(where), kUnreachableTemplate, {m_address});
    case grpc::StatusCode::DEADLINE_EXCEEDED:
        return messageError(std::move(where), kTooSlowTemplate, {m_address});
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
        return messageError(std::move(where), QT_TRANSLATE_NOOP("Core", "gateway refused this tablet: %1"),
                            {gatewaySaid(ctx, status).sentence()});
    default:
        return messageError(std::move(where), kSyncFailedTemplate,
                            {std::to_string(status.error_code()), gatewaySaid(ctx, status).sentence()});
    }
}

Error SyncClient::refused(std::string where, const grpc::ClientContext& ctx, const grpc::Status& status) const
{
    if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
        status.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
        status.error_code() == grpc::StatusCode::INVALID_ARGUMENT)
        return messageError(std::move(where), gatewaySaid(&ctx, status).sentence());
    return failure(std::move(where), &ctx, status);
}

Status SyncClient::reach(std::string where)
{
    // A channel whose connection failed stays in TRANSIENT_FAILURE until it connects again (pick_first), so waiting
    // on it shows a gateway that is still out of reach only at the deadline: an offline login at the bedside waited
    // 2.5 s for it at each user switch. A new channel makes one attempt whose failure is seen as it happens.
    auto state = m_channel->GetState(true);
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
        openChannel();
        state = m_channel->GetState(true);
    }
    const auto deadline = std::chrono::system_clock::now() + m_connectWait;
    while (state != GRPC_CHANNEL_READY) {
        if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN ||
            !m_channel->WaitForStateChange(state, deadline))
            return failure(std::move(where), nullptr, grpc::Status(grpc::StatusCode::UNAVAILABLE, "not connected"));
        state = m_channel->GetState(true);
    }
    return {};
}

bool SyncClient::connect()
{
    // A channel in TRANSIENT_FAILURE fails calls at once; give it one bounded chance to (re)connect first, so a
    // gateway that just came back is used without waiting for the next sync.
    if (m_channel->GetState(true) == GRPC_CHANNEL_READY)
        return true;
    return m_channel->WaitForConnected(std::chrono::system_clock::now() + m_connectWait);
}

Result<v1::PushResponse> SyncClient::push(v1::PushRequest request)
{
    if (!connect())
        return failure("push", nullptr, grpc::Status(grpc::StatusCode::UNAVAILABLE, "not connected"));
    grpc::ClientContext ctx;
    prepare(ctx);
    if (m_compression == SyncTransport::Compression::Zstd) {
        packForPush(request); // nothing left to do when the engine packed it ahead
        ctx.set_compression_algorithm(GRPC_COMPRESS_NONE);
    }
    v1::PushResponse response;
    const grpc::Status status = m_stub->Push(&ctx, request, &response);
    if (!status.ok())
        return failure("push", &ctx, status);
    return response;
}

void SyncClient::packForPush(v1::PushRequest& request) const
{
    if (m_compression == SyncTransport::Compression::Zstd)
        packing::packEvents(request); // zstd instead of gRPC's gzip: same bytes, a tenth of the CPU
}

Status SyncClient::setEvents(v1::PushRequest& request, std::span<const std::string> events) const
{
    if (m_compression == SyncTransport::Compression::Zstd) {
        packing::packEventBytes(request, events);
        return {};
    }
    for (const auto& bytes : events)
        if (!request.add_events()->ParseFromString(bytes))
            return messageError("outbox", QT_TRANSLATE_NOOP("Core", "an event cannot be read (database damaged?)"));
    return {};
}

Result<v1::PullResponse> SyncClient::pull(v1::PullRequest request, std::vector<std::string>* eventBytes)
{
    if (eventBytes)
        eventBytes->clear();
    if (!connect())
        return failure("pull", nullptr, grpc::Status(grpc::StatusCode::UNAVAILABLE, "not connected"));
    grpc::ClientContext ctx;
    prepare(ctx);
    if (m_compression == SyncTransport::Compression::Gzip)
        ctx.AddMetadata("crf-compress", "gzip"); // asks the gateway to gzip the page too
    if (m_compression == SyncTransport::Compression::Zstd) {
        request.set_accept_packed(true); // the page comes packed with zstd (packing.h)
        ctx.set_compression_algorithm(GRPC_COMPRESS_NONE);
    }
    v1::PullResponse response;
    const grpc::Status status = m_stub->Pull(&ctx, request, &response);
    if (!status.ok())
        return failure("pull", &ctx, status);
    // A page that does not unpack is not applied: the cursor stays and the next pass asks for it again.
    packing::ReceivedEvents received;
    if (auto unpacked = packing::unpackEvents(response, received); !unpacked)
        return unpacked.error();
    if (eventBytes)
        eventBytes->assign(received.events.begin(), received.events.end());
    return response;
}

} // namespace crf::sync

namespace crf::sync {

Result<v1::PhotoStatusResponse> SyncClient::photoStatus(const std::string& digest)
{
    if (!connect())
        return failure("photo", nullptr, grpc::Status(grpc::StatusCode::UNAVAILABLE, "not connected"));
    grpc::ClientContext ctx;
    prepare(ctx);
    v1::PhotoStatusRequest request;
    request.set_digest(digest);
    v1::PhotoStatusResponse response;
    const grpc::Status status = m_photos->Status(&ctx, request, &response);
    if (!status.ok())
        return failure("photo", &ctx, status);
    return response;
}

Result<v1::UploadChunkResponse> SyncClient::uploadChunk(const v1::UploadChunkRequest& request)
{
    grpc::ClientContext ctx;
    prepare(ctx);
    ctx.set_compression_algorithm(GRPC_COMPRESS_NONE); // photo bytes do not compress
    v1::UploadChunkResponse response;
    const grpc::Status status = m_photos->UploadChunk(&ctx, request, &response);
    if (!status.ok())
        return failure("photo", &ctx, status);
    return response;
}

Result<std::string> SyncClient::downloadPhoto(const std::string& digest, uint32_t chunkBytes)
{
    std::string out;
    while (true) {
        grpc::ClientContext ctx;
        prepare(ctx);
        v1::DownloadRequest request;
        request.set_digest(digest);
        request.set_offset(out.size());
        request.set_max_bytes(chunkBytes);
        v1::DownloadResponse response;
        const grpc::Status status = m_photos->Download(&ctx, request, &response);
        if (!status.ok())
            return failure("photo", &ctx, status);
        if (response.data().empty())
            return out;
        if (out.empty()) // the whole photo in one answer (the usual case): taken, not copied
            out = std::move(*response.mutable_data());
        else
            out += response.data();
        if (out.size() >= response.total_bytes())
            return out;
    }
}

} // namespace crf::sync

namespace crf::sync {

template <typename Stub, typename Req, typename Resp>
Result<Resp> SyncClient::callTrial(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                                   const Req& request, const char* what)
{
    if (!connect())
        return failure(what, nullptr, grpc::Status(grpc::StatusCode::UNAVAILABLE, "not connected"));
    grpc::ClientContext ctx;
    prepare(ctx);
    Resp response;
    const grpc::Status status = (stub.*method)(&ctx, request, &response);
    if (!status.ok())
        return refused(what, ctx, status);
    return response;
}

Result<v1::ConsentWorklistResponse> SyncClient::consentWorklist(const v1::ConsentWorklistRequest& request)
{
    return callTrial(*m_trial, &v1::TrialService::Stub::ConsentWorklist, request, "consent worklist");
}

Result<v1::ConsentCountsResponse> SyncClient::consentCounts(const v1::ConsentCountsRequest& request)
{
    return callTrial(*m_trial, &v1::TrialService::Stub::ConsentCounts, request, "consent counts");
}

Result<v1::SiteInventoryResponse> SyncClient::siteInventory(const v1::SiteInventoryRequest& request)
{
    return callTrial(*m_trial, &v1::TrialService::Stub::SiteInventory, request, "box inventory");
}

Result<v1::LoadInventoryResponse> SyncClient::loadInventory(const v1::LoadInventoryRequest& request)
{
    return callTrial(*m_trial, &v1::TrialService::Stub::LoadInventory, request, "load inventory");
}

Result<v1::LoadAllocationResponse> SyncClient::loadAllocation(const v1::LoadAllocationRequest& request)
{
    return callTrial(*m_trial, &v1::TrialService::Stub::LoadAllocation, request, "load allocation");
}

Result<v1::UnblindResponse> SyncClient::unblind(const v1::UnblindRequest& request)
{
    return callTrial(*m_trial, &v1::TrialService::Stub::Unblind, request, "unblinding");
}

Result<v1::TrialReportResponse> SyncClient::trialReport(const v1::TrialReportRequest& request)
{
    return callTrial(*m_trial, &v1::TrialService::Stub::TrialReport, request, "trial report");
}

Result<std::pair<std::string, uint64_t>> SyncClient::exportOdm(const v1::ExportOdmRequest& request)
{
    if (!connect())
        return failure("export", nullptr, grpc::Status(grpc::StatusCode::UNAVAILABLE, "not connected"));
    grpc::ClientContext ctx;
    prepare(ctx);
    ctx.set_deadline(std::chrono::system_clock::now() + std::max(m_deadline, std::chrono::milliseconds(120000)));
    auto reader = m_export->ExportOdm(&ctx, request);
    std::string xml;
    uint64_t cursor = 0;
    bool last = false;
    v1::ExportChunk chunk;
    while (reader->Read(&chunk)) {
        xml += chunk.data();
        if (chunk.last()) {
            last = true;
            cursor = chunk.next_cursor();
        }
    }
    const grpc::Status status = reader->Finish();
    if (!status.ok())
        return refused("export", ctx, status);
    if (!last)
        return Error{"export", "the stream ended before the last chunk: export again"};
    return std::make_pair(std::move(xml), cursor);
}

Result<v1::MarkVerifiedResponse> SyncClient::markVerified(const v1::MarkVerifiedRequest& request)
{
    return callTrial(*m_sdv, &v1::VerificationService::Stub::MarkVerified, request, "verification");
}

Result<v1::VerificationResponse> SyncClient::verification(const v1::VerificationRequest& request)
{
    return callTrial(*m_sdv, &v1::VerificationService::Stub::Verification, request, "verification");
}

Result<v1::DataQuery> SyncClient::openQuery(const v1::OpenQueryRequest& request)
{
    return callTrial(*m_queries, &v1::QueryService::Stub::OpenQuery, request, "query");
}

Result<v1::DataQuery> SyncClient::queryAction(const v1::QueryActionRequest& request)
{
    return callTrial(*m_queries, &v1::QueryService::Stub::QueryAction, request, "query");
}

Result<v1::ListQueriesResponse> SyncClient::listQueries(const v1::ListQueriesRequest& request)
{
    return callTrial(*m_queries, &v1::QueryService::Stub::ListQueries, request, "queries");
}

Result<v1::ReviewQueueResponse> SyncClient::reviewQueue(const v1::ReviewQueueRequest& request)
{
    return callTrial(*m_review, &v1::CentralReviewService::Stub::ReviewQueue, request, "central review");
}

Result<v1::ReviewPhotoResponse> SyncClient::reviewPhoto(const v1::ReviewPhotoRequest& request)
{
    return callTrial(*m_review, &v1::CentralReviewService::Stub::ReviewPhoto, request, "central review");
}

Result<v1::SubmitScoreResponse> SyncClient::submitScore(const v1::SubmitScoreRequest& request)
{
    return callTrial(*m_review, &v1::CentralReviewService::Stub::SubmitScore, request, "central review");
}

Result<v1::ReviewReportResponse> SyncClient::reviewReport(const v1::ReviewReportRequest& request)
{
    return callTrial(*m_review, &v1::CentralReviewService::Stub::ReviewReport, request, "central review");
}

} // namespace crf::sync
