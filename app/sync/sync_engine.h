// SyncEngine: one sync pass (push the outbox in batches, then pull pages), independent of threads.
#pragma once

#include "clock.h"
#include "sync_client.h"
#include "tablet_store.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace crf::sync {

struct SyncReport {
    int pushed = 0;           // events acknowledged in this pass
    int pulled = 0;           // events received in this pass
    int rejected = 0;         // events the gateway refused for their content (kept locally with its reason, not resent)
    int photosVerified = 0;   // photos the gateway holds and has verified after this pass
    uint64_t pushedBytes = 0; // serialized push requests (protobuf payload, without HTTP/2 framing)
    bool trialRefreshed = false; // the site's consent worklist or box inventory was fetched and kept
    int answersSent = 0;         // answers to data queries given on this tablet and accepted by the gateway
    Message error;               // what went wrong, worded in parts for the screen's language (empty: nothing)
    bool ok() const { return error.empty(); }
};

/// Runs a function against the store on the thread that owns it (blocking until it has run).
using StoreExecutor = std::function<void(const std::function<void(store::TabletStore&)>&)>;

/// Stateless between passes: progress lives in the store (outbox acks, pull cursor), so a pass cut at any point
/// resumes where it stopped and a resent batch is stored once by the gateway.
class SyncEngine {
public:
    static constexpr int kPushBatch = 200;
    // Push batches out at once: with one, the gateway waited about a fifth of a 10,000-form push for the answer's way
    // back and the next request (docs/performance.md item 40).
    static constexpr size_t kPushesInFlight = 2;
    static constexpr uint32_t kPullPage = 500;
    static constexpr uint32_t kPhotoChunk = 1024 * 1024; // resume granularity on a dropped connection
    /// The bytes of a photo's next chunk when `remaining` are left: kPhotoChunk, or all of them when the tail after
    /// it would be under an eighth of a chunk (a 2 MiB JPEG and its 14 bytes of markers went up in three calls and
    /// three durable commits, the last for 14 bytes).
    static constexpr size_t chunkLength(size_t remaining)
    {
        return remaining <= kPhotoChunk + kPhotoChunk / 8 ? remaining : kPhotoChunk;
    }
    // Photos going up at once: their reads, transfers and the gateway's durable commits overlap (3: 12% faster than 2
    // on loopback, 4 only 4% more); each holds one decrypted photo in memory (at most photo::kDefaultMaxBytes), and
    // one more is read ahead.
    static constexpr size_t kPhotosInFlight = 3;

    SyncEngine(StoreExecutor onStore, SyncClient& client, const Clock& clock, std::string studyId)
        : m_onStore(std::move(onStore)), m_client(client), m_clock(clock), m_studyId(std::move(studyId))
    {
    }

    enum class Phases { PushAndPull, PushOnly, PullOnly };
    /// One pass; `progress(done, total)` is called between batches (total may be unknown: 0). The phases can be run
    /// apart (benchmarks time them separately); the app always runs both.
    SyncReport run(const std::function<void(int, int)>& progress = {}, Phases phases = Phases::PushAndPull);
    /// After pulling, also fetch the site's consent worklist and box inventory for offline use (studies with consent
    /// or randomization rules).
    void setRefreshTrial(bool on) { m_refreshTrial = on; }

private:
    /// Uploads unverified photos first (an event naming a photo should find it at the gateway), each resuming at
    /// the offset the gateway reports. Returns what stopped it, if anything.
    std::optional<Error> uploadPhotos(SyncReport& report, struct PushState& push);
    /// Sends one photo from the offset the gateway reports until it is verified (true), or until `stop` is seen
    /// between calls (false). The client only, no store.
    Result<bool> sendPhoto(const store::TabletStore::PendingPhoto& photo, const std::string& bytes,
                           const std::atomic<bool>& stop);
    /// Pushes outbox batches, oldest first, until the outbox is empty (or, with `urgentOnly`, until no urgent event
    /// is left). Sets report.error and push.unreachable on failure.
    void pushEvents(SyncReport& report, struct PushState& push, bool urgentOnly);
    /// The next outbox batch after device sequence `afterSeq` (0: the first unacknowledged), as a push request; a
    /// batch of no events when nothing waits or the store failed (then report.error says why).
    struct Batch takeBatch(SyncReport& report, struct PushState& push, uint64_t afterSeq);
    /// Whether an urgent event (serious adverse event) waits in the outbox.
    bool urgentWaiting();

    void refreshTrial(SyncReport& report);
    /// The gateway no longer holds what was pulled (restored to an earlier point): queues again the own events it
    /// lost, forgets the pulled log, re-sends. Returns whether the pull may start again from the beginning.
    bool recoverRestoredGateway(SyncReport& report, struct PushState& push);

    StoreExecutor m_onStore;
    SyncClient& m_client;
    const Clock& m_clock;
    std::string m_studyId;
    bool m_refreshTrial = false;
};

} // namespace crf::sync
