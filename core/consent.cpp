// Consent state machine (docs/consent.md). The table below is the whole rule set: one row per allowed transition.
#include "consent.h"

#include "calculators.h"
#include "tr.h"

#include <array>

namespace crf::consent {
namespace {

struct StateInfo {
    State state;
    const char* code;
    const char* label;
    Rights rights;
};

// {collectionContinues, dataUsable, excludeFromAnalysis, awaitingDecision}
// CSP L1122-1-3: data of an emergency inclusion may be used unless the patient or relative objects; a refusal to
// continue stops participation but keeps the data already collected (FACTS "Consent").
constexpr std::array kStates{
    StateInfo{State::NotIncluded, "NOT_INCLUDED", "Not included (screening data only)", {true, false, true, false}},
    StateInfo{State::PendingEmergency,
              "PENDING_EMERGENCY",
              "Emergency inclusion, consent to be sought",
              {true, true, false, true}},
    StateInfo{
        State::PendingPatient, "PENDING_PATIENT", "Relative consented, patient to be asked", {true, true, false, true}},
    StateInfo{State::Consented, "CONSENTED", "Consent to continue given", {true, true, false, false}},
    StateInfo{State::Refused, "REFUSED", "Refused to continue (data kept)", {false, true, false, false}},
    StateInfo{State::Withdrawn, "WITHDRAWN", "Withdrew (data kept)", {false, true, false, false}},
    StateInfo{State::DiedBeforeConsent,
              "DIED_BEFORE_CONSENT",
              "Died before consent could be sought",
              {false, true, false, false}},
    StateInfo{State::LostToFollowUp, "LOST_TO_FOLLOW_UP", "Lost to follow-up", {true, true, false, false}},
    StateInfo{
        State::Objected, "OBJECTED", "Objected to the use of data (out of analysis)", {false, false, true, false}},
};

struct EventInfo {
    Event event;
    const char* code;
};

constexpr std::array kEvents{
    EventInfo{Event::IncludedPatientConsent, "INCLUDED_PATIENT_CONSENT"},
    EventInfo{Event::IncludedRelativeConsent, "INCLUDED_RELATIVE_CONSENT"},
    EventInfo{Event::IncludedEmergency, "INCLUDED_EMERGENCY"},
    EventInfo{Event::PatientConsents, "PATIENT_CONSENTS"},
    EventInfo{Event::RelativeConsents, "RELATIVE_CONSENTS"},
    EventInfo{Event::GuardianConsents, "GUARDIAN_CONSENTS"},
    EventInfo{Event::RefusesContinuation, "REFUSES_CONTINUATION"},
    EventInfo{Event::ObjectsToDataUse, "OBJECTS_TO_DATA_USE"},
    EventInfo{Event::DiedBeforeConsent, "DIED_BEFORE_CONSENT"},
    EventInfo{Event::Withdraws, "WITHDRAWS"},
    EventInfo{Event::LostToFollowUp, "LOST_TO_FOLLOW_UP"},
};

struct DeciderInfo {
    Decider decider;
    const char* code;
};

constexpr std::array kDeciders{
    DeciderInfo{Decider::None, ""},
    DeciderInfo{Decider::Patient, "PATIENT"},
    DeciderInfo{Decider::Relative, "RELATIVE"},
    DeciderInfo{Decider::TrustedPerson, "TRUSTED_PERSON"},
    DeciderInfo{Decider::LegalRepresentative, "LEGAL_REPRESENTATIVE"},
    DeciderInfo{Decider::Guardian, "GUARDIAN"},
};

struct Transition {
    State from;
    Event event;
    State to;
};

// Every allowed transition; anything else is refused with the reason from refusal().
constexpr std::array kTransitions{
    // Inclusion (CSP L1122-1 prior consent; L1122-2 relative / legal representative; L1122-1-3 emergency).
    Transition{State::NotIncluded, Event::IncludedPatientConsent, State::Consented},
    Transition{State::NotIncluded, Event::IncludedRelativeConsent, State::PendingPatient},
    Transition{State::NotIncluded, Event::IncludedEmergency, State::PendingEmergency},
    // After an emergency inclusion: whoever can be asked first.
    Transition{State::PendingEmergency, Event::PatientConsents, State::Consented},
    Transition{State::PendingEmergency, Event::RelativeConsents, State::PendingPatient},
    Transition{State::PendingEmergency, Event::GuardianConsents, State::Consented},
    Transition{State::PendingEmergency, Event::RefusesContinuation, State::Refused},
    Transition{State::PendingEmergency, Event::ObjectsToDataUse, State::Objected},
    Transition{State::PendingEmergency, Event::DiedBeforeConsent, State::DiedBeforeConsent},
    Transition{State::PendingEmergency, Event::LostToFollowUp, State::LostToFollowUp},
    // A relative consented: the patient is asked as soon as able (or the guardian decides).
    Transition{State::PendingPatient, Event::PatientConsents, State::Consented},
    Transition{State::PendingPatient, Event::GuardianConsents, State::Consented},
    Transition{State::PendingPatient, Event::RefusesContinuation, State::Refused},
    Transition{State::PendingPatient, Event::ObjectsToDataUse, State::Objected},
    Transition{State::PendingPatient, Event::DiedBeforeConsent, State::DiedBeforeConsent},
    Transition{State::PendingPatient, Event::Withdraws, State::Withdrawn},
    Transition{State::PendingPatient, Event::LostToFollowUp, State::LostToFollowUp},
    // Consent given: a later stop is a withdrawal.
    Transition{State::Consented, Event::Withdraws, State::Withdrawn},
    Transition{State::Consented, Event::ObjectsToDataUse, State::Objected},
    Transition{State::Consented, Event::LostToFollowUp, State::LostToFollowUp},
    // Stopped, withdrawn or deceased: the data stay usable unless someone objects.
    Transition{State::Refused, Event::ObjectsToDataUse, State::Objected},
    Transition{State::Withdrawn, Event::ObjectsToDataUse, State::Objected},
    Transition{State::DiedBeforeConsent, Event::ObjectsToDataUse, State::Objected},
    // Found again after being lost.
    Transition{State::LostToFollowUp, Event::PatientConsents, State::Consented},
    Transition{State::LostToFollowUp, Event::RefusesContinuation, State::Refused},
    Transition{State::LostToFollowUp, Event::Withdraws, State::Withdrawn},
    Transition{State::LostToFollowUp, Event::ObjectsToDataUse, State::Objected},
};

const StateInfo& info(State s)
{
    for (const auto& i : kStates)
        if (i.state == s)
            return i;
    return kStates[0];
}

bool isInclusion(Event e)
{
    return e == Event::IncludedPatientConsent || e == Event::IncludedRelativeConsent || e == Event::IncludedEmergency;
}

bool isRelativeSide(Decider d)
{
    return d == Decider::Relative || d == Decider::TrustedPerson || d == Decider::LegalRepresentative;
}

// Who may give each decision (the guardian decides for a patient under guardianship, FACTS "Consent").
/// Who may decide `e`: the problem's template (nullptr when `d` may).
const char* deciderProblem(Event e, Decider d)
{
    switch (e) {
    case Event::IncludedPatientConsent:
    case Event::PatientConsents:
        return d == Decider::Patient
                   ? nullptr
                   : QT_TRANSLATE_NOOP("Core", "this decision is the patient's own (decided by: PATIENT)");
    case Event::IncludedRelativeConsent:
        return isRelativeSide(d) || d == Decider::Guardian
                   ? nullptr
                   : QT_TRANSLATE_NOOP(
                         "Core", "decided by must be a relative, trusted person, legal representative or guardian");
    case Event::RelativeConsents:
        return isRelativeSide(d)
                   ? nullptr
                   : QT_TRANSLATE_NOOP("Core", "decided by must be a relative, trusted person or legal representative");
    case Event::GuardianConsents:
        return d == Decider::Guardian ? nullptr : QT_TRANSLATE_NOOP("Core", "decided by must be the guardian");
    case Event::RefusesContinuation:
    case Event::ObjectsToDataUse:
    case Event::Withdraws:
        return d == Decider::None
                   ? QT_TRANSLATE_NOOP("Core", "decided by is missing: the patient, a relative, trusted person, legal "
                                               "representative or the guardian")
                   : nullptr;
    case Event::IncludedEmergency:
    case Event::DiedBeforeConsent:
    case Event::LostToFollowUp:
        return d == Decider::None ? nullptr : QT_TRANSLATE_NOOP("Core", "no one decides this: leave decided by empty");
    }
    return nullptr;
}

Error refusal(const std::string& where, State from, Event e)
{
    const std::string label(info(from).label);
    if (from == State::NotIncluded)
        return messageError(
            where, QT_TRANSLATE_NOOP("Core", "no inclusion is recorded for this subject: record the inclusion first"));
    if (isInclusion(e))
        return messageError(where, QT_TRANSLATE_NOOP("Core", "the subject is already included (%1)"), {label});
    if (from == State::Objected)
        return messageError(
            where,
            QT_TRANSLATE_NOOP("Core", "the objection to the use of data is final; the data stay out of analysis"));
    if (e == Event::RefusesContinuation && from == State::Consented)
        return messageError(
            where, QT_TRANSLATE_NOOP("Core", "consent was given: a later stop is a withdrawal (record WITHDRAWS)"));
    if (e == Event::Withdraws && from == State::PendingEmergency)
        return messageError(
            where,
            QT_TRANSLATE_NOOP("Core",
                              "no consent was given to withdraw: record a refusal to continue (REFUSES_CONTINUATION)"));
    if (e == Event::DiedBeforeConsent)
        return messageError(
            where,
            QT_TRANSLATE_NOOP("Core", "consent was already decided (%1): record the death in the end-of-study form"),
            {label});
    if (e == Event::RelativeConsents && from == State::PendingPatient)
        return messageError(
            where, QT_TRANSLATE_NOOP("Core", "a relative has already consented: the patient is to be asked now"));
    if (e == Event::PatientConsents || e == Event::GuardianConsents || e == Event::RelativeConsents)
        return messageError(where, QT_TRANSLATE_NOOP("Core", "consent cannot be recorded after: %1"), {label});
    return messageError(where, QT_TRANSLATE_NOOP("Core", "%1 is not possible after: %2"),
                        {std::string(eventCode(e)), label});
}

} // namespace

std::string_view stateCode(State s)
{
    return info(s).code;
}
std::string_view stateLabel(State s)
{
    return info(s).label;
}
Rights rights(State s)
{
    return info(s).rights;
}

std::string_view eventCode(Event e)
{
    for (const auto& i : kEvents)
        if (i.event == e)
            return i.code;
    return "";
}

std::string_view deciderCode(Decider d)
{
    for (const auto& i : kDeciders)
        if (i.decider == d)
            return i.code;
    return "";
}

std::optional<State> parseState(std::string_view code)
{
    for (const auto& i : kStates)
        if (code == i.code)
            return i.state;
    return std::nullopt;
}

std::optional<Event> parseEvent(std::string_view code)
{
    for (const auto& i : kEvents)
        if (code == i.code)
            return i.event;
    return std::nullopt;
}

std::optional<Decider> parseDecider(std::string_view code)
{
    for (const auto& i : kDeciders)
        if (code == i.code)
            return i.decider;
    return std::nullopt;
}

std::vector<Event> allEvents()
{
    std::vector<Event> out;
    for (const auto& i : kEvents)
        out.push_back(i.event);
    return out;
}

std::vector<State> allStates()
{
    std::vector<State> out;
    for (const auto& i : kStates)
        out.push_back(i.state);
    return out;
}

Result<State> next(State from, const Decision& d)
{
    const std::string where = "consent " + std::string(eventCode(d.event));
    for (const auto& t : kTransitions) {
        if (t.from != from || t.event != d.event)
            continue;
        if (const char* problem = deciderProblem(d.event, d.decidedBy))
            return messageError(where, problem);
        return t.to;
    }
    return refusal(where, from, d.event);
}

Result<Decision> decisionFrom(const std::map<std::string, std::string>& values)
{
    auto text = [&](const char* item) {
        auto it = values.find(item);
        return it == values.end() ? std::string() : it->second;
    };
    Decision d;
    const auto event = parseEvent(text(kEventItem));
    if (!event)
        return text(kEventItem).empty()
                   ? messageError(kEventItem, QT_TRANSLATE_NOOP("Core", "missing: which decision is recorded"))
                   : messageError(kEventItem, QT_TRANSLATE_NOOP("Core", "unknown decision '%1'"), {text(kEventItem)});
    d.event = *event;
    const auto decider = parseDecider(text(kDecidedByItem));
    if (!decider)
        return messageError(kDecidedByItem, QT_TRANSLATE_NOOP("Core", "unknown '%1'"), {text(kDecidedByItem)});
    d.decidedBy = *decider;
    const auto at = study::parseDateTime(text(kTimeItem));
    if (!at)
        return messageError(kTimeItem, QT_TRANSLATE_NOOP("Core", "missing or not an ISO 8601 date-time"));
    d.decidedAtMs = *at * 1000;
    d.obtainedBy = text(kObtainedByItem);
    d.formVersion = text(kFormVersionItem);
    return d;
}

Result<History> replay(const std::vector<Decision>& decisions)
{
    History h;
    for (size_t i = 0; i < decisions.size(); ++i) {
        auto to = next(h.state, decisions[i]);
        if (!to) {
            Error e = to.error(); // the message and its template kept, the place made precise
            e.where = "decision " + std::to_string(i + 1) + " (" + e.where + ")";
            return e;
        }
        if (isInclusion(decisions[i].event))
            h.includedAtMs = decisions[i].decidedAtMs;
        h.lastDecisionAtMs = decisions[i].decidedAtMs;
        h.state = *to;
    }
    return h;
}

} // namespace crf::consent
