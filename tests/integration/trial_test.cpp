// Delayed consent and randomization end to end (docs/consent.md, docs/randomization.md): real tablets (AppCore on
// encrypted stores) against an in-process gateway on loopback serving the study definitions, with the sponsor's
// data manager, the unblinded statistician and the investigators as separate logged-in clients.
#include "app_core.h"
#include "crypto.h"
#include "domain/analysis_export.h"
#include "domain/audit.h"
#include "domain/audit_review.h"
#include "domain/odm_export.h"
#include "domain/odm_import.h"
#include "gateway_access.h"
#include "kappa.h"
#include "key_store.h"
#include "photo.h"
#include "store_backend.h"
#include "study_controller.h"
#include "sync_engine.h"
#include "test_support.h"
#include "trial_controller.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <cstdlib>
#include <gtest/gtest.h>

using namespace crf;
using crf::test::await;

namespace {

constexpr int64_t kHourMs = 3600 * 1000;

std::shared_ptr<const v1::StudyDefinition> definition(const char* file)
{
    return ui::StudyController::loadFile(QString(CRF_STUDIES_DIR "/") + file).value();
}

/// A tablet as the app runs it, for one user, with the study definition in force.
struct Tablet {
    QTemporaryDir dir;
    std::unique_ptr<app::AppCore> core;
    std::string user;
    sync::SyncReport lastReport;

    Tablet(gateway::GatewayServer& gw, const std::string& userId, const std::string& role,
           const std::string& site = "01", const char* studyFile = "imicro.json")
        : user(userId)
    {
        app::AppConfig cfg;
        cfg.dataDir = dir.path();
        cfg.gatewayAddress = QString::fromStdString(gw.address());
        cfg.definition = definition(studyFile);
        const QString keyDir = dir.path();
        cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
        core = std::make_unique<app::AppCore>(cfg);
        QObject::connect(core.get(), &app::AppCore::syncFinished, core.get(),
                         [this](const sync::SyncReport& r) { lastReport = r; });
        const Status opened = await<Status>([&](auto done) { core->open(done); });
        EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().text());
        const std::string password = test::addUser(gw, user, role, site, cfg.definition->study_id());
        auto in = await<Result<app::LoginInfo>>([&](auto done) { core->login(user, password, done); });
        EXPECT_TRUE(in.ok()) << (in.ok() ? "" : in.error().text());
    }

    Result<store::SaveOutcome> save(store::SaveRequest r)
    {
        return await<Result<store::SaveOutcome>>([&](auto done) { core->save(std::move(r), done); });
    }

    sync::SyncReport sync()
    {
        QSignalSpy finished(core.get(), &app::AppCore::syncFinished);
        core->syncNow();
        EXPECT_TRUE(test::spinUntil([&] { return finished.count() > 0; }, 30000));
        return lastReport;
    }

    app::trial::ConsentView consent(const std::string& subject)
    {
        auto v = await<Result<app::trial::ConsentView>>([&](auto done) { core->consentStatus(subject, done); });
        EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().text());
        return v.ok() ? v.value() : app::trial::ConsentView{};
    }

    /// Records a consent decision in the next repeat of the consent form.
    Result<store::SaveOutcome> decide(const std::string& subject, const std::string& event,
                                      const std::string& decidedBy, int64_t atMs)
    {
        store::SaveRequest r;
        r.form = {subject, "SCREENING", "CONSENT", consent(subject).nextRepeat};
        r.values["CONSENT_EVENT"] = store::FieldValue{event, ""};
        if (!decidedBy.empty())
            r.values["DECIDED_BY"] = store::FieldValue{decidedBy, ""};
        r.values["DECISION_TIME"] = store::FieldValue{isoUtc(atMs), ""};
        r.values["OBTAINED_BY"] = store::FieldValue{"Dr " + user, ""};
        r.values["CONSENT_FORM_VERSION"] = store::FieldValue{"v2.1 2019-11", ""};
        return save(std::move(r));
    }

    Result<app::trial::Proposal> propose(const std::string& subject)
    {
        return await<Result<app::trial::Proposal>>([&](auto done) { core->proposeRandomization(subject, done); });
    }

    Result<app::RandomizeOutcome> randomize(const std::string& subject, uint32_t number)
    {
        return await<Result<app::RandomizeOutcome>>([&](auto done) { core->randomize(subject, number, done); });
    }
};

/// A sponsor-side or statistician's client (a laptop, not a tablet).
struct Desk {
    sync::SyncClient client;
    test::DeviceSecrets secrets;
    Desk(gateway::GatewayServer& gw, const std::string& userId, const std::string& role, const std::string& study,
         const std::string& site = "*")
        : client(gw.address())
    {
        test::addUser(gw, userId, role, site, study);
        auto in = secrets.login(client, userId, userId + "-laptop");
        EXPECT_TRUE(in.ok()) << (in.ok() ? "" : in.error().text());
    }
};

void loadBoxes(Desk& dm, const std::string& study, const std::string& site, std::vector<uint32_t> numbers)
{
    v1::LoadInventoryRequest r;
    r.set_study_id(study);
    r.set_site_id(site);
    for (auto n : numbers)
        r.add_numbers(n);
    auto loaded = dm.client.loadInventory(r);
    ASSERT_TRUE(loaded.ok()) << loaded.error().text();
}

v1::TrialReportResponse report(Desk& desk, const std::string& study)
{
    v1::TrialReportRequest r;
    r.set_study_id(study);
    auto out = desk.client.trialReport(r);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().text());
    return out.ok() ? out.value() : v1::TrialReportResponse{};
}

int count(const v1::TrialReportResponse& r, const std::string& kind)
{
    int n = 0;
    for (const auto& q : r.queries())
        n += q.kind() == kind;
    for (const auto& a : r.alerts())
        n += a.kind() == kind;
    return n;
}

struct TrialFixture : ::testing::Test {
    SystemClock clock;
    QTemporaryDir gatewayData;
    std::unique_ptr<gateway::GatewayServer> gw;
    void SetUp() override
    {
        auto started = gateway::GatewayServer::start(
            test::devGateway(gatewayData.path().toStdString(), "127.0.0.1:0",
                             {CRF_STUDIES_DIR "/imicro.json", CRF_STUDIES_DIR "/igmfat.json"}),
            clock);
        ASSERT_TRUE(started.ok()) << started.error().text();
        gw = std::move(started).value();
    }
    std::string gatewayState(const std::string& subject)
    {
        for (const auto& row : gw->store().trial().consentRows("I-MICRO", ""))
            if (row.subjectId == subject)
                return row.state;
        return "none";
    }
};

} // namespace

TEST_F(TrialFixture, anEmergencyInclusionIsConsentedLaterOnAnotherTabletAndLeavesTheWorklist)
{
    Tablet bedside(*gw, "inv-a", "investigator");
    const int64_t included = clock.nowMs() / 1000 * 1000 - 2 * kHourMs; // the form keeps whole seconds
    ASSERT_TRUE(bedside.decide("01-001", "INCLUDED_EMERGENCY", "", included).ok());
    EXPECT_EQ(bedside.consent("01-001").state, consent::State::PendingEmergency);
    EXPECT_EQ(bedside.sync().pushed, 1);
    EXPECT_EQ(gatewayState("01-001"), "PENDING_EMERGENCY");

    // The site's worklist, at the gateway and on the tablet after sync: whom to approach today.
    bedside.sync();
    auto list = await<Result<v1::ConsentWorklistResponse>>([&](auto done) { bedside.core->consentWorklist(done); });
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->entries_size(), 1);
    EXPECT_EQ(list->entries(0).subject_id(), "01-001");
    EXPECT_FALSE(list->entries(0).overdue());
    EXPECT_EQ(list->entries(0).next_reminder_ms(), included + 24 * kHourMs);

    // Two days later the patient wakes up; a nurse's tablet pulls the inclusion, the investigator there records it.
    Tablet ward(*gw, "inv-b", "investigator");
    ward.sync();
    EXPECT_EQ(ward.consent("01-001").state, consent::State::PendingEmergency);
    ASSERT_TRUE(ward.decide("01-001", "PATIENT_CONSENTS", "PATIENT", clock.nowMs()).ok());
    EXPECT_EQ(ward.sync().rejected, 0);
    EXPECT_EQ(gatewayState("01-001"), "CONSENTED");
    bedside.sync();
    EXPECT_EQ(bedside.consent("01-001").state, consent::State::Consented);
    list = await<Result<v1::ConsentWorklistResponse>>([&](auto done) { bedside.core->consentWorklist(done); });
    EXPECT_EQ(list->entries_size(), 0);
}

TEST_F(TrialFixture, anInvalidDecisionIsRefusedOnTheTabletAndOneRacingOfflineIsRefusedByTheGateway)
{
    Tablet a(*gw, "inv-a", "investigator");
    // Nothing to consent to before an inclusion; the decider must fit the decision.
    auto refused = a.decide("01-002", "PATIENT_CONSENTS", "PATIENT", clock.nowMs());
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("record the inclusion first"), std::string::npos);
    ASSERT_TRUE(a.decide("01-002", "INCLUDED_EMERGENCY", "", clock.nowMs() - kHourMs).ok());
    refused = a.decide("01-002", "PATIENT_CONSENTS", "RELATIVE", clock.nowMs());
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("decided by"), std::string::npos);
    a.sync();

    Tablet b(*gw, "inv-b", "investigator");
    b.sync();
    // Both offline: the relative objects at one bedside, the patient "consents" on the other tablet.
    ASSERT_TRUE(a.decide("01-002", "OBJECTS_TO_DATA_USE", "RELATIVE", clock.nowMs()).ok());
    ASSERT_TRUE(b.decide("01-002", "PATIENT_CONSENTS", "PATIENT", clock.nowMs()).ok());
    EXPECT_EQ(a.sync().rejected, 0);
    const auto second = b.sync();
    EXPECT_EQ(second.rejected, 1);
    EXPECT_EQ(gatewayState("01-002"), "OBJECTED");
    auto state = await<Result<store::SyncState>>([&](auto done) { b.core->loadSyncState(done); }).value();
    EXPECT_NE(state.lastRefusal.find("final"), std::string::npos) << state.lastRefusal;
    // Nothing is lost: the refused decision is in the gateway's audit trail.
    auto history = gateway::fieldHistory(gw->store(), "01-002", "CONSENT_EVENT");
    ASSERT_TRUE(history.ok());
    int refusedEntries = 0;
    for (const auto& h : *history)
        refusedEntries += h.serverSeq == 0 && h.newValue == "PATIENT_CONSENTS";
    EXPECT_EQ(refusedEntries, 1);
}

TEST_F(TrialFixture, aRefusalToContinueStopsNewDataButSafetyAndVitalStatusStayOpen)
{
    Tablet t(*gw, "inv-a", "investigator");
    ASSERT_TRUE(t.decide("01-003", "INCLUDED_EMERGENCY", "", clock.nowMs() - 5 * kHourMs).ok());
    store::SaveRequest sofa;
    sofa.form = {"01-003", "D1", "SOFA", 0};
    sofa.values["GCS"] = store::FieldValue{"11", ""};
    ASSERT_TRUE(t.save(sofa).ok()); // collection continues while consent is sought
    ASSERT_TRUE(t.decide("01-003", "REFUSES_CONTINUATION", "PATIENT", clock.nowMs()).ok());

    sofa.form.visitOid = "D2";
    auto refused = t.save(sofa);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("participation has stopped"), std::string::npos);

    store::SaveRequest ae;
    ae.form = {"01-003", "D2", "AE", 1};
    ae.values["AE_TERM"] = store::FieldValue{"Hypotension", ""};
    EXPECT_TRUE(t.save(ae).ok()) << "safety follow-up stays possible";
    store::SaveRequest vital;
    vital.form = {"01-003", "D28", "OUTCOMES", 0};
    vital.values["ALIVE_D28"] = store::FieldValue{"Y", ""};
    EXPECT_TRUE(t.save(vital).ok()) << "vital status stays possible";

    // Data already collected remain usable: the state says so (no objection).
    EXPECT_TRUE(t.consent("01-003").rights.dataUsable);
    EXPECT_EQ(t.sync().rejected, 0);
    EXPECT_EQ(gatewayState("01-003"), "REFUSED");
}

