// Capillary refill time at the bedside (shared FACTS "Mottling and capillary refill"): the nurse presses the skin
// (a glass slide on the pad of the right index finger, ANDROMEDA-SHOCK: pressure to blanching held 10 s), releases,
// and stops the watch when the colour returns. Finger > 3 s and knee > 4 s are abnormal.
#pragma once

#include "result.h"

#include <cstdint>
#include <string>

namespace crf::crt {

enum class Site { Finger, Knee };

/// ANDROMEDA-SHOCK: the finger pressure is held 10 s. The knee pressure time is not given: recorded as applied.
inline constexpr int64_t kFingerPressureMs = 10'000;
/// Beyond the CRT items' hard maximum (60 s) the watch gives up: record by hand or measure again.
inline constexpr int64_t kGiveUpMs = 60'000;

/// The abnormal threshold in seconds: finger 3, knee 4 (strictly greater is abnormal).
double thresholdSeconds(Site site);
bool abnormal(Site site, double refillSeconds);
/// "FINGER" / "KNEE", the study's CRT_SITE codes.
const char* siteCode(Site site);
Result<Site> parseSite(const std::string& code);

/// One measurement, as the CRT items record it.
struct Measurement {
    Site site = Site::Finger;
    int64_t pressureMs = 0;     // from press to release
    int64_t refillMs = 0;       // from release to the colour's return
    int64_t releasedAtMs = 0;   // the measurement's time (UTC ms)
    bool shortPressure = false; // finger released before the protocol's 10 s
    bool isAbnormal = false;
    /// Seconds to one decimal ("2.4"), as the decimal items take them.
    std::string pressureText() const;
    std::string refillText() const;
};

enum class Phase { Ready, Pressing, Timing, Done, GaveUp };
const char* phaseName(Phase p);

/// The watch itself. Passive: the caller passes the time of every action (the tablet's clock at the bedside, an
/// injected clock in tests) and asks phase(now)/guidance(now) whenever the screen refreshes.
class Stopwatch {
public:
    explicit Stopwatch(Site site = Site::Finger) : m_site(site) {}

    Site site() const { return m_site; }
    /// Another site for the next measurement (not while one runs).
    Status setSite(Site site);
    /// The nurse starts pressing (Ready, Done or GaveUp -> Pressing: a new measurement).
    Status press(int64_t nowMs);
    /// The nurse releases (Pressing -> Timing). A finger released early is kept and flagged (shortPressure).
    Status release(int64_t nowMs);
    /// The colour has returned (Timing -> Done): the measurement.
    Result<Measurement> colourReturned(int64_t nowMs);
    /// Abandons the measurement under way (back to Ready).
    void cancel();

    Phase phase(int64_t nowMs) const;
    /// While pressing on the finger: what is left of the 10 s (0 when reached; always 0 on the knee).
    int64_t pressureLeftMs(int64_t nowMs) const;
    /// Pressing: how long held; Timing: how long since the release.
    int64_t elapsedMs(int64_t nowMs) const;
    /// What to tell the nurse now.
    Message guide(int64_t nowMs) const;
    /// The same, in English.
    std::string guidance(int64_t nowMs) const { return guide(nowMs).text; }

private:
    Site m_site;
    Phase m_phase = Phase::Ready;
    int64_t m_pressedAt = 0, m_releasedAt = 0;
};

} // namespace crf::crt
