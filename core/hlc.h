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
    void observe(HlcTime remote);
    HlcTime last() const;

private:
    const Clock& m_clock;
    mutable std::mutex m_mutex;
    HlcTime m_last;
};

} // namespace crf