TEST_F(TrialFixture, theWorklistFlagsOverdueConsentsAndTheSponsorSeesCountsPerSiteWithoutSubjects)
{
    Tablet site1(*gw, "inv-a", "investigator", "01");
    Tablet site2(*gw, "inv-c", "investigator", "02");
    ASSERT_TRUE(site1.decide("01-010", "INCLUDED_EMERGENCY", "", clock.nowMs() - 80 * kHourMs).ok()); // > 72 h
    ASSERT_TRUE(site1.decide("01-011", "INCLUDED_RELATIVE_CONSENT", "RELATIVE", clock.nowMs() - kHourMs).ok());
    ASSERT_TRUE(site1.decide("01-012", "INCLUDED_PATIENT_CONSENT", "PATIENT", clock.nowMs() - kHourMs).ok());
    ASSERT_TRUE(site2.decide("02-001", "INCLUDED_EMERGENCY", "", clock.nowMs() - 90 * kHourMs).ok());
    ASSERT_TRUE(site2.decide("02-001", "DIED_BEFORE_CONSENT", "", clock.nowMs() - 10 * kHourMs).ok());
    site1.sync();
    site2.sync();

    v1::ConsentWorklistRequest w;
    w.set_study_id("I-MICRO");
    w.set_site_id("01");
    Desk monitor(*gw, "mon-01", "monitor", "I-MICRO", "01");
    // Site 01's worklist as its monitor reads it: overdue first; the patient who consented before inclusion is absent.
    auto worklist = monitor.client.consentWorklist(w);
    ASSERT_TRUE(worklist.ok()) << worklist.error().text();
    ASSERT_EQ(worklist->entries_size(), 2);
    EXPECT_EQ(worklist->entries(0).subject_id(), "01-010");
    EXPECT_TRUE(worklist->entries(0).overdue());
    EXPECT_EQ(worklist->entries(1).subject_id(), "01-011");
    EXPECT_FALSE(worklist->entries(1).overdue());
    EXPECT_EQ(worklist->entries(1).state(), "PENDING_PATIENT");

    // Another site's staff may not read it.
    Desk siteTwo(*gw, "nurse-c", "research_nurse", "I-MICRO", "02");
    auto refused = siteTwo.client.consentWorklist(w);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("site \"01\""), std::string::npos);

    // The sponsor: counts per site and state, no subject identifiers.
    Desk sponsor(*gw, "sponsor-1", "sponsor_viewer", "I-MICRO");
    v1::ConsentCountsRequest c;
    c.set_study_id("I-MICRO");
    auto counts = sponsor.client.consentCounts(c);
    ASSERT_TRUE(counts.ok()) << counts.error().text();
    ASSERT_EQ(counts->sites_size(), 2);
    EXPECT_EQ(counts->sites(0).site_id(), "01");
    EXPECT_EQ(counts->sites(0).by_state().at("PENDING_EMERGENCY"), 1u);
    EXPECT_EQ(counts->sites(0).by_state().at("PENDING_PATIENT"), 1u);
    EXPECT_EQ(counts->sites(0).by_state().at("CONSENTED"), 1u);
    EXPECT_EQ(counts->sites(0).overdue(), 1u);
    EXPECT_EQ(counts->sites(1).by_state().at("DIED_BEFORE_CONSENT"), 1u);
    EXPECT_EQ(counts->sites(1).overdue(), 0u) << "a patient who died is not overdue";
    EXPECT_EQ(counts->SerializeAsString().find("01-010"), std::string::npos);
}

TEST_F(TrialFixture, twoTabletsTakingTheSameBoxOfflineRaiseAQueryAndNeitherPatientIsRefused)
{
    Desk dm(*gw, "dm-1", "data_manager", "I-MICRO");
    loadBoxes(dm, "I-MICRO", "01", {1, 2, 3, 4});
    Tablet a(*gw, "inv-a", "investigator");
    Tablet b(*gw, "inv-b", "investigator");
    a.sync();
    b.sync();
    auto pa = a.propose("01-020");
    auto pb = b.propose("01-021");
    ASSERT_TRUE(pa.ok() && pb.ok());
    EXPECT_EQ(pa->number, 1u);
    EXPECT_EQ(pb->number, 1u) << "offline, each tablet proposes the lowest box it knows";
    EXPECT_TRUE(pa->boxes);

    // Offline, both take box 1 (the same number on two boxes? a box taken back to the shelf?): both randomized.
    auto ra = a.randomize("01-020", 1);
    auto rb = b.randomize("01-021", 1);
    ASSERT_TRUE(ra.ok()) << ra.error().text();
    ASSERT_TRUE(rb.ok()) << rb.error().text();
    EXPECT_TRUE(ra->randomization.arm.empty()) << "treatment boxes never reveal the arm";

    EXPECT_EQ(a.sync().rejected, 0);
    EXPECT_EQ(b.sync().rejected, 0);
    const auto r = report(dm, "I-MICRO");
    EXPECT_EQ(count(r, "BOX_REUSED"), 1);
    for (const auto& q : r.queries())
        if (q.kind() == "BOX_REUSED") {
            EXPECT_EQ(q.subject_id(), "01-021");
            EXPECT_NE(q.text().find("already used for subject 01-020"), std::string::npos);
        }
    // Once synced, the next proposal skips box 1 on both tablets.
    a.sync();
    EXPECT_EQ(a.propose("01-022")->number, 2u);
    // A subject randomized once cannot be randomized again.
    auto again = a.randomize("01-020", 2);
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().text().find("already randomized"), std::string::npos);
}

TEST_F(TrialFixture, anOutOfOrderBoxIsAQueryAndTheSiteAsksForResupplyOnceWhenTwoBoxesAreLeft)
{
    Desk dm(*gw, "dm-1", "data_manager", "I-MICRO");
    loadBoxes(dm, "I-MICRO", "01", {101, 102, 103, 104}); // protocol: 4 boxes per centre
    Tablet t(*gw, "inv-a", "investigator");
    t.sync();
    ASSERT_EQ(t.propose("01-030")->number, 101u);

    // The investigator takes box 102 from the shelf: allowed, noted, and a query for the data manager.
    auto taken = t.randomize("01-030", 102);
    ASSERT_TRUE(taken.ok()) << taken.error().text();
    EXPECT_TRUE(taken->randomization.differsFromProposal);
    t.sync();
    auto r = report(dm, "I-MICRO");
    EXPECT_EQ(count(r, "BOX_OUT_OF_ORDER"), 1);
    EXPECT_EQ(count(r, "RESUPPLY"), 0) << "3 boxes left";

    ASSERT_TRUE(t.randomize("01-031", 101).ok());
    t.sync();
    r = report(dm, "I-MICRO");
    EXPECT_EQ(count(r, "BOX_OUT_OF_ORDER"), 1);
    EXPECT_EQ(count(r, "RESUPPLY"), 1) << "2 boxes left after 2 inclusions: 2 more are sent";
    ASSERT_TRUE(t.randomize("01-032", 103).ok());
    t.sync();
    EXPECT_EQ(count(report(dm, "I-MICRO"), "RESUPPLY"), 1) << "one request until the boxes arrive";

    // A box of another site and an unknown box: queries, patients kept.
    loadBoxes(dm, "I-MICRO", "02", {201, 202});
    ASSERT_TRUE(t.randomize("01-033", 201).ok());
    ASSERT_TRUE(t.randomize("01-034", 999).ok());
    EXPECT_EQ(t.sync().rejected, 0);
    r = report(dm, "I-MICRO");
    EXPECT_EQ(count(r, "BOX_OTHER_SITE"), 1);
    EXPECT_EQ(count(r, "BOX_UNKNOWN"), 1);

    // The resupply arrives: the request closes, the inventory grows, and the tablet proposes the new box.
    loadBoxes(dm, "I-MICRO", "01", {105, 106});
    t.sync();
    EXPECT_EQ(t.propose("01-035")->number, 104u);
    v1::SiteInventoryRequest inv;
    inv.set_study_id("I-MICRO");
    inv.set_site_id("01");
    auto boxes = dm.client.siteInventory(inv);
    ASSERT_TRUE(boxes.ok());
    EXPECT_EQ(boxes->available(), 3u);
    EXPECT_FALSE(boxes->resupply_requested());
}

TEST_F(TrialFixture, blindedRolesNeverSeeAnArmAndAnEmergencyUnblindingIsAuditedAndAlertsTheSponsor)
{
    Desk dm(*gw, "dm-1", "data_manager", "I-MICRO");
    Desk stat(*gw, "stat-1", "unblinded_statistician", "I-MICRO");
    loadBoxes(dm, "I-MICRO", "01", {1, 2, 3, 4});
    v1::LoadAllocationRequest list;
    list.set_study_id("I-MICRO");
    for (uint32_t n = 1; n <= 4; ++n) {
        auto* e = list.add_entries();
        e->set_number(n);
        e->set_arm(n % 2 ? "ILOPROST" : "PLACEBO");
    }
    // Only the unblinded statistician loads the list.
    auto denied = dm.client.loadAllocation(list);
    ASSERT_FALSE(denied.ok());
    EXPECT_NE(denied.error().text().find("unblinded statistician"), std::string::npos);
    ASSERT_TRUE(stat.client.loadAllocation(list).ok());
    // A loaded number never changes arm.
    list.mutable_entries(0)->set_arm("PLACEBO");
    EXPECT_FALSE(stat.client.loadAllocation(list).ok());

    Tablet inv(*gw, "inv-a", "investigator");
    inv.sync();
    ASSERT_TRUE(inv.randomize("01-040", 1).ok());
    inv.sync();

    // The box inventory: arms for the statistician only.
    v1::SiteInventoryRequest req;
    req.set_study_id("I-MICRO");
    req.set_site_id("01");
    for (Desk* blinded : {&dm}) {
        auto boxes = blinded->client.siteInventory(req);
        ASSERT_TRUE(boxes.ok());
        for (const auto& b : boxes->boxes())
            EXPECT_TRUE(b.arm().empty());
    }
    auto unblindedView = stat.client.siteInventory(req);
    ASSERT_TRUE(unblindedView.ok());
    EXPECT_EQ(unblindedView->boxes(0).arm(), "ILOPROST");
    // The tablet's cached inventory (an investigator's) holds no arm either.
    auto proposal = inv.propose("01-041");
    EXPECT_EQ(proposal->number, 2u);

    // Nor does the audit trail or what a blinded reader pulls: the arm is not in any event.
    auto history = gateway::fieldHistory(gw->store(), "01-040");
    ASSERT_TRUE(history.ok());
    for (const auto& h : *history) {
        EXPECT_EQ(h.newValue.find("ILOPROST"), std::string::npos);
        EXPECT_EQ(h.newValue.find("PLACEBO"), std::string::npos);
    }
    for (const auto& se : gw->store().eventsAfter(0, 1000))
        EXPECT_EQ(se.SerializeAsString().find("ILOPROST"), std::string::npos);

    // Emergency unblinding: investigator of the subject's site, online, with a reason; that subject only.
    test::addUser(*gw, "inv-y", "investigator", "02", "I-MICRO");
    sync::SyncClient siteTwo(gw->address());
    test::DeviceSecrets secrets;
    ASSERT_TRUE(secrets.login(siteTwo, "inv-y", "inv-y-tablet").ok());
    v1::UnblindRequest unblind;
    unblind.set_study_id("I-MICRO");
    unblind.set_subject_id("01-040");
    unblind.set_reason("Anaphylaxis: the treating team must know the drug");
    auto refused = siteTwo.unblind(unblind);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("investigator of the subject's site"), std::string::npos);
    auto byNurse = [&] {
        test::addUser(*gw, "nurse-q", "research_nurse", "01", "I-MICRO");
        sync::SyncClient c(gw->address());
        test::DeviceSecrets s;
        EXPECT_TRUE(s.login(c, "nurse-q", "nurse-q-tablet").ok());
        return c.unblind(unblind);
    }();
    EXPECT_FALSE(byNurse.ok());

    auto noReason = await<Result<v1::UnblindResponse>>([&](auto done) { inv.core->unblind("01-040", "", done); });
    ASSERT_FALSE(noReason.ok());
    EXPECT_NE(noReason.error().text().find("reason"), std::string::npos);
    auto arm =
        await<Result<v1::UnblindResponse>>([&](auto done) { inv.core->unblind("01-040", unblind.reason(), done); });
    ASSERT_TRUE(arm.ok()) << arm.error().text();
    EXPECT_EQ(arm->arm(), "ILOPROST");
    EXPECT_EQ(arm->number(), 1u);

    // Audited in the security log, and the sponsor is alerted.
    int logged = 0;
    for (const auto& e : gw->store().identity().securityLog())
        logged += e.action == "unblind" && e.actor == "inv-a" && e.target == "I-MICRO/01-040";
    EXPECT_EQ(logged, 1);
    const auto r = report(dm, "I-MICRO");
    ASSERT_EQ(count(r, "UNBLINDING"), 1);
    for (const auto& a : r.alerts())
        if (a.kind() == "UNBLINDING") {
            EXPECT_EQ(a.subject_id(), "01-040");
            EXPECT_EQ(a.text().find("ILOPROST"), std::string::npos) << "the alert says who and why, not the arm";
        }

    // Offline, the tablet shows the site's code-break procedure instead.
    gw->shutdown();
    auto offline =
        await<Result<v1::UnblindResponse>>([&](auto done) { inv.core->unblind("01-040", unblind.reason(), done); });
    ASSERT_FALSE(offline.ok());
    EXPECT_NE(offline.error().text().find("code-break envelope"), std::string::npos) << offline.error().text();
}

