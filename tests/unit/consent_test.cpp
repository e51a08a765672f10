// Specification of the delayed-consent state machine (docs/consent.md; CSP L1122-1-3; FACTS "Consent"): every
// (state, event) pair, allowed or refused, and what each state allows.
#include "consent.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>

using namespace crf::consent;

namespace {

// The decider each event is recorded with in the table below (a valid one).
Decider validDecider(Event e)
{
    switch (e) {
    case Event::IncludedPatientConsent:
    case Event::PatientConsents:
        return Decider::Patient;
    case Event::IncludedRelativeConsent:
    case Event::RelativeConsents:
        return Decider::Relative;
    case Event::GuardianConsents:
        return Decider::Guardian;
    case Event::RefusesContinuation:
    case Event::ObjectsToDataUse:
    case Event::Withdraws:
        return Decider::Patient;
    default:
        return Decider::None;
    }
}

Decision decision(Event e, Decider d, int64_t at = 0)
{
    return Decision{e, d, at, "Dr Test", "v2.1"};
}

using S = State;
using E = Event;

// The allowed transitions, written out independently of the implementation's table.
const std::map<std::pair<S, E>, S> kAllowed{
    {{S::NotIncluded, E::IncludedPatientConsent}, S::Consented},
    {{S::NotIncluded, E::IncludedRelativeConsent}, S::PendingPatient},
    {{S::NotIncluded, E::IncludedEmergency}, S::PendingEmergency},
    {{S::PendingEmergency, E::PatientConsents}, S::Consented},
    {{S::PendingEmergency, E::RelativeConsents}, S::PendingPatient},
    {{S::PendingEmergency, E::GuardianConsents}, S::Consented},
    {{S::PendingEmergency, E::RefusesContinuation}, S::Refused},
    {{S::PendingEmergency, E::ObjectsToDataUse}, S::Objected},
    {{S::PendingEmergency, E::DiedBeforeConsent}, S::DiedBeforeConsent},
    {{S::PendingEmergency, E::LostToFollowUp}, S::LostToFollowUp},
    {{S::PendingPatient, E::PatientConsents}, S::Consented},
    {{S::PendingPatient, E::GuardianConsents}, S::Consented},
    {{S::PendingPatient, E::RefusesContinuation}, S::Refused},
    {{S::PendingPatient, E::ObjectsToDataUse}, S::Objected},
    {{S::PendingPatient, E::DiedBeforeConsent}, S::DiedBeforeConsent},
    {{S::PendingPatient, E::Withdraws}, S::Withdrawn},
    {{S::PendingPatient, E::LostToFollowUp}, S::LostToFollowUp},
    {{S::Consented, E::Withdraws}, S::Withdrawn},
    {{S::Consented, E::ObjectsToDataUse}, S::Objected},
    {{S::Consented, E::LostToFollowUp}, S::LostToFollowUp},
    {{S::Refused, E::ObjectsToDataUse}, S::Objected},
    {{S::Withdrawn, E::ObjectsToDataUse}, S::Objected},
    {{S::DiedBeforeConsent, E::ObjectsToDataUse}, S::Objected},
    {{S::LostToFollowUp, E::PatientConsents}, S::Consented},
    {{S::LostToFollowUp, E::RefusesContinuation}, S::Refused},
    {{S::LostToFollowUp, E::Withdraws}, S::Withdrawn},
    {{S::LostToFollowUp, E::ObjectsToDataUse}, S::Objected},
};

} // namespace

TEST(ConsentMachine, everyStateAndEventPairIsEitherTheListedTransitionOrARefusalWithAReason)
{
    int allowed = 0, refused = 0;
    for (State from : allStates()) {
        for (Event e : allEvents()) {
            SCOPED_TRACE(std::string(stateCode(from)) + " + " + std::string(eventCode(e)));
            auto to = next(from, decision(e, validDecider(e)));
            auto it = kAllowed.find({from, e});
            if (it != kAllowed.end()) {
                ASSERT_TRUE(to.ok()) << to.error().text();
                EXPECT_EQ(*to, it->second);
                ++allowed;
            } else {
                ASSERT_FALSE(to.ok());
                EXPECT_NE(to.error().text().find(eventCode(e)), std::string::npos) << "names the event";
                EXPECT_GT(to.error().what.size(), 20u) << "says why";
                ++refused;
            }
        }
    }
    EXPECT_EQ(allowed, static_cast<int>(kAllowed.size()));
    EXPECT_EQ(allowed + refused, 9 * 11);
}

struct RightsRow {
    State state;
    bool collect, usable, exclude, awaiting;
};

