// Titration timer (I-MICRO protocol "Ilomedin": +0.5 ng/kg/min every 30 min to 1.5; step down every 15 min on
// hypotension or hypoxaemia; stop rules; 48 h in all).
#include "titration.h"
#include "tr.h"

#include <algorithm>
#include <cstdio>

namespace crf::titration {

const char* phaseName(Phase p)
{
    switch (p) {
    case Phase::NotStarted:
        return "not started";
    case Phase::StepUp:
        return "stepping up";
    case Phase::Holding:
        return "holding";
    case Phase::StepDown:
        return "stepping down";
    case Phase::Paused:
        return "paused";
    case Phase::Stopped:
        return "stopped";
    case Phase::Completed:
        return "completed";
    }
    return "";
}

namespace {
bool running(Phase p)
{
    return p == Phase::StepUp || p == Phase::Holding || p == Phase::StepDown;
}

std::string dose(double d)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f ng/kg/min", d);
    return buf;
}
} // namespace

void Titration::start(int64_t nowMs)
{
    if (m_phase != Phase::NotStarted)
        return;
    m_phase = m_s.levelsNgKgMin.size() > 1 ? Phase::StepUp : Phase::Holding;
    m_level = 0;
    m_runningSince = nowMs;
    m_nextStepMs = m_phase == Phase::StepUp ? nowMs + m_s.stepUpMs : 0;
}

void Titration::accrue(int64_t nowMs)
{
    if (running(m_phase) && nowMs > m_runningSince) {
        m_infusedMs += nowMs - m_runningSince;
        m_runningSince = nowMs;
    }
}

void Titration::stop(int64_t nowMs, std::string why)
{
    accrue(nowMs);
    m_phase = Phase::Stopped;
    m_level = -1;
    m_nextStepMs = 0;
    m_why = std::move(why);
}

Advice Titration::advise(int64_t nowMs)
{
    const int top = static_cast<int>(m_s.levelsNgKgMin.size()) - 1;
    // Steps due by now, in order (a screen asleep for an hour catches up step by step).
    while (running(m_phase) && m_nextStepMs != 0 && m_nextStepMs <= nowMs) {
        const int64_t at = m_nextStepMs;
        if (m_phase == Phase::StepUp) {
            ++m_level;
            m_nextStepMs = m_level < top ? at + m_s.stepUpMs : 0;
            if (m_level >= top)
                m_phase = Phase::Holding;
        } else { // StepDown
            --m_level;
            if (m_level < 0) {
                stop(at, QT_TRANSLATE_NOOP("Core", "stepped down below the first level: infusion stopped"));
                break;
            }
            m_nextStepMs = at + m_s.stepDownMs;
        }
    }
    accrue(nowMs);
    if (running(m_phase) && m_infusedMs >= m_s.totalMs) {
        m_phase = Phase::Completed;
        m_level = -1;
        m_nextStepMs = 0;
    }

    Advice a;
    a.phase = m_phase;
    a.level = m_level;
    a.doseNgKgMin = m_level >= 0 ? m_s.levelsNgKgMin[static_cast<size_t>(m_level)] : 0;
    a.nextStepAtMs = m_nextStepMs;
    switch (m_phase) {
    case Phase::NotStarted:
        a.instruction = message(QT_TRANSLATE_NOOP("Core", "Start at %1"), {dose(m_s.levelsNgKgMin.front())});
        break;
    case Phase::StepUp:
        a.instruction = message(QT_TRANSLATE_NOOP("Core", "Run at %1; next increase to %2 when the timer ends"),
                                {dose(a.doseNgKgMin), dose(m_s.levelsNgKgMin[static_cast<size_t>(m_level + 1)])});
        break;
    case Phase::Holding:
        a.instruction =
            message(QT_TRANSLATE_NOOP("Core", "Run at %1 until the end of the 48 h infusion"), {dose(a.doseNgKgMin)});
        break;
    case Phase::StepDown:
        a.instruction = message(QT_TRANSLATE_NOOP("Core", "Run at %1; step down one level when the timer ends (%2)"),
                                {dose(a.doseNgKgMin), m_why});
        break;
    case Phase::Paused:
        a.instruction = message(QT_TRANSLATE_NOOP("Core", "%1"), {m_why});
        a.nextStepAtMs = m_resumeAfterMs;
        break;
    case Phase::Stopped:
        a.instruction = message(QT_TRANSLATE_NOOP("Core", "Infusion stopped: %1"), {m_why});
        break;
    case Phase::Completed:
        a.instruction = message(QT_TRANSLATE_NOOP("Core", "48 h infusion completed"));
        break;
    }
    return a;
}

void Titration::hypotension(int64_t nowMs)
{
    advise(nowMs);
    if (!running(m_phase))
        return;
    m_phase = Phase::StepDown;
    // Reasons are Core texts too: a screen words them where they appear as an argument.
    m_why = QT_TRANSLATE_NOOP("Core", "MAP < 65 mmHg: give fluids and increase norepinephrine by 25 %");
    m_nextStepMs = nowMs + m_s.stepDownMs;
}