// The dose timer outlives the screen that ran it: a tablet restarted or locked mid-infusion (a new controller, its
// memory empty) shows the same phase, dose and next step, from the timer's log in the encrypted store.
TEST_F(TrialFixture, theTitrationTimerSurvivesARestartOfTheTablet)
{
    Desk dm(*gw, "dm-1", "data_manager", "I-MICRO");
    loadBoxes(dm, "I-MICRO", "01", {1});
    Tablet t(*gw, "inv-t", "investigator");
    t.sync();
    store::SaveRequest demog;
    demog.form = {"01-060", "D0", "DEMOG", 0};
    demog.values["SEX"] = store::FieldValue{"F", ""};
    demog.values["HEIGHT"] = store::FieldValue{"165", "cm"};
    ASSERT_TRUE(t.save(demog).ok());
    ASSERT_TRUE(t.randomize("01-060", 1).ok());

    auto open = [&](ui::TrialController& c) {
        c.load("01-060");
        EXPECT_TRUE(test::spinUntil([&] { return !c.doseSteps().isEmpty(); }, 10000)) << "the dosing plan shows";
    };
    QString phase, instruction, nextStep;
    {
        ui::TrialController bedside(t.core.get());
        open(bedside);
        EXPECT_EQ(bedside.titrationPhase(), "not started");
        bedside.startInfusion();
        bedside.reportHypotension();
        phase = bedside.titrationPhase();
        instruction = bedside.titrationInstruction();
        nextStep = bedside.nextStepIn();
        EXPECT_EQ(phase, "stepping down");
        // The log reaches the store before the screen goes.
        EXPECT_TRUE(test::spinUntil(
            [&] {
                auto kept = await<Result<std::string>>([&](auto done) { t.core->loadTitration("01-060", done); });
                return kept.ok() && kept->find("HYPOTENSION") != std::string::npos;
            },
            10000));
    }
    ui::TrialController restarted(t.core.get());
    open(restarted);
    EXPECT_TRUE(test::spinUntil([&] { return restarted.titrationPhase() == phase; }, 10000))
        << restarted.titrationPhase().toStdString();
    EXPECT_EQ(restarted.titrationInstruction(), instruction);
    const auto seconds = [](const QString& mmss) {
        return mmss.section(':', 0, 0).toInt() * 60 + mmss.section(':', 1).toInt();
    };
    EXPECT_NEAR(seconds(restarted.nextStepIn()), seconds(nextStep), 5) << "the same step is due, not a new timer";

    ui::TrialController other(t.core.get());
    other.load("01-061"); // another patient has no timer running
    EXPECT_EQ(other.titrationPhase(), "not started");
}

TEST_F(TrialFixture, theDosingPlanAtRandomizationIsTheSameWhateverTheArm)
{
    Desk dm(*gw, "dm-1", "data_manager", "I-MICRO");
    loadBoxes(dm, "I-MICRO", "01", {1, 2});
    Tablet t(*gw, "inv-a", "investigator");
    t.sync();
    for (const char* subject : {"01-050", "01-051"}) {
        store::SaveRequest demog;
        demog.form = {subject, "D0", "DEMOG", 0};
        demog.values["SEX"] = store::FieldValue{"M", ""};
        demog.values["HEIGHT"] = store::FieldValue{"170", "cm"};
        ASSERT_TRUE(t.save(demog).ok());
    }
    auto first = t.randomize("01-050", 1);
    auto second = t.randomize("01-051", 2);
    ASSERT_TRUE(first.ok() && second.ok());
    const auto& plan = first->plan;
    ASSERT_TRUE(plan.applies);
    EXPECT_NEAR(plan.ibwKg, 50 + 0.91 * (170 - 152.4), 1e-9);
    ASSERT_EQ(plan.steps.size(), 3u);
    EXPECT_DOUBLE_EQ(plan.steps[0].first, 0.5);
    EXPECT_NEAR(plan.steps[1].second, 0.06 * 1.0 * plan.ibwKg, 1e-9);
    EXPECT_EQ(second->plan.steps, plan.steps) << "boxes 1 and 2 hold different arms; the rates are the same";
    EXPECT_EQ(plan.schedule().levelsNgKgMin, (std::vector<double>{0.5, 1.0, 1.5}));
}

TEST_F(TrialFixture, igmFatRevealsTheArmOfTheLowestAllocationNumberAtRandomization)
{
    Desk dm(*gw, "dm-1", "data_manager", "IGM-FAT");
    Desk stat(*gw, "stat-1", "unblinded_statistician", "IGM-FAT");
    loadBoxes(dm, "IGM-FAT", "01", {1, 2, 3, 4});
    v1::LoadAllocationRequest list;
    list.set_study_id("IGM-FAT");
    const char* arms[] = {"FLAT", "TITRE", "TITRE", "FLAT"}; // 1:1 in blocks of 4
    for (uint32_t n = 1; n <= 4; ++n) {
        auto* e = list.add_entries();
        e->set_number(n);
        e->set_arm(arms[n - 1]);
    }
    ASSERT_TRUE(stat.client.loadAllocation(list).ok());

    Tablet t(*gw, "inv-a", "investigator", "01", "igmfat.json");
    // Before the list reaches the tablet, nothing can be revealed.
    auto early = t.randomize("01-060", 1);
    ASSERT_FALSE(early.ok());
    EXPECT_NE(early.error().text().find("sync online"), std::string::npos);
    t.sync();
    auto p = t.propose("01-060");
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->boxes);
    EXPECT_EQ(p->number, 1u);
    auto r = t.randomize("01-060", p->number);
    ASSERT_TRUE(r.ok()) << r.error().text();
    EXPECT_EQ(r->randomization.arm, "FLAT");
    EXPECT_FALSE(r->plan.applies) << "IgM-FAT has no weight-based rate steps";
    auto saved = await<Result<std::map<std::string, store::FieldValue>>>([&](auto done) {
        t.core->loadForm({"01-060", "D0", "RAND", 0}, done);
    });
    EXPECT_EQ(saved->at("ARM").value, "FLAT");
    EXPECT_EQ(saved->at("ALLOC_NUMBER").value, "1");
    EXPECT_EQ(t.sync().rejected, 0);
    EXPECT_EQ(count(report(dm, "IGM-FAT"), "ARM_MISMATCH"), 0);
    EXPECT_EQ(t.propose("01-061")->number, 2u);
}

TEST_F(TrialFixture, analysisExportsLeaveOutObjectingSubjectsSayWhyInTheManifestAndHideArmsUnlessUnblinded)
{
    Desk dm(*gw, "dm-1", "data_manager", "I-MICRO");
    Desk stat(*gw, "stat-1", "unblinded_statistician", "I-MICRO");
    loadBoxes(dm, "I-MICRO", "01", {1, 2});
    v1::LoadAllocationRequest list;
    list.set_study_id("I-MICRO");
    for (uint32_t n = 1; n <= 2; ++n) {
        auto* e = list.add_entries();
        e->set_number(n);
        e->set_arm(n == 1 ? "ILOPROST" : "PLACEBO");
    }
    ASSERT_TRUE(stat.client.loadAllocation(list).ok());
    Tablet t(*gw, "inv-a", "investigator");
    t.sync();
    const int64_t past = clock.nowMs() - 3 * kHourMs;
    for (const char* subject : {"01-070", "01-071"}) {
        ASSERT_TRUE(t.decide(subject, "INCLUDED_EMERGENCY", "", past).ok());
        store::SaveRequest sofa;
        sofa.form = {subject, "D0", "SOFA", 0};
        sofa.values["GCS"] = store::FieldValue{"12", ""};
        ASSERT_TRUE(t.save(sofa).ok());
    }
    ASSERT_TRUE(t.randomize("01-070", 1).ok());
    ASSERT_TRUE(t.randomize("01-071", 2).ok());
    ASSERT_TRUE(t.decide("01-071", "OBJECTS_TO_DATA_USE", "RELATIVE", clock.nowMs()).ok());
    store::SaveRequest screening; // data of a subject never included
    screening.form = {"01-072", "D0", "ELIG", 0};
    screening.values["AGE"] = store::FieldValue{"54", "years"};
    ASSERT_TRUE(t.save(screening).ok());
    ASSERT_EQ(t.sync().rejected, 0);

    QTemporaryDir out;
    const auto registry = gateway::StudyRegistry::load({CRF_STUDIES_DIR "/imicro.json"}).value();
    gateway::AnalysisExportOptions blinded{"I-MICRO", out.filePath("blinded").toStdString(), "dm-1", false};
    auto summary = gateway::writeAnalysisExport(gw->store(), registry, clock, blinded);
    ASSERT_TRUE(summary.ok()) << summary.error().text();
    auto read = [](const QString& path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    };
    const QString sofaCsv = read(out.filePath("blinded/SOFA.csv"));
    EXPECT_TRUE(sofaCsv.contains("01-070,01,D0,0"));
    EXPECT_FALSE(sofaCsv.contains("01-071")) << "objection: out of analysis";
    EXPECT_FALSE(read(out.filePath("blinded/ELIG.csv")).contains("01-072")) << "never included";
    const QString manifest = read(out.filePath("blinded/manifest.json"));
    EXPECT_TRUE(manifest.contains("\"subject_id\": \"01-071\", \"site_id\": \"01\", \"consent_state\": \"OBJECTED\""));
    EXPECT_TRUE(manifest.contains("objection to the use of data"));
    EXPECT_TRUE(manifest.contains("\"consent_state\": \"NOT_INCLUDED\""));
    EXPECT_TRUE(manifest.contains("\"blinded\": true"));
    EXPECT_FALSE(QFile::exists(out.filePath("blinded/arms.csv")));
    EXPECT_FALSE(read(out.filePath("blinded/CONSENT.csv")).contains("CONSENT_PAPER_PHOTO")) << "site-only";
    for (const auto& file : QDir(out.filePath("blinded")).entryList(QDir::Files))
        EXPECT_FALSE(read(out.filePath("blinded/" + file)).contains("ILOPROST")) << file.toStdString();

    gateway::AnalysisExportOptions unblinded{"I-MICRO", out.filePath("unblinded").toStdString(), "stat-1", true};
    ASSERT_TRUE(gateway::writeAnalysisExport(gw->store(), registry, clock, unblinded).ok());
    const QString arms = read(out.filePath("unblinded/arms.csv"));
    EXPECT_TRUE(arms.contains("01-070,01,1,ILOPROST"));
    EXPECT_FALSE(arms.contains("01-071"));

    // The objecting subject's events stay in the audit trail; the exports themselves are in the security log.
    EXPECT_FALSE(gateway::fieldHistory(gw->store(), "01-071").value().empty());
    int exports = 0;
    for (const auto& e : gw->store().identity().securityLog())
        exports += e.action == "export.analysis";
    EXPECT_EQ(exports, 2);
}

