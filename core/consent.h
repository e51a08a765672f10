// Consent: the delayed-consent state machine shared by tablet and gateway (docs/consent.md; CSP L1122-1-3,
// L1122-1-1, L1122-2; shared FACTS "Consent").
#pragma once

#include "result.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crf::consent {

/// Where a subject stands. Every state answers the three questions of docs/consent.md.
enum class State {
    NotIncluded,       // no inclusion recorded yet
    PendingEmergency,  // included under the emergency provisions, no one asked yet (L1122-1-3)
    PendingPatient,    // a relative / trusted person / legal representative consented; the patient is to be asked
    Consented,         // the patient (or the guardian) consented to continue and signed the non-objection to data use
    Refused,           // continuation refused: participation stops, data kept unless an objection follows
    Withdrawn,         // consent withdrawn after it was given: stops, data kept unless an objection follows
    DiedBeforeConsent, // died before anyone could be asked: relatives informed, they may still object
    LostToFollowUp,    // cannot be reached; nothing else changes
    Objected,          // objection to the use of data: out of analysis, audit trail kept; final
};

/// A decision or a fact that moves the state (the code stored in the consent form's CONSENT_EVENT item).
enum class Event {
    IncludedPatientConsent,  // inclusion with the patient's prior consent
    IncludedRelativeConsent, // inclusion with a relative's, trusted person's or legal representative's consent
    IncludedEmergency,       // inclusion under the emergency provisions, no one to ask
    PatientConsents,         // the patient regains capacity, consents to continue and signs the non-objection
    RelativeConsents,        // while the patient is incapable, a relative consents to continuation
    GuardianConsents,        // the patient is under guardianship: the guardian decides
    RefusesContinuation,     // the patient (or relative, or guardian) refuses to continue
    ObjectsToDataUse,        // the patient (or relative, or guardian) objects to the use of the data
    DiedBeforeConsent,       // death before consent could be sought
    Withdraws,               // withdrawal after consent
    LostToFollowUp,
};

/// Who gave the decision (the consent form's DECIDED_BY item).
enum class Decider { None, Patient, Relative, TrustedPerson, LegalRepresentative, Guardian };

std::string_view stateCode(State s);  // "PENDING_EMERGENCY"...
std::string_view stateLabel(State s); // in clinicians' words
std::string_view eventCode(Event e);  // "INCLUDED_EMERGENCY"...
std::string_view deciderCode(Decider d);
std::optional<State> parseState(std::string_view code);
std::optional<Event> parseEvent(std::string_view code);
std::optional<Decider> parseDecider(std::string_view code); // "" -> None
std::vector<Event> allEvents();
std::vector<State> allStates();

/// What a state allows.
struct Rights {
    bool collectionContinues = false; // new study data may be entered (safety and vital status always may)
    bool dataUsable = false;          // the data collected may be used
    bool excludeFromAnalysis = false; // the subject's data leave analysis exports (the manifest says so)
    bool awaitingDecision = false;    // someone is still to be asked: on the site's consent worklist
};
Rights rights(State s);

/// One recorded decision.
struct Decision {
    Event event = Event::IncludedEmergency;
    Decider decidedBy = Decider::None;
    int64_t decidedAtMs = 0; // UTC
    std::string obtainedBy;  // who obtained it (printed name)
    std::string formVersion; // version of the information / consent form signed
};

/// The consent form's items (study definition `consent`, docs/consent.md).
inline constexpr const char* kEventItem = "CONSENT_EVENT";
inline constexpr const char* kDecidedByItem = "DECIDED_BY";
inline constexpr const char* kTimeItem = "DECISION_TIME";
inline constexpr const char* kObtainedByItem = "OBTAINED_BY";
inline constexpr const char* kFormVersionItem = "CONSENT_FORM_VERSION";

/// Reads a decision from one repeat of the consent form (item OID -> text as entered). The error names the item.
Result<Decision> decisionFrom(const std::map<std::string, std::string>& values);

/// The next state, or an error in plain words naming why the transition is not allowed (and what to record
/// instead where there is an obvious alternative). Checks the decider fits the event.
Result<State> next(State from, const Decision& d);

/// Replays decisions in order from NotIncluded. The error names the decision (1-based) that does not fit.
struct History {
    State state = State::NotIncluded;
    std::optional<int64_t> includedAtMs; // the inclusion decision's time
    std::optional<int64_t> lastDecisionAtMs;
};
Result<History> replay(const std::vector<Decision>& decisions);

} // namespace crf::consent
