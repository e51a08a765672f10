// HybridLogicalClock: causally ordered timestamps that stay close to wall time (Kulkarni et al. 2014).
#pragma once

#include "clock.h"

#include <cstdint>
#include <mutex>

namespace crf {

/// A hybrid logical clock stamp; compares by wall time, then counter.
struct HlcTime {
    int64_t wallMs = 0;
    uint32_t counter = 0;
    auto operator<=>(const HlcTime&) const = default;
};

/// Issues monotonic HLC stamps from an injected clock; `observe` folds in stamps seen from others
/// so a later local event always orders after anything the device has seen. Thread-safe.
class HybridLogicalClock {
public:
    explicit HybridLogicalClock(const Clock& clock, HlcTime last = {}) : m_clock(clock), m_last(last) {}

    HlcTime now();
    /// Stamps more than this ahead of the local clock are not folded in (a day's clock skew each way is expected).
    static constexpr int64_t kMaxAheadMs = 7LL * 24 * 3600 * 1000;

    void observe(HlcTime remote);
    HlcTime last() const;

private:
    const Clock& m_clock;
    mutable std::mutex m_mutex;
    HlcTime m_last;
};

} // namespace crf
