// Clock: injectable UTC time source so tests control time (KeePassXC Clock pattern).
#pragma once

#include <cstdint>
#include <string>

namespace crf {

/// Source of UTC wall time in milliseconds since the Unix epoch. Implementations must be thread-safe.
class Clock {
public:
    virtual ~Clock() = default;
    virtual int64_t nowMs() const = 0;
    /// Offset of local time from UTC in minutes at the current instant (recorded with capture time).
    virtual int32_t utcOffsetMinutes() const = 0;
};

/// ISO 8601 UTC with seconds ("2026-11-22T08:15:00Z"), as date-time items and reports write instants.
std::string isoUtc(int64_t ms);

/// The real system clock.
class SystemClock final : public Clock {
public:
    int64_t nowMs() const override;
    int32_t utcOffsetMinutes() const override;
};

/// A clock that only moves when told to (tests).
class ManualClock final : public Clock {
public:
    explicit ManualClock(int64_t startMs, int32_t offsetMin = 0) : m_now(startMs), m_offset(offsetMin) {}
    int64_t nowMs() const override { return m_now; }
    int32_t utcOffsetMinutes() const override { return m_offset; }
    void advance(int64_t ms) { m_now += ms; }
    void set(int64_t ms) { m_now = ms; }

private:
    int64_t m_now;
    int32_t m_offset;
};

} // namespace crf