TEST_F(TrialFixture, everyRoleEveryTrialCallIsAdmittedOrRefusedByTheRoleTable)
{
    // A randomized subject at site 01 (for the unblinding call) and an allocation list.
    Desk dm(*gw, "dm-setup", "data_manager", "I-MICRO");
    Desk stat(*gw, "stat-setup", "unblinded_statistician", "I-MICRO");
    loadBoxes(dm, "I-MICRO", "01", {1, 2});
    v1::LoadAllocationRequest list;
    list.set_study_id("I-MICRO");
    auto* entry = list.add_entries();
    entry->set_number(1);
    entry->set_arm("PLACEBO");
    ASSERT_TRUE(stat.client.loadAllocation(list).ok());
    Tablet t(*gw, "inv-setup", "investigator");
    t.sync();
    ASSERT_TRUE(t.randomize("01-090", 1).ok());
    t.sync();

    // A query opened by the data desk on that subject (answered below by each role allowed to).
    v1::OpenQueryRequest setupQuery;
    setupQuery.set_study_id("I-MICRO");
    setupQuery.mutable_form()->set_subject_id("01-090");
    setupQuery.mutable_form()->set_visit_oid("D0");
    setupQuery.mutable_form()->set_form_oid("RANDO");
    setupQuery.set_item_oid("BOX_NUMBER");
    setupQuery.set_text("Please confirm the number printed on the box");
    auto opened = dm.client.openQuery(setupQuery);
    ASSERT_TRUE(opened.ok()) << opened.error().text();
    const std::string queryId = opened->id();

    constexpr bool Y = true, N = false;
    struct Row {
        const char* role;
        const char* site; // where the role is granted: site-bound roles at 01, study-wide ones at "*"
        bool worklistOwn, worklistOther, counts, inventory, loadInventory, loadAllocation, report, unblind, odm;
        bool markVerified, verification, openQuery, answerQuery, listQueries;
    };
    const Row matrix[] = {
        {"investigator", "01", Y, N, Y, Y, N, N, N, Y, N, N, Y, N, Y, Y},
        {"research_nurse", "01", Y, N, Y, Y, N, N, N, N, N, N, Y, N, Y, Y},
        {"pharmacist", "01", Y, N, Y, Y, N, N, N, N, N, N, Y, N, Y, Y},
        {"monitor", "01", Y, N, Y, Y, N, N, N, N, N, Y, Y, Y, N, Y},
        {"data_manager", "*", Y, Y, Y, Y, Y, N, Y, N, Y, N, Y, Y, N, Y},
        {"sponsor_viewer", "*", Y, Y, Y, Y, N, N, Y, N, Y, N, Y, N, N, Y},
        {"central_assessor", "*", N, N, N, N, N, N, N, N, N, N, N, N, N, N},
        {"unblinded_statistician", "*", Y, Y, Y, Y, N, Y, Y, N, Y, N, Y, N, N, Y},
        {"gateway_admin", "*", N, N, N, N, N, N, N, N, N, N, N, N, N, N},
    };
    for (const auto& row : matrix) {
        SCOPED_TRACE(row.role);
        const bool admin = std::string(row.role) == "gateway_admin"; // granted for every study, sees no data
        Desk who(*gw, std::string("m-") + row.role, row.role, admin ? "*" : "I-MICRO", row.site);
        // Admitted: the access check passed (the call may still fail on its content); a refusal is always logged.
        auto denials = [&] {
            int n = 0;
            for (const auto& e : gw->store().identity().securityLog())
                n += e.action == "access.denied";
            return n;
        };
        auto admitted = [&](auto&& call) {
            const int before = denials();
            (void)call();
            return denials() == before;
        };
        v1::ConsentWorklistRequest w;
        w.set_study_id("I-MICRO");
        w.set_site_id("01");
        EXPECT_EQ(admitted([&] { return who.client.consentWorklist(w); }), row.worklistOwn) << "ConsentWorklist own";
        w.set_site_id("02");
        EXPECT_EQ(admitted([&] { return who.client.consentWorklist(w); }), row.worklistOther)
            << "ConsentWorklist other";
        v1::ConsentCountsRequest c;
        c.set_study_id("I-MICRO");
        EXPECT_EQ(admitted([&] { return who.client.consentCounts(c); }), row.counts) << "ConsentCounts";
        v1::SiteInventoryRequest inv;
        inv.set_study_id("I-MICRO");
        inv.set_site_id("01");
        EXPECT_EQ(admitted([&] { return who.client.siteInventory(inv); }), row.inventory) << "SiteInventory";
        v1::LoadInventoryRequest load;
        load.set_study_id("I-MICRO");
        load.set_site_id("01");
        load.add_numbers(50);
        EXPECT_EQ(admitted([&] { return who.client.loadInventory(load); }), row.loadInventory) << "LoadInventory";
        EXPECT_EQ(admitted([&] { return who.client.loadAllocation(list); }), row.loadAllocation) << "LoadAllocation";
        v1::TrialReportRequest rep;
        rep.set_study_id("I-MICRO");
        EXPECT_EQ(admitted([&] { return who.client.trialReport(rep); }), row.report) << "TrialReport";
        v1::UnblindRequest u;
        u.set_study_id("I-MICRO");
        u.set_subject_id("01-090");
        u.set_reason("Matrix test of the access rules");
        EXPECT_EQ(admitted([&] { return who.client.unblind(u); }), row.unblind) << "Unblind";
        v1::ExportOdmRequest odm;
        odm.set_study_id("I-MICRO");
        EXPECT_EQ(admitted([&] { return who.client.exportOdm(odm); }), row.odm) << "ExportOdm";
        v1::MarkVerifiedRequest sdv;
        sdv.set_study_id("I-MICRO");
        *sdv.mutable_form() = setupQuery.form();
        EXPECT_EQ(admitted([&] { return who.client.markVerified(sdv); }), row.markVerified) << "MarkVerified";
        v1::VerificationRequest marks;
        marks.set_study_id("I-MICRO");
        marks.set_site_id("01");
        EXPECT_EQ(admitted([&] { return who.client.verification(marks); }), row.verification) << "Verification";
        EXPECT_EQ(admitted([&] { return who.client.openQuery(setupQuery); }), row.openQuery) << "OpenQuery";
        v1::QueryActionRequest answerIt;
        answerIt.set_study_id("I-MICRO");
        answerIt.set_query_id(queryId);
        answerIt.set_action("ANSWER");
        answerIt.set_text("checked");
        EXPECT_EQ(admitted([&] { return who.client.queryAction(answerIt); }), row.answerQuery) << "QueryAction ANSWER";
        v1::ListQueriesRequest queries;
        queries.set_study_id("I-MICRO");
        queries.set_site_id("01");
        EXPECT_EQ(admitted([&] { return who.client.listQueries(queries); }), row.listQueries) << "ListQueries";
    }
}

// --- Sponsor delivery: the archival ODM file ---------------------------------------------------------------------

TEST_F(TrialFixture, theOdmExportCarriesEveryChangeWithItsAuditRecordAndValidatesAgainstTheOfficialSchema)
{
    Tablet a(*gw, "inv-a", "investigator");
    Tablet b(*gw, "inv-b", "investigator");
    ASSERT_TRUE(a.decide("01-080", "INCLUDED_EMERGENCY", "", clock.nowMs() - kHourMs).ok());
    store::SaveRequest sofa;
    sofa.form = {"01-080", "D0", "SOFA", 0};
    sofa.values["GCS"] = store::FieldValue{"12", ""};
    sofa.values["PLATELETS"] = store::FieldValue{"85", "10^3/uL"};
    ASSERT_TRUE(a.save(sofa).ok());
    a.sync();
    b.sync();
    // A correction with its reason, a concurrent edit of the same field (a conflict), a form entered in error.
    sofa.values["GCS"] = store::FieldValue{"11", ""};
    sofa.reasonCode = "TRANSCRIPTION";
    sofa.reasonText = "read from the wrong line of the chart";
    ASSERT_TRUE(a.save(sofa).ok());
    sofa.values["GCS"] = store::FieldValue{"10", ""};
    ASSERT_TRUE(b.save(sofa).ok());
    store::SaveRequest clin;
    clin.form = {"01-080", "D1", "CLINEXAM", 0};
    clin.values["HR"] = store::FieldValue{"112", "bpm"};
    ASSERT_TRUE(a.save(clin).ok());
    ASSERT_TRUE(await<Result<store::SaveOutcome>>([&](auto done) {
                    a.core->setRecordStatus({"01-080", "D1", "CLINEXAM", 0}, "ENTERED_IN_ERROR", "WRONG_SUBJECT",
                                            "belongs to another patient", done);
                }).ok());
    // An electronic signature of the SOFA form.
    ASSERT_TRUE(await<Result<store::SaveOutcome>>([&](auto done) {
                    a.core->sign({"01-080", "D0", "SOFA", 0}, false,
                                 "I approve the data of this form as accurate and complete", test::passwordOf("inv-a"),
                                 done);
                }).ok());
    a.sync();
    b.sync();

    gateway::OdmExportOptions options;
    options.studyId = "I-MICRO";
    options.exportedBy = "dm-1";
    const auto registry = gateway::StudyRegistry::load({CRF_STUDIES_DIR "/imicro.json"}).value();
    auto odm = gateway::buildOdm132(gw->store(), registry, clock, options);
    ASSERT_TRUE(odm.ok()) << odm.error().text();
    QTemporaryDir out;
    const QString file = out.filePath("export.xml");
    {
        QFile f(file);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(odm->xml));
    }
    const std::string xmllint = "xmllint --noout --nonet --schema " CRF_TEST_DATA_DIR "/odm-1.3.2/ODM1-3-2.xsd " +
                                file.toStdString() + " 2>" + out.filePath("xmllint.txt").toStdString();
    EXPECT_EQ(std::system(xmllint.c_str()), 0) << "ODM export does not validate: see xmllint output";
    const std::string& x = odm->xml;
    EXPECT_NE(x.find("FileType=\"Transactional\""), std::string::npos);
    EXPECT_NE(x.find("Archival=\"Yes\""), std::string::npos);
    EXPECT_NE(x.find("<ReasonForChange>TRANSCRIPTION: read from the wrong line of the chart</ReasonForChange>"),
              std::string::npos);
    EXPECT_NE(x.find("ItemOID=\"I.SOFA.GCS\" TransactionType=\"Update\" Value=\"11\""), std::string::npos);
    EXPECT_NE(x.find("changed concurrently: the gateway kept the value"), std::string::npos);
    EXPECT_NE(x.find("FormOID=\"F.CLINEXAM\" TransactionType=\"Remove\""), std::string::npos);
    EXPECT_NE(x.find("<Meaning>I approve the data of this form as accurate and complete</Meaning>"), std::string::npos);
    EXPECT_NE(x.find("<SignatureRef SignatureOID=\"SD.1\"/>"), std::string::npos);
    EXPECT_NE(x.find("<FullName>Test inv-a</FullName>"), std::string::npos);
    EXPECT_NE(x.find("MeasurementUnitOID=\"MU.10_3_uL\""), std::string::npos);
    EXPECT_EQ(x.find("CONSENT_PAPER_PHOTO\""), std::string::npos) << "site-only items never appear";
    EXPECT_EQ(odm->events, static_cast<int>(gw->store().eventCount()));

    // Incremental by cursor: nothing new, then only what came after.
    options.afterServerSeq = odm->lastServerSeq;
    auto none = gateway::buildOdm132(gw->store(), registry, clock, options);
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->events, 0);
    ASSERT_TRUE(a.decide("01-080", "PATIENT_CONSENTS", "PATIENT", clock.nowMs()).ok());
    a.sync();
    auto next = gateway::buildOdm132(gw->store(), registry, clock, options);
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->events, 1);
    EXPECT_NE(next->xml.find("<SubjectData SubjectKey=\"01-080\" TransactionType=\"Update\">"), std::string::npos);
    // Every export is in the security log.
    int exports = 0;
    for (const auto& e : gw->store().identity().securityLog())
        exports += e.action == "export.odm132";
    EXPECT_EQ(exports, 3);
}

