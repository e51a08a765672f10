#include "hlc.h"

#include <algorithm>

namespace crf {

HlcTime HybridLogicalClock::now()
{
    std::lock_guard lock(m_mutex);
    const int64_t pt = m_clock.nowMs();
    if (pt > m_last.wallMs) {
        m_last = {pt, 0};
    } else {
        // The wall clock went backwards or did not move: keep order with the logical counter.
        ++m_last.counter;
    }
    return m_last;
}

void HybridLogicalClock::observe(HlcTime remote)
{
    std::lock_guard lock(m_mutex);
    const int64_t pt = m_clock.nowMs();
    // A stamp far ahead of this device's own clock (another device's clock years off, or a damaged event) is not
    // folded in: it would carry every later local stamp along with it (Kulkarni et al. 2014 bound the drift the same
    // way). Order with such an event is kept by the gateway's sequence, not by the stamp.
    if (remote.wallMs > pt + kMaxAheadMs)
        return;
    const int64_t wall = std::max({m_last.wallMs, remote.wallMs, pt});
    uint32_t counter = 0;
    if (wall == m_last.wallMs && wall == remote.wallMs)
        counter = std::max(m_last.counter, remote.counter) + 1;
    else if (wall == m_last.wallMs)
        counter = m_last.counter + 1;
    else if (wall == remote.wallMs)
        counter = remote.counter + 1;
    m_last = {wall, counter};
}

HlcTime HybridLogicalClock::last() const
{
    std::lock_guard lock(m_mutex);
    return m_last;
}

} // namespace crf