void Titration::hypoxaemia(int64_t nowMs)
{
    advise(nowMs);
    if (!running(m_phase))
        return;
    m_phase = Phase::StepDown;
    m_why = QT_TRANSLATE_NOOP("Core", "PaO2/FiO2 < 100 after an increase");
    m_nextStepMs = nowMs + m_s.stepDownMs;
}

void Titration::resolved(int64_t nowMs)
{
    advise(nowMs);
    if (m_phase != Phase::StepDown)
        return;
    m_phase = Phase::Holding;
    m_nextStepMs = 0;
    m_why.clear();
}

void Titration::severeHypotension(int64_t nowMs)
{
    advise(nowMs);
    if (running(m_phase) || m_phase == Phase::Paused)
        stop(nowMs, QT_TRANSLATE_NOOP("Core", "MAP < 50 mmHg for more than 5 min without another cause"));
}

void Titration::severeBleeding(int64_t nowMs)
{
    advise(nowMs);
    if (m_phase != Phase::Completed)
        stop(nowMs, QT_TRANSLATE_NOOP("Core", "severe bleeding: do not restart"));
}

void Titration::surgery(int64_t nowMs)
{
    advise(nowMs);
    if (!running(m_phase))
        return;
    accrue(nowMs);
    m_phase = Phase::Paused;
    m_level = -1;
    m_resumeAfterMs = nowMs + m_s.surgeryResumeMs;
    m_nextStepMs = 0;
    m_why = QT_TRANSLATE_NOOP("Core", "Stopped for surgery: may resume 6 h after");
}

bool Titration::resume(int64_t nowMs)
{
    if (m_phase != Phase::Paused || nowMs < m_resumeAfterMs)
        return false;
    m_phase = m_s.levelsNgKgMin.size() > 1 ? Phase::StepUp : Phase::Holding;
    m_level = 0;
    m_runningSince = nowMs;
    m_nextStepMs = m_phase == Phase::StepUp ? nowMs + m_s.stepUpMs : 0;
    m_why.clear();
    return true;
}

namespace {
constexpr std::pair<Action, const char*> kActions[] = {
    {Action::Start, "START"},
    {Action::Hypotension, "HYPOTENSION"},
    {Action::Hypoxaemia, "HYPOXAEMIA"},
    {Action::Resolved, "RESOLVED"},
    {Action::SevereHypotension, "SEVERE_HYPOTENSION"},
    {Action::SevereBleeding, "SEVERE_BLEEDING"},
    {Action::Surgery, "SURGERY"},
    {Action::Resume, "RESUME"},
};
} // namespace

const char* actionName(Action a)
{
    for (const auto& [action, name] : kActions)
        if (action == a)
            return name;
    return "?";
}

std::string writeLog(const std::vector<Entry>& log)
{
    std::string out;
    for (const auto& e : log)
        out += std::string(actionName(e.action)) + " " + std::to_string(e.atMs) + "\n";
    return out;
}

Result<std::vector<Entry>> readLog(const std::string& text)
{
    std::vector<Entry> out;
    size_t at = 0;
    for (int line = 1; at < text.size(); ++line) {
        const size_t end = std::min(text.find('\n', at), text.size());
        const std::string l = text.substr(at, end - at);
        at = end + 1;
        const std::string where = "titration log line " + std::to_string(line);
        const size_t space = l.find(' ');
        const std::string name = l.substr(0, space);
        const std::string ms = space == std::string::npos ? std::string() : l.substr(space + 1);
        Entry e;
        bool known = false;
        for (const auto& [action, n] : kActions)
            if (name == n) {
                e.action = action;
                known = true;
            }
        if (!known)
            return Error{where, "unknown action \"" + name + "\""};
        if (ms.empty() || ms.find_first_not_of("0123456789") != std::string::npos || ms.size() > 18)
            return Error{where, "the time is not a number of milliseconds"};
        e.atMs = std::stoll(ms);
        if (!out.empty() && e.atMs < out.back().atMs)
            return Error{where, "goes back in time"};
        out.push_back(e);
    }
    return out;
}

Titration Titration::replay(Schedule schedule, const std::vector<Entry>& log)
{
    Titration t(std::move(schedule));
    for (const auto& e : log)
        t.apply(e.action, e.atMs);
    return t;
}

bool Titration::apply(Action action, int64_t atMs)
{
    switch (action) {
    case Action::Start:
        start(atMs);
        break;
    case Action::Hypotension:
        hypotension(atMs);
        break;
    case Action::Hypoxaemia:
        hypoxaemia(atMs);
        break;
    case Action::Resolved:
        resolved(atMs);
        break;
    case Action::SevereHypotension:
        severeHypotension(atMs);
        break;
    case Action::SevereBleeding:
        severeBleeding(atMs);
        break;
    case Action::Surgery:
        surgery(atMs);
        break;
    case Action::Resume:
        if (!resume(atMs))
            return false;
        break;
    }
    m_log.push_back({action, atMs});
    return true;
}

} // namespace crf::titration
