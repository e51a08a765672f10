// SyncClient: blocking gRPC client for crf.v1.SyncService; call only from the sync worker thread.
#pragma once

#include "crf/v1/auth.grpc.pb.h"
#include "crf/v1/photos.grpc.pb.h"
#include "crf/v1/sync.grpc.pb.h"
#include "crf/v1/trial.grpc.pb.h"
#include "result.h"
#include "tr.h"

#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace crf::sync {

/// How to reach the gateway: TLS trusting `rootCertPem` (the gateway's certificate or its CA), or plaintext when it
/// is empty (the gateway accepts that only with --insecure-dev, on loopback).
struct SyncTransport {
    std::string rootCertPem;
    /// How event calls are compressed: packed with zstd both ways (packing.h: pushes packed, pull pages asked
    /// packed; the default), gRPC's gzip both ways (as tablets did before packing), or not at all. Other calls go
    /// gzip unless None; photos never.
    enum class Compression { Zstd, Gzip, None };
    Compression compression = Compression::Zstd;
};

/// The templates of the transport failures (the gateway not reached: the caller may work offline).
inline constexpr const char* kUnreachableTemplate =
    QT_TRANSLATE_NOOP("Core", "gateway unreachable at %1 (changes are kept on this tablet)");
inline constexpr const char* kTooSlowTemplate =
    QT_TRANSLATE_NOOP("Core", "gateway at %1 did not answer in time (changes are kept on this tablet)");
inline constexpr const char* kSyncFailedTemplate = QT_TRANSLATE_NOOP("Core", "sync failed (%1): %2");
/// The gateway answered that it cannot take the call now (its storage failed): as unreachable for what the tablet does
/// (keep everything, try again later), worded with the gateway's reason so nobody looks for a network fault.
inline constexpr const char* kGatewayFailingTemplate =
    QT_TRANSLATE_NOOP("Core", "gateway at %1 cannot sync now: %2 (changes are kept on this tablet)");
/// Whether `error` says the gateway was not reached (unreachable or too slow) or could not serve the call, rather
/// than refused it.
inline bool notReached(const Error& error)
{
    return error.tmpl == kUnreachableTemplate || error.tmpl == kTooSlowTemplate ||
           error.tmpl == kGatewayFailingTemplate;
}
/// Whether a failed call may succeed later: not reached, or a transport failure; not a refusal by the gateway's rules.
inline bool transient(const Error& error)
{
    return notReached(error) || error.tmpl == kSyncFailedTemplate;
}

/// One channel to the gateway. Errors are worded for the screen ("gateway unreachable at ...") with their templates,
/// the gateway's refusals with the parts it sent (refusal(), gateway/service/auth_service.h). Every call but
/// login() carries the session token ("authorization: Bearer ...").
class SyncClient {
public:
    using Transport = SyncTransport;
    explicit SyncClient(std::string address, std::chrono::milliseconds deadline = std::chrono::seconds(10),
                        Transport transport = {});

    /// Whether the gateway can be reached now: at once when connected, else after one connection attempt (at most
    /// the connect wait). Call it before an operation's first call, with no call in flight (it may replace the
    /// channel); the error is worded as for an unreachable gateway at `where`. login() and SyncEngine::run() call it.
    Status reach(std::string where);
    /// How long reach() and a call on a dropped connection wait for the gateway (2.5 s unless set).
    void setConnectWait(std::chrono::milliseconds wait) { m_connectWait = wait; }

    /// Opens a session; on success later calls carry its token and photos are uploaded for the user's site.
    Result<v1::LoginResponse> login(const v1::LoginRequest& request);
    /// Uses a session opened earlier (a cached token) for site `siteId`.
    void setSession(std::string token, std::string siteId);
    bool hasSession() const { return !m_token.empty(); }
    const std::string& siteId() const { return m_siteId; }
    void logout();