TEST(ConsentMachine, eachStateSaysWhetherCollectionContinuesWhetherDataMayBeUsedAndWhetherExportsLeaveItOut)
{
    const RightsRow rows[] = {
        // state                 collect usable exclude awaiting
        {S::NotIncluded, true, false, true, false}, // screening only; a non-included subject is not analysed
        {S::PendingEmergency, true, true, false, true},
        {S::PendingPatient, true, true, false, true},
        {S::Consented, true, true, false, false},
        {S::Refused, false, true, false, false},   // stops; data kept unless objection (L1122-1-3)
        {S::Withdrawn, false, true, false, false}, // stops; data kept unless objection
        {S::DiedBeforeConsent, false, true, false, false},
        {S::LostToFollowUp, true, true, false, false},
        {S::Objected, false, false, true, false}, // out of analysis; audit trail kept
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(std::string(stateCode(r.state)));
        auto got = rights(r.state);
        EXPECT_EQ(got.collectionContinues, r.collect);
        EXPECT_EQ(got.dataUsable, r.usable);
        EXPECT_EQ(got.excludeFromAnalysis, r.exclude);
        EXPECT_EQ(got.awaitingDecision, r.awaiting);
    }
}

TEST(ConsentMachine, refusalsSayWhatToRecordInstead)
{
    auto r = next(S::Consented, decision(E::RefusesContinuation, Decider::Patient));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().what.find("WITHDRAWS"), std::string::npos);
    r = next(S::PendingEmergency, decision(E::Withdraws, Decider::Relative));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().what.find("REFUSES_CONTINUATION"), std::string::npos);
    r = next(S::Objected, decision(E::PatientConsents, Decider::Patient));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().what.find("final"), std::string::npos);
    r = next(S::NotIncluded, decision(E::PatientConsents, Decider::Patient));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().what.find("inclusion"), std::string::npos);
}

struct DeciderRow {
    Event event;
    Decider decider;
    bool ok;
};

TEST(ConsentMachine, theDeciderMustFitTheDecisionGuardianshipMeansTheGuardianDecides)
{
    const DeciderRow rows[] = {
        {E::PatientConsents, Decider::Patient, true},
        {E::PatientConsents, Decider::Relative, false},
        {E::RelativeConsents, Decider::Relative, true},
        {E::RelativeConsents, Decider::TrustedPerson, true},
        {E::RelativeConsents, Decider::LegalRepresentative, true},
        {E::RelativeConsents, Decider::Patient, false},
        {E::RelativeConsents, Decider::Guardian, false},
        {E::GuardianConsents, Decider::Guardian, true},
        {E::GuardianConsents, Decider::Relative, false},
        {E::RefusesContinuation, Decider::Guardian, true},
        {E::RefusesContinuation, Decider::None, false},
        {E::ObjectsToDataUse, Decider::Relative, true},
        {E::ObjectsToDataUse, Decider::None, false},
        {E::DiedBeforeConsent, Decider::None, true},
        {E::DiedBeforeConsent, Decider::Relative, false},
        {E::LostToFollowUp, Decider::Patient, false},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(std::string(eventCode(r.event)) + " by " + std::string(deciderCode(r.decider)));
        auto got = next(S::PendingEmergency, decision(r.event, r.decider));
        EXPECT_EQ(got.ok(), r.ok);
        if (!got.ok()) {
            EXPECT_NE(got.error().what.find("decided by"), std::string::npos);
        }
    }
    // Inclusion through a relative may also be a guardian's consent (protected adult).
    EXPECT_TRUE(next(S::NotIncluded, decision(E::IncludedRelativeConsent, Decider::Guardian)).ok());
    EXPECT_FALSE(next(S::NotIncluded, decision(E::IncludedEmergency, Decider::Patient)).ok());
}

TEST(ConsentMachine, replayGivesTheStateAndInclusionTimeAndNamesTheDecisionThatDoesNotFit)
{
    auto h = replay({decision(E::IncludedEmergency, Decider::None, 1000),
                     decision(E::RelativeConsents, Decider::Relative, 2000),
                     decision(E::PatientConsents, Decider::Patient, 3000)});
    ASSERT_TRUE(h.ok()) << h.error().text();
    EXPECT_EQ(h->state, S::Consented);
    EXPECT_EQ(h->includedAtMs, 1000);
    EXPECT_EQ(h->lastDecisionAtMs, 3000);

    auto bad = replay({decision(E::IncludedEmergency, Decider::None, 1000),
                       decision(E::ObjectsToDataUse, Decider::Relative, 2000),
                       decision(E::PatientConsents, Decider::Patient, 3000)});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().where.find("decision 3"), std::string::npos);

    EXPECT_EQ(replay({})->state, S::NotIncluded);
}

TEST(ConsentMachine, codesRoundTrip)
{
    for (State s : allStates())
        EXPECT_EQ(parseState(stateCode(s)), s);
    for (Event e : allEvents())
        EXPECT_EQ(parseEvent(eventCode(e)), e);
    EXPECT_EQ(parseDecider(""), Decider::None);
    EXPECT_EQ(parseDecider("GUARDIAN"), Decider::Guardian);
    EXPECT_FALSE(parseEvent("CONSENTED_MAYBE").has_value());
}