namespace {

std::string describe(const gateway::HistoryEntry& h)
{
    return std::to_string(h.serverSeq) + " " + h.visitOid + "/" + h.formOid + "/" + std::to_string(h.repeat) + "/" +
           h.itemOid + " " + (h.oldPresent ? h.oldValue : "-") + " -> " + (h.newPresent ? h.newValue : "-") + " " +
           h.unit + " by " + h.userId + " (" + h.role + ") site " + h.siteId + " device " + h.deviceId + " captured " +
           std::to_string(h.capturedAtMs) + "/" + std::to_string(h.capturedOffsetMin) + " received " +
           std::to_string(h.receivedAtMs) + " why " + h.reasonCode + ": " + h.reasonText + " notes " + h.notes;
}

/// A field's history as `crfctl audit show` prints it, accepted changes only (refused pushes stay at the source).
std::vector<std::string> acceptedHistory(gateway::Store& store, const std::string& subject)
{
    auto history = gateway::fieldHistory(store, subject);
    EXPECT_TRUE(history.ok());
    std::vector<std::string> out;
    for (const auto& h : history.value())
        if (h.serverSeq != 0)
            out.push_back(describe(h));
    return out;
}

std::string readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
}

} // namespace

TEST_F(TrialFixture, anExportImportedIntoAnEmptyGatewayReproducesTheSameAuditTrailAndValues)
{
    Desk dm(*gw, "dm-1", "data_manager", "I-MICRO");
    loadBoxes(dm, "I-MICRO", "01", {1, 2, 3, 4});
    Tablet a(*gw, "inv-a", "investigator");
    Tablet b(*gw, "inv-b", "investigator");
    ASSERT_TRUE(a.decide("01-090", "INCLUDED_EMERGENCY", "", clock.nowMs() - kHourMs).ok());
    ASSERT_TRUE(a.decide("01-091", "INCLUDED_EMERGENCY", "", clock.nowMs() - kHourMs).ok());
    store::SaveRequest sofa;
    sofa.form = {"01-090", "D0", "SOFA", 0};
    sofa.values["GCS"] = store::FieldValue{"12", ""};
    sofa.values["PLATELETS"] = store::FieldValue{"85", "10^3/uL"};
    ASSERT_TRUE(a.save(sofa).ok());
    ASSERT_TRUE(a.randomize("01-090", 1).ok());
    a.sync();
    b.sync();
    // A correction, a concurrent edit of the same field (a conflict) and its resolution, each with its reason.
    sofa.values["GCS"] = store::FieldValue{"11", ""};
    sofa.reasonCode = "TRANSCRIPTION";
    sofa.reasonText = "read from the wrong line; of the chart"; // separators of the provenance survive
    ASSERT_TRUE(a.save(sofa).ok());
    sofa.values["GCS"] = store::FieldValue{"10", ""};
    sofa.reasonCode = "CORRECTION";
    sofa.reasonText = "re-assessed";
    ASSERT_TRUE(b.save(sofa).ok());
    // Two offline consent decisions for 01-091: the gateway refuses the second (it stays at the source only).
    ASSERT_TRUE(a.decide("01-091", "OBJECTS_TO_DATA_USE", "RELATIVE", clock.nowMs()).ok());
    ASSERT_TRUE(b.decide("01-091", "PATIENT_CONSENTS", "PATIENT", clock.nowMs()).ok());
    a.sync();
    EXPECT_EQ(b.sync().rejected, 1);
    a.sync();
    sofa.values["GCS"] = store::FieldValue{"10", ""};
    sofa.reasonText = "agreed with the other assessor";
    ASSERT_TRUE(a.save(sofa).ok());
    store::SaveRequest clin;
    clin.form = {"01-090", "D1", "CLINEXAM", 0};
    clin.values["HR"] = store::FieldValue{"112", "bpm"};
    ASSERT_TRUE(b.save(clin).ok());
    ASSERT_TRUE(await<Result<store::SaveOutcome>>([&](auto done) {
                    b.core->setRecordStatus({"01-090", "D1", "CLINEXAM", 0}, "ENTERED_IN_ERROR", "WRONG_SUBJECT",
                                            "belongs to another patient", done);
                }).ok());
    ASSERT_TRUE(await<Result<store::SaveOutcome>>([&](auto done) {
                    a.core->sign({"01-090", "D0", "SOFA", 0}, false,
                                 "I approve the data of this form as accurate and complete", test::passwordOf("inv-a"),
                                 done);
                }).ok());
    a.sync();
    b.sync();
    ASSERT_EQ(gw->store().conflicts(false).size(), 1u);

    const auto registry = gateway::StudyRegistry::load({CRF_STUDIES_DIR "/imicro.json"}).value();
    gateway::OdmExportOptions options;
    options.studyId = "I-MICRO";
    options.includeArms = true; // a complete export: an import rebuilds everything or nothing
    auto odm = gateway::buildOdm132(gw->store(), registry, clock, options);
    ASSERT_TRUE(odm.ok()) << odm.error().text();
    QTemporaryDir out;
    {
        QFile f(out.filePath("export.xml"));
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(odm->xml));
    }
    const std::string xmllint = "xmllint --noout --nonet --schema " CRF_TEST_DATA_DIR "/odm-1.3.2/ODM1-3-2.xsd " +
                                out.filePath("export.xml").toStdString() + " 2>/dev/null";
    EXPECT_EQ(std::system(xmllint.c_str()), 0) << "the export with its provenance still validates";

    // Into an empty gateway.
    QTemporaryDir importedDir;
    auto imported = gateway::openSqliteStore(importedDir.path().toStdString());
    ASSERT_TRUE(imported.ok());
    gateway::Store& copy = **imported;
    gateway::SyncDomain domain(copy, clock, registry);
    auto done = gateway::importOdm132(domain, copy, clock, odm->xml, "export.xml", "dm-1");
    ASSERT_TRUE(done.ok()) << done.error().text();
    EXPECT_EQ(done->events, odm->events);
    EXPECT_EQ(done->absentRanges, 1) << "tablet B's refused decision is not in the file";

    // The same events (by their hashes), the same history of every field, the same values, conflicts and consent.
    const auto source = gw->store().eventsAfter(0, 1000), rebuilt = copy.eventsAfter(0, 1000);
    ASSERT_EQ(source.size(), rebuilt.size());
    for (size_t i = 0; i < source.size(); ++i) {
        EXPECT_EQ(source[i].event_hash(), rebuilt[i].event_hash()) << "event " << i + 1;
        EXPECT_EQ(source[i].server_seq(), rebuilt[i].server_seq());
        EXPECT_EQ(source[i].received_at_ms(), rebuilt[i].received_at_ms());
    }
    {
        // The same file into an empty gateway on PostgreSQL (crfctl import --store): the same events, by their hashes.
        test::StoreBackend pg(test::Backend::Postgres);
        auto onPg = pg.open();
        gateway::SyncDomain pgDomain(*onPg, clock, registry);
        auto intoPg = gateway::importOdm132(pgDomain, *onPg, clock, odm->xml, "export.xml", "dm-1");
        ASSERT_TRUE(intoPg.ok()) << intoPg.error().text();
        const auto pgEvents = onPg->eventsAfter(0, 1000);
        ASSERT_EQ(pgEvents.size(), source.size());
        for (size_t i = 0; i < source.size(); ++i)
            EXPECT_EQ(source[i].event_hash(), pgEvents[i].event_hash()) << "event " << i + 1 << " on PostgreSQL";
        EXPECT_TRUE(verifyAudit(*onPg).intact());
        EXPECT_EQ(acceptedHistory(*onPg, "01-090"), acceptedHistory(gw->store(), "01-090"));
    }
    for (const char* subject : {"01-090", "01-091"}) {
        const auto expected = acceptedHistory(gw->store(), subject);
        EXPECT_FALSE(expected.empty());
        EXPECT_EQ(acceptedHistory(copy, subject), expected) << subject;
    }
    const auto conflictsOf = [](gateway::Store& s) {
        std::vector<std::string> out;
        for (const auto& c : s.conflicts(false))
            out.push_back(c.field.subjectId + "/" + c.field.itemOid + " " + std::to_string(c.keptSeq) + "/" +
                          std::to_string(c.otherSeq) +
                          (c.open ? " open" : " resolved by " + std::to_string(c.resolvedBySeq)));
        return out;
    };
    EXPECT_EQ(conflictsOf(copy), conflictsOf(gw->store()));
    const auto consentOf = [](gateway::Store& s) {
        std::vector<std::string> out;
        for (const auto& r : s.trial().consentRows("I-MICRO", ""))
            out.push_back(r.subjectId + " " + r.state + " " + std::to_string(r.lastSeq));
        return out;
    };
    EXPECT_EQ(consentOf(copy), consentOf(gw->store()));
    for (auto* s : {&gw->store(), &copy}) {
        gateway::AnalysisExportOptions csv;
        csv.studyId = "I-MICRO";
        csv.includeArms = true;
        csv.outDir = out.filePath(s == &copy ? "csv-copy" : "csv-source").toStdString();
        ASSERT_TRUE(gateway::writeAnalysisExport(*s, registry, clock, csv).ok());
    }
    for (const char* file : {"SOFA.csv", "CLINEXAM.csv", "RANDO.csv", "outcomes.csv"})
        EXPECT_EQ(readAll(out.filePath(QString("csv-copy/") + file)),
                  readAll(out.filePath(QString("csv-source/") + file)))
            << file;
    EXPECT_FALSE(readAll(out.filePath("csv-copy/SOFA.csv")).empty());
    const auto verified = gateway::verifyAudit(copy);
    EXPECT_TRUE(verified.intact()) << *verified.firstBrokenLink;
    EXPECT_EQ(verified.absentLinks, 1u);
    // Exported again, the copy gives the same clinical data, audit records and signatures.
    auto again = gateway::buildOdm132(copy, registry, clock, options);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->xml.substr(again->xml.find("<ClinicalData")), odm->xml.substr(odm->xml.find("<ClinicalData")));

    // Once is enough: the copy is no longer empty.
    auto twice = gateway::importOdm132(domain, copy, clock, odm->xml, "export.xml", "dm-1");
    ASSERT_FALSE(twice.ok());
    EXPECT_NE(twice.error().text().find("empty gateway"), std::string::npos);
}

TEST_F(TrialFixture, anAlteredBlindedOrForeignFileIsNotImportedAndNothingIsStored)
{
    Tablet a(*gw, "inv-a", "investigator");
    store::SaveRequest sofa;
    sofa.form = {"01-095", "D0", "SOFA", 0};
    sofa.values["GCS"] = store::FieldValue{"12", ""};
    ASSERT_TRUE(a.save(sofa).ok());
    a.sync();
    const auto registry = gateway::StudyRegistry::load({CRF_STUDIES_DIR "/imicro.json"}).value();
    gateway::OdmExportOptions options;
    options.studyId = "I-MICRO";
    options.includeArms = true;
    const std::string xml = gateway::buildOdm132(gw->store(), registry, clock, options)->xml;
    // A definition with an item for unblinded eyes only: the blinded export leaves it out and says so.
    auto masked = std::make_shared<v1::StudyDefinition>(*registry.find("I-MICRO"));
    for (auto& f : *masked->mutable_forms())
        for (auto& sec : *f.mutable_sections())
            for (auto& i : *sec.mutable_items())
                i.set_unblinded_only(f.oid() == "SOFA" && i.oid() == "GCS");
    const gateway::StudyRegistry maskedRegistry({masked});
    options.includeArms = false;
    const std::string blinded = gateway::buildOdm132(gw->store(), maskedRegistry, clock, options)->xml;

    std::string altered = xml;
    const std::string value = "ItemOID=\"I.SOFA.GCS\" TransactionType=\"Insert\" Value=\"12\"";
    ASSERT_NE(altered.find(value), std::string::npos);
    altered.replace(altered.find(value), value.size(),
                    "ItemOID=\"I.SOFA.GCS\" TransactionType=\"Insert\" Value=\"13\"");
    std::string foreign = xml;
    const std::string source = "<SourceID>";
    foreign.replace(foreign.find(source), foreign.find("</SourceID>") - foreign.find(source), "<SourceID>EDC 7");

    const std::vector<std::pair<std::string, std::string>> cases{
        {altered, "does not match the hash recorded at export"},
        {blinded, "blinded"},
        {foreign, "only archival exports of crf-gateway"},
        {"<ODM><Study", "not XML"},
        {"<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\" FileType=\"Snapshot\"/>", "archival, transactional"},
    };
    for (const auto& [file, why] : cases) {
        QTemporaryDir dir;
        auto store = gateway::openSqliteStore(dir.path().toStdString());
        ASSERT_TRUE(store.ok());
        gateway::SyncDomain domain(**store, clock, registry);
        auto done = gateway::importOdm132(domain, **store, clock, file, "in.xml", "dm-1");
        ASSERT_FALSE(done.ok()) << why;
        EXPECT_NE(done.error().text().find(why), std::string::npos) << done.error().text();
        EXPECT_EQ(done.error().text().rfind("in.xml", 0), 0u) << "the error names the file: " << done.error().text();
        EXPECT_EQ((*store)->eventCount(), 0u) << why;
    }
}

