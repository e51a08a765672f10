#include "crt.h"

#include <algorithm>

namespace crf::crt {

namespace {
/// Tenths of a second, rounded half up: what the screen shows and the item records.
int64_t tenths(int64_t ms)
{
    return (std::max<int64_t>(0, ms) + 50) / 100;
}

/// "2.4": integer arithmetic, never the C locale (a French locale would write "2,4").
std::string seconds(int64_t ms)
{
    const int64_t t = tenths(ms);
    return std::to_string(t / 10) + "." + std::to_string(t % 10);
}
} // namespace

double thresholdSeconds(Site site)
{
    return site == Site::Finger ? 3.0 : 4.0;
}

bool abnormal(Site site, double refillSeconds)
{
    return refillSeconds > thresholdSeconds(site);
}

const char* siteCode(Site site)
{
    return site == Site::Finger ? "FINGER" : "KNEE";
}

Result<Site> parseSite(const std::string& code)
{
    if (code == "FINGER")
        return Site::Finger;
    if (code == "KNEE")
        return Site::Knee;
    return messageError("CRT_SITE", QT_TRANSLATE_NOOP("Core", "\"%1\" is not a capillary refill site (FINGER or KNEE)"),
                        {code});
}

const char* phaseName(Phase p)
{
    switch (p) {
    case Phase::Ready:
        return "ready";
    case Phase::Pressing:
        return "pressing";
    case Phase::Timing:
        return "timing";
    case Phase::Done:
        return "done";
    case Phase::GaveUp:
        return "gave_up";
    }
    return "ready";
}

std::string Measurement::pressureText() const
{
    return seconds(pressureMs);
}

std::string Measurement::refillText() const
{
    return seconds(refillMs);
}

Status Stopwatch::setSite(Site site)
{
    if (m_phase == Phase::Pressing || m_phase == Phase::Timing)
        return messageError(
            "stopwatch",
            QT_TRANSLATE_NOOP("Core", "finish or cancel the measurement under way before changing the site"));
    m_site = site;
    return {};
}

Status Stopwatch::press(int64_t nowMs)
{
    const Phase now = phase(nowMs);
    if (now == Phase::Pressing || now == Phase::Timing)
        return messageError("stopwatch", QT_TRANSLATE_NOOP("Core", "a measurement is under way"));
    m_phase = Phase::Pressing;
    m_pressedAt = nowMs;
    m_releasedAt = 0;
    return {};
}

Status Stopwatch::release(int64_t nowMs)
{
    if (m_phase != Phase::Pressing)
        return messageError("stopwatch", QT_TRANSLATE_NOOP("Core", "press first"));
    if (nowMs < m_pressedAt)
        return messageError(
            "stopwatch", QT_TRANSLATE_NOOP("Core", "the clock went backwards during the measurement: measure again"));
    m_phase = Phase::Timing;
    m_releasedAt = nowMs;
    return {};
}

Result<Measurement> Stopwatch::colourReturned(int64_t nowMs)
{
    const Phase now = phase(nowMs);
    if (now == Phase::GaveUp)
        return messageError(
            "stopwatch", QT_TRANSLATE_NOOP("Core", "no refill within 60 s: measure again or record the value by hand"));
    if (now != Phase::Timing)
        return messageError("stopwatch", QT_TRANSLATE_NOOP("Core", "release the pressure first"));
    if (nowMs < m_releasedAt)
        return messageError(
            "stopwatch", QT_TRANSLATE_NOOP("Core", "the clock went backwards during the measurement: measure again"));
    Measurement m;
    m.site = m_site;
    m.pressureMs = m_releasedAt - m_pressedAt;
    m.refillMs = nowMs - m_releasedAt;
    m.releasedAtMs = m_releasedAt;
    m.shortPressure = m_site == Site::Finger && m.pressureMs < kFingerPressureMs;
    // The value recorded is the one shown (one decimal): the cut-point applies to it, not to the raw milliseconds.
    m.isAbnormal = abnormal(m_site, static_cast<double>(tenths(m.refillMs)) / 10.0);
    m_phase = Phase::Done;
    return m;
}

void Stopwatch::cancel()
{
    m_phase = Phase::Ready;
    m_pressedAt = m_releasedAt = 0;
}

Phase Stopwatch::phase(int64_t nowMs) const
{
    if (m_phase == Phase::Timing && nowMs - m_releasedAt > kGiveUpMs)
        return Phase::GaveUp;
    return m_phase;
}

int64_t Stopwatch::pressureLeftMs(int64_t nowMs) const
{
    if (m_phase != Phase::Pressing || m_site != Site::Finger)
        return 0;
    return std::max<int64_t>(0, kFingerPressureMs - (nowMs - m_pressedAt));
}

int64_t Stopwatch::elapsedMs(int64_t nowMs) const
{
    if (m_phase == Phase::Pressing)
        return std::max<int64_t>(0, nowMs - m_pressedAt);
    if (m_phase == Phase::Timing)
        return std::max<int64_t>(0, nowMs - m_releasedAt);
    return 0;
}

Message Stopwatch::guide(int64_t nowMs) const
{
    switch (phase(nowMs)) {
    case Phase::Ready:
    case Phase::Done:
        return m_site == Site::Finger
                   ? message(QT_TRANSLATE_NOOP(
                         "Core", "Press the glass slide on the pad of the index finger until it blanches, and hold"))
                   : message(QT_TRANSLATE_NOOP("Core", "Press on the knee until the skin blanches, and hold"));
    case Phase::Pressing: {
        const int64_t left = pressureLeftMs(nowMs);
        if (m_site == Site::Finger && left > 0)
            return message(QT_TRANSLATE_NOOP("Core", "Keep pressing: %1 s"), {std::to_string((left + 999) / 1000)});
        if (m_site == Site::Finger)
            return message(QT_TRANSLATE_NOOP("Core", "Release now"));
        return message(QT_TRANSLATE_NOOP("Core", "Release when blanched (held %1 s)"), {seconds(elapsedMs(nowMs))});
    }
    case Phase::Timing:
        return message(QT_TRANSLATE_NOOP("Core", "Refilling %1 s: tap when the colour returns"),
                       {seconds(elapsedMs(nowMs))});
    case Phase::GaveUp:
        return message(QT_TRANSLATE_NOOP("Core", "No refill within 60 s: measure again or record the value by hand"));
    }
    return {};
}

} // namespace crf::crt
