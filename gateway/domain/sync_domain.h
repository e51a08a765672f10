// SyncDomain: the gateway's push/pull rules (idempotency, device hash chains, server chain, durable acks).
#pragma once

#include "clock.h"
#include "crf/v1/sync.pb.h"
#include "storage/store.h"

namespace crf::gateway {

/// Applies pushed batches to the Store and serves pull pages. Thread-safe (the Store serialises writers).
/// Never throws: storage failures become per-batch errors and nothing is acknowledged.
class SyncDomain {
public:
    static constexpr uint32_t kMaxPullPage = 1000;
    static constexpr size_t kMaxPushBatch = 1000;

    SyncDomain(Store& store, const Clock& clock) : m_store(store), m_clock(clock) {}

    /// One outcome per event, in request order. Acknowledged (ACCEPTED/DUPLICATE) only once durable.
    Result<v1::PushResponse> push(const v1::PushRequest& request);
    Result<v1::PullResponse> pull(const v1::PullRequest& request);

private:
    Store& m_store;
    const Clock& m_clock;
};

} // namespace crf::gateway