TEST_F(TrialFixture, theAuditReviewListsNightCapturesLateUploadsAndUnusualCorrectionRates)
{
    Tablet a(*gw, "inv-a", "investigator");
    Tablet b(*gw, "inv-b", "investigator");
    // Capture times within the last day, at a chosen local hour of the tablet (whatever the hour of the test run).
    const int64_t offsetMs = int64_t{SystemClock().utcOffsetMinutes()} * 60 * 1000;
    auto localHour = [&](int64_t ms) { return (((ms + offsetMs) / kHourMs) % 24 + 24) % 24; };
    int64_t threeAmLocal = clock.nowMs() - kHourMs;
    while (localHour(threeAmLocal) != 3)
        threeAmLocal -= kHourMs;
    int64_t dayTime = clock.nowMs() - kHourMs;
    while (localHour(dayTime) < 10 || localHour(dayTime) > 17)
        dayTime -= kHourMs;
    // inv-a: one form saved at 03:00, then corrected nine times during the day.
    store::SaveRequest sofa;
    sofa.form = {"01-100", "D0", "SOFA", 0};
    sofa.values["GCS"] = store::FieldValue{"3", ""};
    sofa.capturedAtMs = threeAmLocal;
    ASSERT_TRUE(a.save(sofa).ok());
    for (int i = 4; i <= 12; ++i) {
        sofa.values["GCS"] = store::FieldValue{std::to_string(i), ""};
        sofa.reasonCode = "CORRECTION";
        sofa.reasonText = "re-assessed";
        sofa.capturedAtMs = dayTime - (13 - i) * 60 * 1000;
        ASSERT_TRUE(a.save(sofa).ok());
    }
    // inv-b: twenty first entries, one captured 30 h before it reaches the gateway.
    for (int i = 0; i < 20; ++i) {
        store::SaveRequest clin;
        clin.form = {"01-1" + std::to_string(10 + i), "D0", "CLINEXAM", 0};
        clin.values["HR"] = store::FieldValue{std::to_string(80 + i), "bpm"};
        clin.capturedAtMs = i == 0 ? clock.nowMs() - 30 * kHourMs : dayTime - i * 60 * 1000;
        ASSERT_TRUE(b.save(clin).ok());
    }
    a.sync();
    b.sync();

    gateway::AuditReviewOptions options;
    options.studyId = "I-MICRO";
    auto report = gateway::reviewAuditTrail(gw->store(), options);
    ASSERT_TRUE(report.ok()) << report.error().text();
    EXPECT_EQ(report->events, 30);
    int nightByA = 0, lateByB = 0;
    for (const auto& f : report->findings) {
        nightByA +=
            f.kind == "UNEXPECTED_HOUR" && f.userId == "inv-a" && f.text.find("at 3 h local") != std::string::npos;
        lateByB += f.kind == "LATE_UPLOAD" && f.userId == "inv-b";
    }
    EXPECT_EQ(nightByA, 1);
    EXPECT_EQ(lateByB, 1);
    ASSERT_EQ(report->count("CORRECTION_RATE"), 1);
    for (const auto& f : report->findings)
        if (f.kind == "CORRECTION_RATE") {
            EXPECT_EQ(f.userId, "inv-a");
            EXPECT_NE(f.text.find("9 of 10 changes"), std::string::npos) << f.text;
        }
}

TEST_F(TrialFixture, theInvestigatorsCopyOfASiteHoldsItsOdmAndPhotosWithChecksumsAndNothingOfOtherSites)
{
    // Site 01: a mottling photo taken on a tablet and synced; site 02: a form that must not be in site 01's copy.
    test::addUser(*gw, "nurse-p", "research_nurse", "01");
    QTemporaryDir tabletDir;
    auto tablet =
        store::TabletStore::openWithKey((tabletDir.path() + "/t.db").toStdString(), SecretKey::random(), clock).value();
    sync::SyncClient client(gw->address());
    test::DeviceSecrets secrets;
    ASSERT_TRUE(secrets.login(client, "nurse-p", tablet->deviceId()).ok());
    std::string scan(20000, '\0');
    randomBytes(scan.data(), scan.size());
    for (auto& c : scan)
        if (static_cast<unsigned char>(c) == 0xFF)
            c = 0x7F; // no JPEG marker inside the entropy-coded data
    const std::string jpeg =
        std::string("\xFF\xD8\xFF\xDA\x00\x08\x01\x01\x00\x00\x3f\x00", 12) + scan + std::string("\xFF\xD9", 2);
    auto digest = tablet->addPhoto(jpeg, photo::kDefaultMaxBytes);
    ASSERT_TRUE(digest.ok()) << digest.error().text();
    store::SaveRequest mottling;
    mottling.form = {"01-200", "D0", "MOTTLING", 0};
    mottling.values["MOTTLING_SCORE"] = store::FieldValue{"3", ""};
    mottling.values["KNEE_PHOTO"] = store::FieldValue{*digest, ""};
    ASSERT_TRUE(tablet->save(mottling, {"nurse-p", "research_nurse", "01"}, {"I-MICRO", "2020-1"}).ok());
    sync::SyncEngine engine([&](const auto& fn) { fn(*tablet); }, client, clock, "I-MICRO");
    ASSERT_TRUE(engine.run().ok());
    Tablet other(*gw, "inv-c", "investigator", "02");
    ASSERT_TRUE(other.decide("02-001", "INCLUDED_EMERGENCY", "", clock.nowMs()).ok());
    other.sync();

    QTemporaryDir out;
    const auto registry = gateway::StudyRegistry::load({CRF_STUDIES_DIR "/imicro.json"}).value();
    auto archive = gateway::writeSiteArchive(gw->store(), registry, clock, "I-MICRO", "01",
                                             out.filePath("site-01").toStdString(), "inv-a");
    ASSERT_TRUE(archive.ok()) << archive.error().text();
    EXPECT_EQ(archive->photos, 1);
    EXPECT_EQ(archive->photosMissing, 0);
    QFile photoFile(out.filePath(QString("site-01/photos/%1.jpg").arg(QString::fromStdString(*digest))));
    ASSERT_TRUE(photoFile.open(QIODevice::ReadOnly));
    EXPECT_EQ(photo::digestHex(photoFile.readAll().toStdString()), *digest) << "the photo as verified at the gateway";
    QFile odmFile(out.filePath("site-01/odm.xml"));
    ASSERT_TRUE(odmFile.open(QIODevice::ReadOnly));
    const std::string odm = odmFile.readAll().toStdString();
    EXPECT_NE(odm.find("SubjectKey=\"01-200\""), std::string::npos);
    EXPECT_EQ(odm.find("02-001"), std::string::npos) << "another site's subject";
    const std::string xmllint = "xmllint --noout --nonet --schema " CRF_TEST_DATA_DIR "/odm-1.3.2/ODM1-3-2.xsd " +
                                out.filePath("site-01/odm.xml").toStdString() + " 2>/dev/null";
    EXPECT_EQ(std::system(xmllint.c_str()), 0);
    QFile manifest(out.filePath("site-01/manifest.json"));
    ASSERT_TRUE(manifest.open(QIODevice::ReadOnly));
    EXPECT_TRUE(manifest.readAll().contains(QByteArray::fromStdString("\"sha256\": \"" + *digest + "\"")));
    // Another site's name for the copy is refused, naming the option.
    EXPECT_FALSE(gateway::writeSiteArchive(gw->store(), registry, clock, "I-MICRO", "*",
                                           out.filePath("x").toStdString(), "inv-a")
                     .ok());
}

TEST_F(TrialFixture, theAnalysisExportHasOneRowOfDerivedOutcomesPerSubjectAndADataDictionary)
{
    Tablet t(*gw, "inv-a", "investigator");
    ASSERT_TRUE(t.decide("01-075", "INCLUDED_EMERGENCY", "", clock.nowMs() - kHourMs).ok());
    auto sofaAt = [&](const char* visit, const char* gcs) {
        store::SaveRequest r;
        r.form = {"01-075", visit, "SOFA", 0};
        r.values["PAO2"] = store::FieldValue{"75", "mmHg"};
        r.values["FIO2"] = store::FieldValue{"50", "%"};
        r.values["RESP_SUPPORT"] = store::FieldValue{"Y", ""};
        r.values["PLATELETS"] = store::FieldValue{"85", "10^3/uL"};
        r.values["BILI"] = store::FieldValue{"40", "umol/L"};
        r.values["MAP"] = store::FieldValue{"64", "mmHg"};
        r.values["NOREPINEPHRINE"] = store::FieldValue{"0,25", "ug/kg/min"};
        r.values["GCS"] = store::FieldValue{gcs, ""};
        r.values["CREAT"] = store::FieldValue{"180", "umol/L"};
        r.values["URINE_24H"] = store::FieldValue{"450", "mL/24h"};
        ASSERT_TRUE(t.save(r).ok());
    };
    sofaAt("D0", "11"); // 3 + 2 + 2 + 4 + 2 + 3 = 16
    sofaAt("D7", "15"); // CNS 0: 14
    store::SaveRequest outcomes;
    outcomes.form = {"01-075", "D28", "OUTCOMES", 0};
    outcomes.values["ALIVE_D28"] = store::FieldValue{"Y", ""};
    outcomes.values["VENT_DAYS"] = store::FieldValue{"5", "days"};
    outcomes.values["RRT_DAYS"] = store::FieldValue{"0", "days"};
    outcomes.values["VASO_DAYS"] = store::FieldValue{"3", "days"};
    outcomes.values["ICU_DISCHARGE_DAY"] = store::FieldValue{"12", "day"};
    ASSERT_TRUE(t.save(outcomes).ok());
    store::SaveRequest mottling;
    mottling.form = {"01-075", "D1", "MOTTLING", 0};
    mottling.values["MOTTLING_SCORE"] = store::FieldValue{"2", ""};
    ASSERT_TRUE(t.save(mottling).ok());
    ASSERT_EQ(t.sync().rejected, 0);

    QTemporaryDir out;
    const auto registry = gateway::StudyRegistry::load({CRF_STUDIES_DIR "/imicro.json"}).value();
    gateway::AnalysisExportOptions options{"I-MICRO", out.path().toStdString(), "dm-1", false};
    ASSERT_TRUE(gateway::writeAnalysisExport(gw->store(), registry, clock, options).ok());
    QFile outcomesCsv(out.filePath("outcomes.csv"));
    ASSERT_TRUE(outcomesCsv.open(QIODevice::ReadOnly));
    const QString rows = QString::fromUtf8(outcomesCsv.readAll());
    EXPECT_TRUE(rows.contains("01-075,01,16,14,-2,N,,23,28,25,16,2")) << rows.toStdString();
    QFile dictionary(out.filePath("dictionary.csv"));
    ASSERT_TRUE(dictionary.open(QIODevice::ReadOnly));
    const QString dict = QString::fromUtf8(dictionary.readAll());
    EXPECT_TRUE(dict.contains("SOFA.csv,GCS,")) << "every form column";
    EXPECT_TRUE(dict.contains("CONSENT.csv,CONSENT_EVENT,Decision,code,,\"INCLUDED_PATIENT_CONSENT="));
    EXPECT_TRUE(dict.contains("outcomes.csv,delta_sofa,"));
    EXPECT_FALSE(dict.contains("CONSENT_PAPER_PHOTO")) << "site-only";
}

// --- Source data verification ---------------------------------------------------------------------------------------

