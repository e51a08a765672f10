// SyncDomain: the gateway's push/pull rules (idempotency, device hash chains, server chain, durable acks).
#pragma once

#include "clock.h"
#include "crf/v1/sync.pb.h"
#include "event_rules.h"
#include "storage/store.h"
#include "trial_domain.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string_view>

namespace crf::gateway {

/// Holds a push back while an earlier batch of the same device (one whose first event comes before this one's) is
/// being taken: a tablet sends its next batch before the answer to the one before has come
/// (SyncEngine::kPushesInFlight), and the later batch taken first would only be answered "retry later". In one
/// gateway process; batches of one device spread over several gateways are ordered by the chain rules as before.
class DeviceBatchOrder {
public:
    /// Waits (at most `limit`) until no earlier batch of `deviceId` is in progress, then counts this one in. The
    /// earliest batch in progress never waits, so two batches never wait for each other.
    void enter(const std::string& deviceId, uint64_t firstSeq, std::chrono::milliseconds limit);
    void leave(const std::string& deviceId, uint64_t firstSeq);

    /// A batch's place, taken by enter() and given up when destroyed.
    class Turn {
    public:
        Turn(DeviceBatchOrder& order, std::string deviceId, uint64_t firstSeq, std::chrono::milliseconds limit);
        ~Turn();
        Turn(const Turn&) = delete;
        Turn& operator=(const Turn&) = delete;

    private:
        DeviceBatchOrder& m_order;
        std::string m_deviceId;
        uint64_t m_firstSeq;
    };

private:
    std::mutex m_mutex;
    std::condition_variable m_left;
    std::map<std::string, std::multiset<uint64_t>> m_inProgress; // device -> first sequence of each batch in progress
};

/// Applies pushed batches to the Store and serves pull pages. Thread-safe (the Store serialises writers).
/// Never throws: storage failures become per-batch errors and nothing is acknowledged.
class SyncDomain {
public:
    static constexpr uint32_t kMaxPullPage = 1000;
    static constexpr size_t kMaxPushBatch = 1000;
    /// A device clock further than this from the gateway's is flagged in the audit trail, not refused
    /// (ICH E6(R3) 4.2.2(d); FDA Q&A 2024 Q14).
    static constexpr int64_t kDefaultSkewThresholdMs = 5 * 60 * 1000;

    SyncDomain(Store& store, const Clock& clock, StudyRegistry studies = {},
               int64_t skewThresholdMs = kDefaultSkewThresholdMs)
        : m_store(store), m_clock(clock), m_studies(std::move(studies)), m_skewThresholdMs(skewThresholdMs),
          m_trial(store, clock, m_studies)
    {
    }

    /// One outcome per event, in request order. Acknowledged (ACCEPTED/DUPLICATE) only once durable. `received`:
    /// each event's bytes as they arrived (packing::ReceivedEvents), stored as the event's record; empty, or not
    /// one per event: each accepted event is serialized again.
    Result<v1::PushResponse> push(const v1::PushRequest& request, std::span<const std::string_view> received = {});
    /// The same for a caller that took the batch's turn itself (takeTurn) before unpacking it.
    Result<v1::PushResponse> pushInTurn(const v1::PushRequest& request,
                                        std::span<const std::string_view> received = {});
    /// Waits for the batch's turn among the device's batches in progress (DeviceBatchOrder), held until destroyed.
    std::unique_ptr<DeviceBatchOrder::Turn> takeTurn(const std::string& deviceId, uint64_t firstSeq);
    Result<v1::PullResponse> pull(const v1::PullRequest& request);

    struct RestoreSummary {
        int events = 0;
        int absentRanges = 0; // device sequence ranges the file did not carry (refused events, other studies)
        uint64_t lastServerSeq = 0;
    };
    /// Rebuilds, in an empty gateway and one transaction, the accepted events of an export in their original order
    /// (odm_import.h). Each event must hash to the `event_hash` recorded at export and link to its device's previous
    /// event; it passes the same checks as a push, is merged again (the conflicts and resolutions found must be the
    /// ones the source recorded in `conflicts` / `resolved_items`, by the source's server sequence) and keeps its
    /// original receipt time and clock skew. Randomization boxes are not re-checked: the inventory is not part of
    /// an export. Nothing is stored unless every event is restored; the error names the event.
    Result<RestoreSummary> restore(const std::vector<v1::ServerEvent>& events, const std::string& source);

    const StudyRegistry& studies() const { return m_studies; }
    /// Consent and randomization rules (applied inside each push transaction).
    const TrialDomain& trial() const { return m_trial; }

private:
    /// Field-level three-way merge of an accepted event into the projection; fills conflict notes and resolutions.
    /// What every accepted event passes, pushed or imported: shape, reason for change, the study definition, the
    /// consent rules.
    Status checkContent(WriteTransaction& tx, const v1::ChangeEvent& e) const;
    /// `baseVersion` is the event's base_version in this gateway's numbering.
    void merge(WriteTransaction& tx, v1::ServerEvent& se, uint64_t baseVersion);

    Store& m_store;
    const Clock& m_clock;
    StudyRegistry m_studies;
    int64_t m_skewThresholdMs;
    TrialDomain m_trial; // after m_studies: it reads them
    DeviceBatchOrder m_order;
};

} // namespace crf::gateway
