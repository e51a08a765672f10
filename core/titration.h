// Titration: the study-drug dose timer shown at randomization (I-MICRO protocol "Ilomedin"; shared FACTS "Ideal
// body weight and infusion rates"). Identical whatever the arm: the rates never reveal the allocation.
#pragma once

#include "result.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace crf::titration {

/// The protocol's schedule: start at the first level, one level up every `stepUpMs` to the last; on hypotension or
/// hypoxaemia one level down every `stepDownMs`; `totalMs` of infusion in all.
struct Schedule {
    std::vector<double> levelsNgKgMin{0.5, 1.0, 1.5};
    int64_t stepUpMs = 30 * 60 * 1000;
    int64_t stepDownMs = 15 * 60 * 1000;
    int64_t surgeryResumeMs = 6 * 3600 * 1000; // may resume 6 h after surgery
    int64_t totalMs = 48 * 3600 * 1000;
};

enum class Phase { NotStarted, StepUp, Holding, StepDown, Paused, Stopped, Completed };
const char* phaseName(Phase p);

/// What the bedside sees now.
struct Advice {
    Phase phase = Phase::NotStarted;
    int level = -1;           // index into levels; -1 when nothing runs
    double doseNgKgMin = 0;   // 0 when nothing runs
    int64_t nextStepAtMs = 0; // when the next step is due (0: none)
    Message instruction;      // in clinicians' words (a screen words its template in its language)
};

/// What the bedside reports, in the order it happened: the titration is its replay (a timer that survives a restart
/// of the tablet: the log is kept in the encrypted store, TrialController).
enum class Action { Start, Hypotension, Hypoxaemia, Resolved, SevereHypotension, SevereBleeding, Surgery, Resume };
const char* actionName(Action a);
struct Entry {
    Action action = Action::Start;
    int64_t atMs = 0;
    bool operator==(const Entry& o) const { return action == o.action && atMs == o.atMs; }
};
/// One line per entry: "<ACTION> <ms>".
std::string writeLog(const std::vector<Entry>& log);
/// The entries of writeLog's text; an unknown action, a bad time or a time going backwards is an error naming the
/// line.
Result<std::vector<Entry>> readLog(const std::string& text);

/// One patient's titration. Passive: the caller passes the time of every action (an injected clock in tests, the
/// tablet's clock at the bedside) and asks advise(now) whenever the screen refreshes.
class Titration {
public:
    explicit Titration(Schedule schedule = {}) : m_s(std::move(schedule)) {}
    /// The titration that `log` (readLog) describes, under `schedule`.
    static Titration replay(Schedule schedule, const std::vector<Entry>& log);

    /// Applies `action` at `atMs` as the methods below do, and logs it when it took effect (a resume refused before
    /// its 6 h is not logged). Returns whether it did.
    bool apply(Action action, int64_t atMs);
    /// What was applied, in order.
    const std::vector<Entry>& log() const { return m_log; }

    void start(int64_t nowMs);
    /// Applies every step due by `nowMs` (level up every 30 min; level down every 15 min while stepping down) and
    /// the 48 h end; returns the advice.
    Advice advise(int64_t nowMs);
    /// MAP < 65 mmHg after the start: fluids and norepinephrine +25 %, then one level down every 15 min.
    void hypotension(int64_t nowMs);
    /// PaO2/FiO2 < 100 after an increase: one level down every 15 min.
    void hypoxaemia(int64_t nowMs);
    /// The cause of a step-down resolved: hold the current level (no further increase).
    void resolved(int64_t nowMs);
    /// MAP < 50 mmHg for more than 5 min without another cause: stop.
    void severeHypotension(int64_t nowMs);
    /// Severe bleeding: stop for good.
    void severeBleeding(int64_t nowMs);
    /// Surgery: stop before theatre; resume() is allowed 6 h later.
    void surgery(int64_t nowMs);
    /// Resumes after surgery at the first level. False (nothing changes) before the 6 h or after a definitive stop.
    bool resume(int64_t nowMs);

private:
    void accrue(int64_t nowMs);
    void stop(int64_t nowMs, std::string why);

    Schedule m_s;
    std::vector<Entry> m_log;
    Phase m_phase = Phase::NotStarted;
    int m_level = -1;
    int64_t m_nextStepMs = 0;
    int64_t m_infusedMs = 0; // time with the drug running
    int64_t m_runningSince = 0;
    int64_t m_resumeAfterMs = 0;
    std::string m_why;
};

} // namespace crf::titration