TEST_F(TrialFixture, aMonitorMarksDataVerifiedAndALaterChangeClearsTheMark)
{
    Tablet t(*gw, "inv-a", "investigator");
    store::SaveRequest sofa;
    sofa.form = {"01-120", "D0", "SOFA", 0};
    sofa.values["GCS"] = store::FieldValue{"12", ""};
    sofa.values["PLATELETS"] = store::FieldValue{"85", "10^3/uL"};
    ASSERT_TRUE(t.save(sofa).ok());
    t.sync();

    Desk monitor(*gw, "mon-01", "monitor", "I-MICRO", "01");
    Desk otherMonitor(*gw, "mon-02", "monitor", "I-MICRO", "02");
    v1::MarkVerifiedRequest field;
    field.set_study_id("I-MICRO");
    field.mutable_form()->set_subject_id("01-120");
    field.mutable_form()->set_visit_oid("D0");
    field.mutable_form()->set_form_oid("SOFA");
    field.set_item_oid("GCS");
    v1::MarkVerifiedRequest form = field;
    form.clear_item_oid();
    ASSERT_TRUE(monitor.client.markVerified(field).ok());
    ASSERT_TRUE(monitor.client.markVerified(form).ok());
    // Another site's monitor and the site's own investigator may not verify; nothing recorded cannot be verified.
    EXPECT_FALSE(otherMonitor.client.markVerified(field).ok());
    Desk investigator(*gw, "inv-z", "investigator", "I-MICRO", "01");
    EXPECT_FALSE(investigator.client.markVerified(field).ok());
    v1::MarkVerifiedRequest missing = field;
    missing.set_item_oid("BILI");
    auto refused = monitor.client.markVerified(missing);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("nothing recorded"), std::string::npos);

    v1::VerificationRequest list;
    list.set_study_id("I-MICRO");
    list.set_site_id("01");
    auto marks = monitor.client.verification(list);
    ASSERT_TRUE(marks.ok()) << marks.error().text();
    ASSERT_EQ(marks->marks_size(), 2);
    EXPECT_FALSE(marks->marks(0).cleared());
    EXPECT_FALSE(marks->marks(1).cleared());

    // The site corrects the platelets: the form's mark clears, the GCS mark holds.
    sofa.values["PLATELETS"] = store::FieldValue{"95", "10^3/uL"};
    sofa.reasonCode = "TRANSCRIPTION";
    sofa.reasonText = "lab sheet re-read";
    ASSERT_TRUE(t.save(sofa).ok());
    t.sync();
    marks = monitor.client.verification(list);
    ASSERT_TRUE(marks.ok());
    for (const auto& m : marks->marks()) {
        if (m.item_oid() == "GCS")
            EXPECT_FALSE(m.cleared()) << "another field changed";
        else
            EXPECT_TRUE(m.cleared()) << "the verified form changed";
    }
    // Then the GCS too.
    sofa.values["GCS"] = store::FieldValue{"13", ""};
    ASSERT_TRUE(t.save(sofa).ok());
    t.sync();
    marks = monitor.client.verification(list);
    for (const auto& m : marks->marks())
        EXPECT_TRUE(m.cleared()) << m.item_oid();
}

// --- Data queries
// -----------------------------------------------------------------------------------------------------

TEST_F(TrialFixture, aQueryIsOpenedByTheDeskAnsweredByTheSiteAndClosedEachStepWithWhoWhenAndText)
{
    Tablet t(*gw, "inv-a", "investigator");
    store::SaveRequest sofa;
    sofa.form = {"01-130", "D0", "SOFA", 0};
    sofa.values["PLATELETS"] = store::FieldValue{"850", "10^3/uL"};
    ASSERT_TRUE(t.save(sofa).ok());
    t.sync();

    Desk dm(*gw, "dm-1", "data_manager", "I-MICRO");
    Desk nurse(*gw, "nurse-q", "research_nurse", "I-MICRO", "01");
    Desk otherSite(*gw, "nurse-r", "research_nurse", "I-MICRO", "02");
    v1::OpenQueryRequest open;
    open.set_study_id("I-MICRO");
    open.mutable_form()->set_subject_id("01-130");
    open.mutable_form()->set_visit_oid("D0");
    open.mutable_form()->set_form_oid("SOFA");
    open.set_item_oid("PLATELETS");
    open.set_text("850 x10^3/uL is unusual in septic shock: please check the lab sheet");
    EXPECT_FALSE(nurse.client.openQuery(open).ok()) << "the site does not open queries";
    auto q = dm.client.openQuery(open);
    ASSERT_TRUE(q.ok()) << q.error().text();
    EXPECT_EQ(q->state(), "OPEN");
    EXPECT_EQ(q->site_id(), "01");

    v1::QueryActionRequest act;
    act.set_study_id("I-MICRO");
    act.set_query_id(q->id());
    act.set_action("CLOSE");
    act.set_text("done");
    EXPECT_FALSE(nurse.client.queryAction(act).ok()) << "the site does not close";
    act.set_action("ANSWER");
    act.set_text("Typo: 85, corrected");
    EXPECT_FALSE(dm.client.queryAction(act).ok()) << "the desk does not answer";
    EXPECT_FALSE(otherSite.client.queryAction(act).ok()) << "another site does not answer";
    // The site answers and corrects the value (a change still needs its reason).
    sofa.values["PLATELETS"] = store::FieldValue{"85", "10^3/uL"};
    sofa.reasonCode = "QUERY";
    sofa.reasonText = "typo, see query " + q->id();
    ASSERT_TRUE(t.save(sofa).ok());
    t.sync();
    // The tablet received the open query with its sync and answers it from the bedside.
    auto cached = await<Result<app::trial::SiteQueries>>([&](auto done) { t.core->siteQueries(done); });
    ASSERT_TRUE(cached.ok());
    ASSERT_EQ(cached->list.queries_size(), 1);
    EXPECT_EQ(cached->list.queries(0).id(), q->id());
    auto answered = await<Result<v1::DataQuery>>([&](auto done) { t.core->answerQuery(q->id(), act.text(), done); });
    ASSERT_TRUE(answered.ok()) << answered.error().text();
    EXPECT_EQ(answered->state(), "ANSWERED");
    EXPECT_FALSE(nurse.client.queryAction(act).ok()) << "already answered";
    act.set_action("CLOSE");
    act.set_text("Corrected value checked against the source");
    auto closed = dm.client.queryAction(act);
    ASSERT_TRUE(closed.ok());
    EXPECT_EQ(closed->state(), "CLOSED");
    ASSERT_EQ(closed->steps_size(), 3);
    EXPECT_EQ(closed->steps(1).user_id(), "inv-a");
    EXPECT_EQ(closed->steps(1).role(), "investigator");
    EXPECT_EQ(closed->steps(2).role(), "data_manager");
    EXPECT_GT(closed->steps(2).at_ms(), 0);
    // A closed query may be reopened; a cancelled one is final; answering a closed one is refused in words.
    act.set_action("ANSWER");
    auto late = nurse.client.queryAction(act);
    ASSERT_FALSE(late.ok());
    EXPECT_NE(late.error().text().find("CLOSED"), std::string::npos);
    act.set_action("REOPEN");
    act.set_text("The D1 value disagrees");
    EXPECT_EQ(dm.client.queryAction(act)->state(), "OPEN");
    act.set_action("CANCEL");
    act.set_text("Raised on the wrong visit");
    EXPECT_EQ(dm.client.queryAction(act)->state(), "CANCELLED");

    // The site's list: its queries with every step; the other site sees none of them.
    v1::ListQueriesRequest list;
    list.set_study_id("I-MICRO");
    list.set_site_id("01");
    auto mine = nurse.client.listQueries(list);
    ASSERT_TRUE(mine.ok()) << mine.error().text();
    ASSERT_EQ(mine->queries_size(), 1);
    EXPECT_EQ(mine->queries(0).steps_size(), 5);
    EXPECT_FALSE(otherSite.client.listQueries(list).ok());
    list.set_open_only(true);
    EXPECT_EQ(nurse.client.listQueries(list)->queries_size(), 0);
}

TEST_F(TrialFixture, aConflictIsListedAsAQueryAndClosesWhenAValueResolvesIt)
{
    Tablet a(*gw, "inv-a", "investigator");
    Tablet b(*gw, "inv-b", "investigator");
    store::SaveRequest sofa;
    sofa.form = {"01-140", "D0", "SOFA", 0};
    sofa.values["GCS"] = store::FieldValue{"12", ""};
    ASSERT_TRUE(a.save(sofa).ok());
    a.sync();
    b.sync();
    sofa.reasonCode = "CORRECTION";
    sofa.reasonText = "re-assessed";
    sofa.values["GCS"] = store::FieldValue{"11", ""};
    ASSERT_TRUE(a.save(sofa).ok());
    sofa.values["GCS"] = store::FieldValue{"10", ""};
    ASSERT_TRUE(b.save(sofa).ok());
    a.sync();
    b.sync();
    Desk monitor(*gw, "mon-01", "monitor", "I-MICRO", "01");
    v1::ListQueriesRequest list;
    list.set_study_id("I-MICRO");
    list.set_site_id("01");
    list.set_open_only(true);
    auto open = monitor.client.listQueries(list);
    ASSERT_TRUE(open.ok());
    ASSERT_EQ(open->queries_size(), 1);
    EXPECT_EQ(open->queries(0).origin(), "CONFLICT");
    EXPECT_EQ(open->queries(0).item_oid(), "GCS");
    // Actions apply to queries opened by hand only, and say why.
    v1::QueryActionRequest act;
    act.set_study_id("I-MICRO");
    act.set_query_id(open->queries(0).id());
    act.set_action("CLOSE");
    act.set_text("x");
    auto refused = monitor.client.queryAction(act);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("resolved by a new value"), std::string::npos);
    // The site resolves it with a value and its reason: the conflict query closes.
    a.sync();
    sofa.values["GCS"] = store::FieldValue{"10", ""};
    sofa.reasonText = "agreed with the other assessor";
    ASSERT_TRUE(a.save(sofa).ok());
    a.sync();
    EXPECT_EQ(monitor.client.listQueries(list)->queries_size(), 0);
}

namespace {

std::vector<v1::DataQuery> editCheckQueries(Desk& desk, bool openOnly)
{
    v1::ListQueriesRequest list;
    list.set_study_id("I-MICRO");
    list.set_site_id("01");
    list.set_open_only(openOnly);
    auto all = desk.client.listQueries(list);
    EXPECT_TRUE(all.ok());
    std::vector<v1::DataQuery> out;
    for (const auto& q : all.value().queries())
        if (q.origin() == "EDIT_CHECK")
            out.push_back(q);
    return out;
}

} // namespace

TEST_F(TrialFixture, editChecksOpenQueriesByThemselvesAndCloseThemWhenTheDataPass)
{
    Tablet a(*gw, "inv-a", "investigator");
    Tablet b(*gw, "inv-b", "investigator");
    Desk monitor(*gw, "mon-01", "monitor", "I-MICRO", "01");

    // An unusual value the nurse confirmed at the bedside: a query asks the site to confirm it to the desk.
    store::SaveRequest d1;
    d1.form = {"01-150", "D1", "CLINEXAM", 0};
    d1.values["HR"] = store::FieldValue{"190", "bpm"};
    ASSERT_TRUE(a.save(d1).ok());
    a.sync();
    auto open = editCheckQueries(monitor, true);
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].item_oid(), "HR");
    EXPECT_EQ(open[0].form().visit_oid(), "D1");
    EXPECT_EQ(open[0].steps(0).user_id(), "gateway");
    EXPECT_EQ(open[0].steps(0).text().rfind("[range HR] ", 0), 0u) << open[0].steps(0).text();
    // The site confirms, the monitor closes; a change of another item does not open it again.
    v1::QueryActionRequest act;
    act.set_study_id("I-MICRO");
    act.set_query_id(open[0].id());
    act.set_action("CLOSE");
    act.set_text("confirmed against the monitor's chart");
    ASSERT_TRUE(monitor.client.queryAction(act).ok());
    store::SaveRequest cvp;
    cvp.form = d1.form;
    cvp.values["CVP"] = store::FieldValue{"8", "mmHg"};
    ASSERT_TRUE(a.save(cvp).ok());
    a.sync();
    EXPECT_TRUE(editCheckQueries(monitor, true).empty());

    // Two tablets, each change fine on its own, merge into pressures that cannot be: a query on the merged form.
    store::SaveRequest d2;
    d2.form = {"01-150", "D2", "CLINEXAM", 0};
    d2.values["SBP"] = store::FieldValue{"100", "mmHg"};
    d2.values["MAP"] = store::FieldValue{"70", "mmHg"};
    d2.values["DBP"] = store::FieldValue{"50", "mmHg"};
    ASSERT_TRUE(a.save(d2).ok());
    a.sync();
    b.sync();
    store::SaveRequest mapUp;
    mapUp.form = d2.form;
    mapUp.values["MAP"] = store::FieldValue{"90", "mmHg"};
    mapUp.reasonCode = "CORRECTION";
    mapUp.reasonText = "read on the arterial line";
    ASSERT_TRUE(a.save(mapUp).ok());
    store::SaveRequest sbpDown;
    sbpDown.form = d2.form;
    sbpDown.values["SBP"] = store::FieldValue{"85", "mmHg"};
    sbpDown.reasonCode = "CORRECTION";
    sbpDown.reasonText = "cuff re-measured";
    ASSERT_TRUE(b.save(sbpDown).ok());
    a.sync();
    b.sync();
    EXPECT_TRUE(gw->store().conflicts(true).empty()) << "different fields: merged, no conflict";
    open = editCheckQueries(monitor, true);
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].item_oid(), "MAP");
    EXPECT_EQ(open[0].form().visit_oid(), "D2");
    EXPECT_NE(open[0].steps(0).text().find("[SBP_MAP_DBP] Systolic must be at least the mean"), std::string::npos);
    // The tablets receive it with their next sync (the site's open queries).
    a.sync();
    auto onTablet = await<Result<app::trial::SiteQueries>>([&](auto done) { a.core->siteQueries(done); });
    ASSERT_TRUE(onTablet.ok());
    bool seen = false;
    for (const auto& q : onTablet->list.queries())
        seen = seen || (q.id() == open[0].id() && q.origin() == "EDIT_CHECK");
    EXPECT_TRUE(seen);
    // A correction that satisfies the check closes the query by itself, naming the event.
    store::SaveRequest fix;
    fix.form = d2.form;
    fix.values["MAP"] = store::FieldValue{"75", "mmHg"};
    fix.reasonCode = "CORRECTION";
    fix.reasonText = "query: mean re-read";
    ASSERT_TRUE(a.save(fix).ok());
    a.sync();
    EXPECT_TRUE(editCheckQueries(monitor, true).empty());
    const auto all = editCheckQueries(monitor, false);
    ASSERT_EQ(all.size(), 2u);
    for (const auto& q : all) {
        EXPECT_EQ(q.state(), "CLOSED");
        if (q.item_oid() == "MAP") {
            EXPECT_EQ(q.steps(q.steps_size() - 1).text().rfind("the check passes with event ", 0), 0u);
        }
    }
}

