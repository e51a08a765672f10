// Backoff: retry delays that double up to a cap, with jitter so a ward of tablets does not retry in lockstep.
#pragma once

#include <cstdint>
#include <random>

namespace crf {

/// Delay n (from 0) = min(cap, base x 2^n), scaled by a uniform factor in [1 - jitter, 1 + jitter]. Seeded, so tests
/// are repeatable. Not thread-safe: one per sync loop.
class Backoff {
public:
    Backoff(int64_t baseMs, int64_t capMs, double jitter, uint32_t seed)
        : m_base(baseMs), m_cap(capMs), m_jitter(jitter), m_rng(seed)
    {
    }

    int64_t nextDelayMs()
    {
        int64_t d = m_base;
        for (int i = 0; i < m_failures && d < m_cap; ++i)
            d *= 2;
        if (d > m_cap)
            d = m_cap;
        ++m_failures;
        std::uniform_real_distribution<double> factor(1.0 - m_jitter, 1.0 + m_jitter);
        return static_cast<int64_t>(static_cast<double>(d) * factor(m_rng));
    }
    void reset() { m_failures = 0; }
    int failures() const { return m_failures; }

private:
    int64_t m_base, m_cap;
    double m_jitter;
    std::mt19937 m_rng;
    int m_failures = 0;
};

} // namespace crf