    Result<v1::PushResponse> push(v1::PushRequest request);
    /// Packs the request's events as push() sends them (zstd, when this transport packs), so a batch read while
    /// another is out leaves at once when its turn comes; push() packs only what is not packed yet.
    void packForPush(v1::PushRequest& request) const;
    /// Puts serialized events (v1::ChangeEvent, as the outbox keeps them) into the request as push() sends them:
    /// packed from their bytes when this transport packs, parsed into `events` otherwise. An error names the
    /// outbox when an event does not parse.
    Status setEvents(v1::PushRequest& request, std::span<const std::string> events) const;
    /// A page of events; with `eventBytes`, each event's bytes as the gateway sent them, in the order of the page's
    /// events (a packed page; left empty for a page that came plain).
    Result<v1::PullResponse> pull(v1::PullRequest request, std::vector<std::string>* eventBytes = nullptr);
    Result<v1::PhotoStatusResponse> photoStatus(const std::string& digest);
    Result<v1::UploadChunkResponse> uploadChunk(const v1::UploadChunkRequest& request);
    /// Downloads a verified photo whole (in chunks of `chunkBytes`).
    Result<std::string> downloadPhoto(const std::string& digest, uint32_t chunkBytes = 4 * 1024 * 1024);
    // Consent and randomization (crf.v1.TrialService). Refusals (role, site, bad input) come back with the gateway's
    // own words; an unreachable gateway as for push.
    Result<v1::ConsentWorklistResponse> consentWorklist(const v1::ConsentWorklistRequest& request);
    Result<v1::ConsentCountsResponse> consentCounts(const v1::ConsentCountsRequest& request);
    Result<v1::SiteInventoryResponse> siteInventory(const v1::SiteInventoryRequest& request);
    Result<v1::LoadInventoryResponse> loadInventory(const v1::LoadInventoryRequest& request);
    Result<v1::LoadAllocationResponse> loadAllocation(const v1::LoadAllocationRequest& request);
    Result<v1::UnblindResponse> unblind(const v1::UnblindRequest& request);
    Result<v1::TrialReportResponse> trialReport(const v1::TrialReportRequest& request);
    /// The sponsor's ODM export, streamed: the whole XML file and the cursor for the next incremental export.
    Result<std::pair<std::string, uint64_t>> exportOdm(const v1::ExportOdmRequest& request);
    // Source data verification (monitors).
    Result<v1::MarkVerifiedResponse> markVerified(const v1::MarkVerifiedRequest& request);
    Result<v1::VerificationResponse> verification(const v1::VerificationRequest& request);
    // Data queries.
    Result<v1::DataQuery> openQuery(const v1::OpenQueryRequest& request);
    Result<v1::DataQuery> queryAction(const v1::QueryActionRequest& request);
    Result<v1::ListQueriesResponse> listQueries(const v1::ListQueriesRequest& request);
    // Central review of the mottling photos.
    Result<v1::ReviewQueueResponse> reviewQueue(const v1::ReviewQueueRequest& request);
    Result<v1::ReviewPhotoResponse> reviewPhoto(const v1::ReviewPhotoRequest& request);
    Result<v1::SubmitScoreResponse> submitScore(const v1::SubmitScoreRequest& request);
    Result<v1::ReviewReportResponse> reviewReport(const v1::ReviewReportRequest& request);
    const std::string& address() const { return m_address; }

private:
    /// A new channel and its stubs (on construction, and by reach() for a channel that failed).
    void openChannel();
    bool connect();
    /// A failed call at `where`: the gateway not reached, or what it said (its wording parts in `ctx`'s trailers).
    Error failure(std::string where, const grpc::ClientContext* ctx, const grpc::Status& status) const;
    /// The same, the gateway's own refusals (bad input, role) given as they are at `where`.
    Error refused(std::string where, const grpc::ClientContext& ctx, const grpc::Status& status) const;
    std::string m_address;
    std::chrono::milliseconds m_deadline;
    std::chrono::milliseconds m_connectWait{2500};
    grpc::ChannelArguments m_channelArgs;
    std::shared_ptr<grpc::ChannelCredentials> m_credentials;
    std::shared_ptr<grpc::Channel> m_channel;
    std::unique_ptr<v1::SyncService::Stub> m_stub;
    std::unique_ptr<v1::PhotoService::Stub> m_photos;
    std::unique_ptr<v1::AuthService::Stub> m_auth;
    std::unique_ptr<v1::TrialService::Stub> m_trial;
    std::unique_ptr<v1::ExportService::Stub> m_export;
    std::unique_ptr<v1::VerificationService::Stub> m_sdv;
    std::unique_ptr<v1::QueryService::Stub> m_queries;
    std::unique_ptr<v1::CentralReviewService::Stub> m_review;
    template <typename Stub, typename Req, typename Resp>
    Result<Resp> callTrial(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                           const Req& request, const char* what);
    void prepare(grpc::ClientContext& ctx) const;
    std::string m_token, m_siteId;
    SyncTransport::Compression m_compression = SyncTransport::Compression::Zstd;
};

} // namespace crf::sync