TEST_F(TrialFixture, aSiteAnswersAQueryOfflineAndTheNextSyncDeliversIt)
{
    Tablet t(*gw, "inv-a", "investigator");
    store::SaveRequest sofa;
    sofa.form = {"01-160", "D0", "SOFA", 0};
    sofa.values["PLATELETS"] = store::FieldValue{"85", "10^3/uL"};
    ASSERT_TRUE(t.save(sofa).ok());
    t.sync();
    Desk dm(*gw, "dm-1", "data_manager", "I-MICRO");
    v1::OpenQueryRequest open;
    open.set_study_id("I-MICRO");
    open.mutable_form()->set_subject_id("01-160");
    open.mutable_form()->set_visit_oid("D0");
    open.mutable_form()->set_form_oid("SOFA");
    open.set_item_oid("PLATELETS");
    open.set_text("Please check the platelet count against the lab sheet");
    auto q = dm.client.openQuery(open);
    ASSERT_TRUE(q.ok()) << q.error().text();
    t.sync();

    // The gateway goes away; the site answers at the bedside and the answer is kept on the tablet.
    const std::string address = gw->address();
    gw->shutdown();
    gw.reset();
    const std::string text = "Checked against the lab sheet: 85 is right";
    auto answered = await<Result<v1::DataQuery>>([&](auto done) { t.core->answerQuery(q->id(), text, done); });
    ASSERT_TRUE(answered.ok()) << answered.error().text();
    EXPECT_EQ(answered->state(), "ANSWERED");
    EXPECT_TRUE(answered->answer_pending());
    auto shown = await<Result<app::trial::SiteQueries>>([&](auto done) { t.core->siteQueries(done); });
    ASSERT_TRUE(shown.ok());
    ASSERT_EQ(shown->list.queries_size(), 1);
    EXPECT_TRUE(shown->list.queries(0).answer_pending());
    auto twice = await<Result<v1::DataQuery>>([&](auto done) { t.core->answerQuery(q->id(), "again", done); });
    ASSERT_FALSE(twice.ok()) << "answered once; the desk reopens it if the answer does not settle it";

    // The gateway is back: the next sync delivers the answer before fetching the list again.
    auto again = gateway::GatewayServer::start(
        test::devGateway(gatewayData.path().toStdString(), address, {CRF_STUDIES_DIR "/imicro.json"}), clock);
    ASSERT_TRUE(again.ok()) << again.error().text();
    gw = std::move(again).value();
    const auto report = t.sync();
    EXPECT_TRUE(report.ok()) << report.error.text;
    EXPECT_EQ(report.answersSent, 1);
    v1::ListQueriesRequest list;
    list.set_study_id("I-MICRO");
    list.set_site_id("01");
    auto atGateway = dm.client.listQueries(list);
    ASSERT_TRUE(atGateway.ok()) << atGateway.error().text();
    ASSERT_EQ(atGateway->queries_size(), 1);
    const auto& delivered = atGateway->queries(0);
    EXPECT_EQ(delivered.state(), "ANSWERED");
    ASSERT_EQ(delivered.steps_size(), 2);
    EXPECT_EQ(delivered.steps(1).user_id(), "inv-a");
    EXPECT_EQ(delivered.steps(1).text(), text);
    shown = await<Result<app::trial::SiteQueries>>([&](auto done) { t.core->siteQueries(done); });
    ASSERT_TRUE(shown.ok());
    ASSERT_EQ(shown->list.queries_size(), 1);
    EXPECT_FALSE(shown->list.queries(0).answer_pending());
    EXPECT_EQ(shown->list.queries(0).state(), "ANSWERED");

    // A query the desk cancelled meanwhile: the gateway refuses the answer and the site reads why.
    open.set_text("Second look: the D0 sample time");
    auto second = dm.client.openQuery(open);
    ASSERT_TRUE(second.ok());
    t.sync();
    v1::QueryActionRequest cancel;
    cancel.set_study_id("I-MICRO");
    cancel.set_query_id(second->id());
    cancel.set_action("CANCEL");
    cancel.set_text("raised on the wrong subject");
    ASSERT_TRUE(dm.client.queryAction(cancel).ok());
    auto refused =
        await<Result<v1::DataQuery>>([&](auto done) { t.core->answerQuery(second->id(), "sample at 08:00", done); });
    ASSERT_FALSE(refused.ok());
    shown = await<Result<app::trial::SiteQueries>>([&](auto done) { t.core->siteQueries(done); });
    ASSERT_TRUE(shown.ok());
    ASSERT_EQ(shown->refused.size(), 1u);
    EXPECT_EQ(shown->refused[0].text.rfind(second->id() + ": ", 0), 0u) << shown->refused[0].text;
    // The gateway's reason kept in parts, so a French screen words it (ui::messageText).
    EXPECT_EQ(shown->refused[0].tmpl, "%1: %2");
    ASSERT_EQ(shown->refused[0].args.size(), 2u);
    EXPECT_FALSE(shown->refused[0].args[1].tmpl.empty()) << shown->refused[0].args[1].text;
}

// --- Central, blinded mottling review
// ---------------------------------------------------------------------------------

TEST_F(TrialFixture, theCentralAssessorScoresPhotosBehindCodesAndTheReportComparesSiteAndCentralScores)
{
    test::addUser(*gw, "nurse-p", "research_nurse", "01");
    QTemporaryDir tabletDir;
    auto tablet =
        store::TabletStore::openWithKey((tabletDir.path() + "/t.db").toStdString(), SecretKey::random(), clock).value();
    sync::SyncClient client(gw->address());
    test::DeviceSecrets secrets;
    ASSERT_TRUE(secrets.login(client, "nurse-p", tablet->deviceId()).ok());
    auto jpeg = [] {
        std::string scan(5000, '\0');
        randomBytes(scan.data(), scan.size());
        for (auto& c : scan)
            if (static_cast<unsigned char>(c) == 0xFF)
                c = 0x7F;
        return std::string("\xFF\xD8\xFF\xDA\x00\x08\x01\x01\x00\x00\x3f\x00", 12) + scan + std::string("\xFF\xD9", 2);
    };
    // Site scores 3, 2, 4 for three subjects' knee photos.
    const char* siteScores[] = {"3", "2", "4"};
    std::vector<std::string> photos;
    for (int i = 0; i < 3; ++i) {
        const std::string bytes = jpeg();
        auto digest = tablet->addPhoto(bytes, photo::kDefaultMaxBytes);
        ASSERT_TRUE(digest.ok());
        photos.push_back(*digest);
        store::SaveRequest m;
        m.form = {"01-15" + std::to_string(i), "D1", "MOTTLING", 0};
        m.values["MOTTLING_SCORE"] = store::FieldValue{siteScores[i], ""};
        m.values["KNEE_PHOTO"] = store::FieldValue{*digest, ""};
        ASSERT_TRUE(tablet->save(m, {"nurse-p", "research_nurse", "01"}, {"I-MICRO", "2020-1"}).ok());
    }
    sync::SyncEngine engine([&](const auto& fn) { fn(*tablet); }, client, clock, "I-MICRO");
    ASSERT_TRUE(engine.run().ok());

    Desk assessor(*gw, "central-1", "central_assessor", "I-MICRO");
    Desk dm(*gw, "dm-1", "data_manager", "I-MICRO");
    v1::ReviewQueueRequest q;
    q.set_study_id("I-MICRO");
    EXPECT_FALSE(dm.client.reviewQueue(q).ok()) << "the queue is the assessor's";
    auto queue = assessor.client.reviewQueue(q);
    ASSERT_TRUE(queue.ok()) << queue.error().text();
    ASSERT_EQ(queue->items_size(), 3);
    // Masked: the answer holds random codes and nothing of subject, site, visit or arm.
    const std::string wire = queue->SerializeAsString();
    for (const char* leak : {"01-15", "ILOPROST", "PLACEBO"})
        EXPECT_EQ(wire.find(leak), std::string::npos) << leak;
    // Each item is a random code and nothing else (a code's hex digits may spell "D1" by chance: no word search).
    for (const auto& item : queue->items())
        EXPECT_TRUE(QRegularExpression("^MOT-[0-9A-F]{12}$").match(QString::fromStdString(item.code())).hasMatch())
            << item.code();
    EXPECT_EQ(assessor.client.reviewQueue(q)->items(0).code(), queue->items(0).code()) << "codes are stable";

    // The assessor scores each photo after looking at it; a score outside 0-5 is refused.
    std::map<std::string, int> central{{photos[0], 3}, {photos[1], 3}, {photos[2], 4}};
    for (const auto& item : queue->items()) {
        v1::ReviewPhotoRequest p;
        p.set_study_id("I-MICRO");
        p.set_code(item.code());
        auto image = assessor.client.reviewPhoto(p);
        ASSERT_TRUE(image.ok()) << image.error().text();
        const std::string digest = photo::digestHex(image->jpeg());
        ASSERT_TRUE(central.count(digest));
        v1::SubmitScoreRequest s;
        s.set_study_id("I-MICRO");
        s.set_code(item.code());
        s.set_score(7);
        EXPECT_FALSE(assessor.client.submitScore(s).ok());
        s.set_score(central.at(digest));
        ASSERT_TRUE(assessor.client.submitScore(s).ok());
    }
    EXPECT_TRUE(assessor.client.reviewQueue(q)->items(0).scored());

    // The report: 3 pairs (3,3) (2,3) (4,4); linear weighted kappa over 0-5 as core/kappa computes it.
    v1::ReviewReportRequest r;
    r.set_study_id("I-MICRO");
    EXPECT_FALSE(assessor.client.reviewReport(r).ok()) << "the assessor does not see the comparison";
    auto report = dm.client.reviewReport(r);
    ASSERT_TRUE(report.ok()) << report.error().text();
    EXPECT_EQ(report->photos(), 3u);
    EXPECT_EQ(report->pairs(), 3u);
    EXPECT_EQ(report->exact_agreement(), 2u);
    EXPECT_NEAR(report->kappa_linear(), kappa::weighted({{3, 3}, {2, 3}, {4, 4}}, 6).value(), 1e-12);
    EXPECT_GT(report->kappa_linear(), 0.3);
}
