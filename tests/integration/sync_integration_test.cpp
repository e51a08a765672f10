// End to end on loopback: a real gateway (gRPC + SQLite) and two tablet app cores (SQLCipher, threads) converge.
#include "app_core.h"
#include "change_event.h"
#include "domain/audit.h"
#include "full_storage.h"
#include "gateway_access.h"
#include "gateway_server.h"
#include "key_store.h"
#include "random_photo.h"
#include "test_support.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <gtest/gtest.h>
#include <set>

using namespace crf;
using crf::test::await;

namespace {

/// A tablet as the app runs it: AppCore with its storage and sync threads, a development key file.
struct Tablet {
    QTemporaryDir dir;
    std::unique_ptr<app::AppCore> core;

    std::string user;

    Tablet(const std::string& gateway, const std::string& userId) : user(userId)
    {
        app::AppConfig cfg;
        cfg.dataDir = dir.path();
        cfg.gatewayAddress = QString::fromStdString(gateway);
        cfg.actor = {userId, "research_nurse", "01"};
        cfg.study = {"I-MICRO", "2020-1"};
        const QString keyDir = dir.path();
        cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
        core = std::make_unique<app::AppCore>(cfg);
        const Status opened = await<Status>([&](auto done) { core->open(done); });
        EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().text());
    }

    /// Gives the user `role` at site 01 of `gw` and logs in online (the device enrols).
    void loginAt(gateway::GatewayServer& gw, const std::string& role = "research_nurse")
    {
        const std::string password = test::addUser(gw, user, role);
        auto in = await<Result<app::LoginInfo>>([&](auto done) { core->login(user, password, done); });
        ASSERT_TRUE(in.ok()) << in.error().text();
        EXPECT_TRUE(in->online);
    }

    store::SaveOutcome save(store::SaveRequest r)
    {
        auto saved = await<Result<store::SaveOutcome>>([&](auto done) { core->save(std::move(r), done); });
        EXPECT_TRUE(saved.ok()) << (saved.ok() ? "" : saved.error().text());
        return saved.ok() ? saved.value() : store::SaveOutcome{};
    }

    sync::SyncReport sync()
    {
        QSignalSpy finished(core.get(), &app::AppCore::syncFinished);
        core->syncNow();
        EXPECT_TRUE(test::spinUntil([&] { return finished.count() > 0; }, 30000));
        return lastReport;
    }

    std::map<std::string, store::FieldValue> form(const store::FormKey& key)
    {
        return await<Result<std::map<std::string, store::FieldValue>>>([&](auto done) { core->loadForm(key, done); })
            .value();
    }

    store::SyncState state()
    {
        return await<Result<store::SyncState>>([&](auto done) { core->loadSyncState(done); }).value();
    }

    sync::SyncReport lastReport;
    void trackReports()
    {
        QObject::connect(core.get(), &app::AppCore::syncFinished, core.get(),
                         [this](const sync::SyncReport& r) { lastReport = r; });
    }
};

store::SaveRequest sofaDay(const std::string& subject, int day)
{
    store::SaveRequest r;
    r.form = {subject, "D" + std::to_string(day), "SOFA", 0};
    r.values["PAO2"] = store::FieldValue{"75", "mmHg"};
    r.values["FIO2"] = store::FieldValue{"50", "%"};
    r.values["RESP_SUPPORT"] = store::FieldValue{"Y", ""};
    r.values["PLATELETS"] = store::FieldValue{"85", "10^3/uL"};
    r.values["BILI"] = store::FieldValue{"40", "umol/L"};
    r.values["MAP"] = store::FieldValue{"64", "mmHg"};
    r.values["NOREPINEPHRINE"] = store::FieldValue{"0,25", "ug/kg/min"};
    r.values["GCS"] = store::FieldValue{"11", ""};
    r.values["CREAT"] = store::FieldValue{"180", "umol/L"};
    r.values["URINE_24H"] = store::FieldValue{"450", "mL/24h"};
    return r;
}

/// A gateway on loopback that knows the I-MICRO definition (its range checks refuse impossible values).
Result<std::unique_ptr<gateway::GatewayServer>> studyGateway(const QTemporaryDir& data, const Clock& clock)
{
    return gateway::GatewayServer::start(
        test::devGateway(data.path().toStdString(), "127.0.0.1:0", {CRF_STUDIES_DIR "/imicro.json"}), clock);
}

/// One nurse's tablet logged in at a gateway that knows the study, its sync reports kept.
class OneNurse : public ::testing::Test {
protected:
    SystemClock clock;
    QTemporaryDir gatewayData;
    std::unique_ptr<gateway::GatewayServer> gw = studyGateway(gatewayData, clock).value();
    Tablet a{gw->address(), "nurse-a"};
    void SetUp() override
    {
        a.loginAt(*gw);
        a.trackReports();
    }
};

/// Finds a loopback port nobody listens on: bind a gateway to port 0, note the port, stop it.
int unusedPort(const Clock& clock)
{
    QTemporaryDir scratch;
    auto probe = gateway::GatewayServer::start(test::devGateway(scratch.path().toStdString(), "127.0.0.1:0"), clock);
    const int port = probe.value()->port();
    probe.value()->shutdown();
    return port;
}

} // namespace

TEST(SyncEndToEnd, offlineSaveThenPushThenPullConvergesOnTwoTablets)
{
    SystemClock clock;
    QTemporaryDir gatewayData;
    const int port = unusedPort(clock);
    const std::string address = "127.0.0.1:" + std::to_string(port);

    // Tablet A records a SOFA day while the gateway is unreachable.
    Tablet a(address, "nurse-a");
    a.trackReports();
    a.save(sofaDay("01-001", 0));
    const auto offline = a.sync();
    EXPECT_FALSE(offline.ok());
    EXPECT_NE(offline.error.text.find("unreachable"), std::string::npos) << offline.error.text;
    EXPECT_EQ(a.state().pendingEvents, 1);
    EXPECT_NE(a.state().lastError.text.find("unreachable"), std::string::npos);

    // The gateway comes up; A reconnects and syncs.
    auto gw = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString(), address), clock);
    ASSERT_TRUE(gw.ok()) << gw.error().text();
    a.loginAt(*gw.value()); // a tablet logs in online once before it syncs
    const auto online = a.sync();
    EXPECT_TRUE(online.ok()) << online.error.text;
    EXPECT_EQ(online.pushed, 1);
    EXPECT_EQ(a.state().pendingEvents, 0);
    EXPECT_TRUE(a.state().lastError.empty());
    EXPECT_EQ(gw.value()->store().eventCount(), 1u);

    // Tablet B syncs and sees the same values, units included.
    Tablet b(address, "nurse-b");
    b.loginAt(*gw.value());
    b.trackReports();
    const auto pulled = b.sync();
    EXPECT_TRUE(pulled.ok()) << pulled.error.text;
    EXPECT_EQ(pulled.pulled, 1);
    const store::FormKey key{"01-001", "D0", "SOFA", 0};
    const auto onA = a.form(key);
    const auto onB = b.form(key);
    ASSERT_EQ(onA.size(), 10u);
    ASSERT_EQ(onB.size(), onA.size());
    for (const auto& [item, v] : onA) {
        EXPECT_EQ(onB.at(item).value, v.value) << item;
        EXPECT_EQ(onB.at(item).unit, v.unit) << item;
        EXPECT_FALSE(onB.at(item).pending);
    }

    // B corrects a value with a reason; A pulls it; both converge again and nothing is duplicated.
    store::SaveRequest fix;
    fix.form = key;
    fix.values["PLATELETS"] = store::FieldValue{"58", "10^3/uL"};
    fix.reasonCode = "TRANSCRIPTION_ERROR";
    fix.reasonText = "digits swapped";
    b.save(fix);
    EXPECT_TRUE(b.sync().ok());
    EXPECT_TRUE(a.sync().ok());
    EXPECT_EQ(a.form(key).at("PLATELETS").value, "58");
    EXPECT_EQ(b.form(key).at("PLATELETS").value, "58");
    EXPECT_EQ(gw.value()->store().eventCount(), 2u);
}

TEST(SyncEndToEnd, aGatewayRestartInTheMiddleOfASyncLosesAndDuplicatesNothing)
{
    SystemClock clock;
    QTemporaryDir gatewayData;
    const int port = unusedPort(clock);
    const std::string address = "127.0.0.1:" + std::to_string(port);
    auto options = test::devGateway(gatewayData.path().toStdString(), address);
    auto gw = gateway::GatewayServer::start(options, clock);
    ASSERT_TRUE(gw.ok());

    Tablet a(address, "nurse-a");
    a.loginAt(*gw.value());
    a.trackReports();
    // Enough saves for several push batches (SyncEngine::kPushBatch).
    const int saves = 3 * sync::SyncEngine::kPushBatch;
    for (int i = 0; i < saves; ++i) {
        store::SaveRequest r;
        r.form = {"01-" + std::to_string(100 + i / 8), "D" + std::to_string(i % 8), "SOFA", 0};
        r.values["GCS"] = store::FieldValue{std::to_string(3 + i % 13), ""};
        a.save(r);
    }
    ASSERT_EQ(a.state().pendingEvents, saves);

    // Restart the gateway as soon as the first batch is acknowledged, while the sync is still running.
    bool restarted = false;
    std::unique_ptr<gateway::GatewayServer> current = std::move(gw).value();
    QObject::connect(a.core.get(), &app::AppCore::syncProgress, a.core.get(), [&](int done, int) {
        if (restarted || done == 0)
            return;
        restarted = true;
        current->shutdown();
        current.reset();
        auto again = gateway::GatewayServer::start(options, clock);
        ASSERT_TRUE(again.ok()) << again.error().text();
        current = std::move(again).value();
    });
    const auto first = a.sync();
    EXPECT_TRUE(restarted);
    EXPECT_GT(first.pushed, 0);

    // Whatever the first pass achieved, the next one completes: every save at the gateway exactly once.
    const auto second = a.sync();
    EXPECT_TRUE(second.ok()) << second.error.text;
    EXPECT_EQ(a.state().pendingEvents, 0);
    EXPECT_EQ(current->store().eventCount(), static_cast<uint64_t>(saves));
    std::set<std::pair<std::string, uint64_t>> keys;
    for (const auto& se : current->store().eventsAfter(0, 10000))
        keys.insert({se.event().device_id(), se.event().device_seq()});
    EXPECT_EQ(keys.size(), static_cast<size_t>(saves));
}

TEST(SyncEndToEnd, aDamagedTabletDatabaseGivesAClearMessageAndIsNotOverwritten)
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("crf.db").toStdString();
    test::writeFile(path, std::string(4096, '\x11'));
    app::AppConfig cfg;
    cfg.dataDir = dir.path();
    cfg.gatewayAddress = QStringLiteral("127.0.0.1:1");
    cfg.actor = {"nurse-a", "research_nurse", "01"};
    cfg.study = {"I-MICRO", "2020-1"};
    const QString keyDir = dir.path();
    cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
    app::AppCore core(cfg);
    QSignalSpy opened(&core, &app::AppCore::opened);
    const Status status = await<Status>([&](auto done) { core.open(done); });
    ASSERT_FALSE(status.ok());
    ASSERT_EQ(opened.count(), 1);
    EXPECT_FALSE(opened.at(0).at(0).toBool());
    EXPECT_NE(opened.at(0).at(1).toString().toStdString().find("key is missing"), std::string::npos);
    EXPECT_EQ(test::readFile(path), std::string(4096, '\x11'));
    // Saves are refused with a message, not a crash.
    store::SaveRequest r = sofaDay("01-001", 0);
    auto saved = await<Result<store::SaveOutcome>>([&](auto done) { core.save(r, done); });
    EXPECT_FALSE(saved.ok());
}

TEST(SyncEndToEnd, twoTabletsEditingTheSameFieldOfflineConvergeWithTheConflictSurfacedThenResolved)
{
    SystemClock clock;
    QTemporaryDir gatewayData;
    auto gw = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString()), clock);
    ASSERT_TRUE(gw.ok());
    const std::string address = gw.value()->address();
    Tablet a(address, "nurse-a"), b(address, "nurse-b");
    a.loginAt(*gw.value());
    b.loginAt(*gw.value());
    a.trackReports();
    b.trackReports();
    const store::FormKey key{"01-001", "D0", "SOFA", 0};

    // Both offline (neither has seen the other): A records platelets 85 and GCS 13, B records platelets 58 and MAP.
    store::SaveRequest ra;
    ra.form = key;
    ra.values["PLATELETS"] = store::FieldValue{"85", "10^3/uL"};
    ra.values["GCS"] = store::FieldValue{"13", ""};
    a.save(ra);
    store::SaveRequest rb;
    rb.form = key;
    rb.values["PLATELETS"] = store::FieldValue{"58", "10^3/uL"};
    rb.values["MAP"] = store::FieldValue{"64", "mmHg"};
    b.save(rb);

    ASSERT_TRUE(a.sync().ok());
    ASSERT_TRUE(b.sync().ok());
    ASSERT_TRUE(a.sync().ok());

    // Different fields merged; the same field: first value kept on both tablets, flagged, a query open.
    for (Tablet* t : {&a, &b}) {
        const auto v = t->form(key);
        EXPECT_EQ(v.at("GCS").value, "13");
        EXPECT_EQ(v.at("MAP").value, "64");
        EXPECT_EQ(v.at("PLATELETS").value, "85");
        EXPECT_TRUE(v.at("PLATELETS").conflict);
        EXPECT_FALSE(v.at("GCS").conflict);
    }
    EXPECT_EQ(gw.value()->store().conflicts(true).size(), 1u);
    EXPECT_EQ(gw.value()->store().eventCount(), 2u) << "both values are in the audit trail";

    // B, having seen the conflict, records the checked value with a reason: resolved everywhere.
    store::SaveRequest fix;
    fix.form = key;
    fix.values["PLATELETS"] = store::FieldValue{"58", "10^3/uL"};
    fix.reasonCode = "CONFLICT_RESOLUTION";
    fix.reasonText = "checked against the lab report";
    b.save(fix);
    ASSERT_TRUE(b.sync().ok());
    ASSERT_TRUE(a.sync().ok());
    for (Tablet* t : {&a, &b}) {
        const auto v = t->form(key);
        EXPECT_EQ(v.at("PLATELETS").value, "58");
        EXPECT_FALSE(v.at("PLATELETS").conflict);
    }
    EXPECT_TRUE(gw.value()->store().conflicts(true).empty());
}

// The push is pipelined (the next batch leaves while the previous answers are written): refusals in the middle of a
// long queue and at its very end are final answers, so the batches after them go on and every other change arrives
// exactly once, both chains intact.
TEST_F(OneNurse, refusalsInsideALongQueueDoNotStopThePipelinedPush)
{
    const int total = 2 * sync::SyncEngine::kPushBatch + 50;
    const std::set<int> refusedAt{sync::SyncEngine::kPushBatch + 10, total - 1}; // in the second batch, and last
    for (int i = 0; i < total; ++i) {
        store::SaveRequest r;
        r.form = {"01-" + std::to_string(100 + i / 2), "D" + std::to_string(i % 2), "SOFA", 0};
        // An impossible platelet count bypassing the form (as an outdated app would): refused by the definition.
        r.values["PLATELETS"] = store::FieldValue{refusedAt.count(i) ? "-4" : std::to_string(50 + i), "10^3/uL"};
        a.save(r);
    }
    const auto report = a.sync();
    EXPECT_TRUE(report.ok()) << report.error.text;
    EXPECT_EQ(report.rejected, 2);
    EXPECT_EQ(report.pushed, total - 2);
    const auto state = a.state();
    EXPECT_EQ(state.pendingEvents, 0);
    EXPECT_EQ(state.refusedEvents, 2);
    EXPECT_EQ(gw->store().eventCount(), static_cast<uint64_t>(total - 2));
    EXPECT_EQ(gw->store().refusedCount(), 2u);
    std::set<uint64_t> seqs;
    for (const auto& se : gw->store().eventsAfter(0, 100000))
        seqs.insert(se.event().device_seq());
    EXPECT_EQ(seqs.size(), static_cast<size_t>(total - 2)) << "each change stored once";
    EXPECT_TRUE(gateway::verifyAudit(gw->store()).intact());
    // The refused values no longer count as pending; the accepted ones neither.
    EXPECT_FALSE(
        a.form({"01-" + std::to_string(100 + (total - 1) / 2), "D" + std::to_string((total - 1) % 2), "SOFA", 0})
            .at("PLATELETS")
            .pending);
    EXPECT_FALSE(a.form({"01-100", "D0", "SOFA", 0}).at("PLATELETS").pending);
}

TEST_F(OneNurse, aChangeRefusedByTheGatewayIsKeptAndDoesNotBlockLaterChanges)
{
    store::SaveRequest bad; // bypasses the form (as an outdated app would): refused by the gateway's definition
    bad.form = {"01-001", "D0", "SOFA", 0};
    bad.values["PLATELETS"] = store::FieldValue{"-4", "10^3/uL"};
    a.save(bad);
    store::SaveRequest good;
    good.form = {"01-001", "D0", "SOFA", 0};
    good.values["GCS"] = store::FieldValue{"13", ""};
    a.save(good);
    const auto report = a.sync();
    EXPECT_EQ(report.rejected, 1);
    EXPECT_EQ(report.pushed, 1);
    const auto state = a.state();
    EXPECT_EQ(state.pendingEvents, 0);
    EXPECT_EQ(state.refusedEvents, 1);
    EXPECT_NE(state.lastRefusal.find("Platelets"), std::string::npos) << state.lastRefusal;
    EXPECT_EQ(gw->store().eventCount(), 1u);
    EXPECT_EQ(gw->store().refusedCount(), 1u) << "the refused value is in the gateway's audit trail too";
    // Later changes keep flowing.
    store::SaveRequest more;
    more.form = {"01-001", "D1", "SOFA", 0};
    more.values["GCS"] = store::FieldValue{"14", ""};
    a.save(more);
    EXPECT_TRUE(a.sync().ok());
    EXPECT_EQ(gw->store().eventCount(), 2u);
}

TEST(SyncEndToEnd, aTabletSyncsByItselfOnceTheGatewayBecomesReachable)
{
    SystemClock clock;
    QTemporaryDir gatewayData, dir;
    const int port = unusedPort(clock);
    const std::string address = "127.0.0.1:" + std::to_string(port);
    app::AppConfig cfg;
    cfg.dataDir = dir.path();
    cfg.gatewayAddress = QString::fromStdString(address);
    cfg.actor = {"nurse-a", "research_nurse", "01"};
    cfg.study = {"I-MICRO", "2020-1"};
    const QString keyDir = dir.path();
    cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
    cfg.autoSync = true;
    cfg.autoSyncBaseMs = 100;
    cfg.autoSyncCapMs = 800;
    cfg.jitterSeed = 1;
    app::AppCore core(cfg);
    ASSERT_TRUE(await<Status>([&](auto done) { core.open(done); }).ok());
    // The nurse logged in at the start of the shift; then the ward's Wi-Fi went down (the gateway is stopped).
    {
        auto early = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString(), address), clock);
        ASSERT_TRUE(early.ok());
        const std::string password = test::addUser(*early.value(), "nurse-a");
        ASSERT_TRUE(await<Result<app::LoginInfo>>([&](auto d) { core.login("nurse-a", password, d); }).ok());
    }
    int attempts = 0;
    QObject::connect(&core, &app::AppCore::syncStarted, &core, [&] { ++attempts; });

    store::SaveRequest r = sofaDay("01-001", 0);
    ASSERT_TRUE(await<Result<store::SaveOutcome>>([&](auto d) { core.save(r, d); }).ok());
    auto pending = [&] {
        return await<Result<store::SyncState>>([&](auto d) { core.loadSyncState(d); })->pendingEvents;
    };
    // Offline: it keeps trying on its own, and keeps the change.
    EXPECT_TRUE(test::spinUntil([&] { return attempts >= 2; }, 20000));
    EXPECT_EQ(pending(), 1);

    // The gateway appears: no one presses Sync.
    auto gw = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString(), address), clock);
    ASSERT_TRUE(gw.ok());
    EXPECT_TRUE(test::spinUntil([&] { return gw.value()->store().eventCount() == 1; }, 20000));
    EXPECT_TRUE(test::spinUntil([&] { return !core.syncing() && pending() == 0; }, 20000));
}

TEST(SyncEndToEnd, aGatewayOutOfReachIsKnownAfterOneAttemptAndUsedAtOnceWhenItIsBack)
{
    SystemClock clock;
    QTemporaryDir gatewayData, tabletDir;
    const std::string address = "127.0.0.1:" + std::to_string(unusedPort(clock));
    auto tablet =
        store::TabletStore::openWithKey((tabletDir.path() + "/tablet.db").toStdString(), SecretKey::random(), clock)
            .value();
    // A wait far longer than a connection attempt on loopback: each step below must end well before it (an offline
    // login at the bedside used to sit out the whole wait at each user switch).
    constexpr auto kWait = std::chrono::seconds(20);
    constexpr auto kWithin = std::chrono::seconds(5);
    sync::SyncClient client(address);
    client.setConnectWait(kWait);
    auto timed = [](const auto& step) {
        const auto start = std::chrono::steady_clock::now();
        step();
        return std::chrono::steady_clock::now() - start;
    };

    // Nothing listens: a new channel, then the one that failed.
    for (const char* channel : {"new", "failed"}) {
        Status reached;
        EXPECT_LT(timed([&] { reached = client.reach("sync"); }), kWithin) << channel;
        ASSERT_FALSE(reached.ok()) << channel;
        EXPECT_TRUE(sync::notReached(reached.error())) << reached.error().text();
    }
    // An online login falls back at once (the app then checks the password offline).
    test::DeviceSecrets secrets;
    Result<v1::LoginResponse> in = Error{"login", "not tried"};
    EXPECT_LT(timed([&] { in = secrets.login(client, "nurse", tablet->deviceId()); }), kWithin);
    ASSERT_FALSE(in.ok());
    EXPECT_TRUE(sync::notReached(in.error())) << in.error().text();
    // A sync pass ends at once with the reason kept for the screen.
    sync::SyncEngine engine([&](const auto& fn) { fn(*tablet); }, client, clock, "I-MICRO");
    sync::SyncReport report;
    EXPECT_LT(timed([&] { report = engine.run(); }), kWithin);
    EXPECT_FALSE(report.ok());
    EXPECT_NE(tablet->syncState()->lastError.text.find("unreachable"), std::string::npos)
        << tablet->syncState()->lastError.text;

    // The gateway is back: the same client uses it on its next call.
    auto gw = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString(), address), clock);
    ASSERT_TRUE(gw.ok());
    test::addUser(*gw.value(), "nurse");
    EXPECT_LT(timed([&] { in = secrets.login(client, "nurse", tablet->deviceId()); }), kWithin);
    ASSERT_TRUE(in.ok()) << in.error().text();
    client.setSession(in->token(), "01");
    EXPECT_LT(timed([&] { report = engine.run(); }), kWithin);
    EXPECT_TRUE(report.ok()) << report.error.text;
}

TEST(SyncEndToEnd, aRecordEnteredInErrorReachesOtherTabletsAndTheAuditTrailWithItsValues)
{
    SystemClock clock;
    QTemporaryDir gatewayData;
    auto gw = studyGateway(gatewayData, clock);
    ASSERT_TRUE(gw.ok());
    Tablet a(gw.value()->address(), "nurse-a"), b(gw.value()->address(), "nurse-b");
    a.loginAt(*gw.value());
    b.loginAt(*gw.value());
    a.trackReports();
    b.trackReports();
    const store::FormKey key{"01-001", "D0", "SOFA", 0};
    a.save(sofaDay("01-001", 0));
    auto marked = await<Result<store::SaveOutcome>>(
        [&](auto d) { a.core->setRecordStatus(key, crf::kEnteredInError, "ENTERED_IN_ERROR", "wrong patient", d); });
    ASSERT_TRUE(marked.ok()) << marked.error().text();
    ASSERT_TRUE(a.sync().ok());
    ASSERT_TRUE(b.sync().ok());
    auto status = await<Result<std::string>>([&](auto d) { b.core->loadRecordStatus(key, d); });
    EXPECT_EQ(*status, crf::kEnteredInError);
    EXPECT_EQ(b.form(key).at("PLATELETS").value, "85") << "marked, not deleted";
    auto history = gateway::fieldHistory(gw.value()->store(), "01-001");
    ASSERT_TRUE(history.ok());
    EXPECT_EQ(history->back().itemOid, "(record status)");
    EXPECT_EQ(history->back().newValue, crf::kEnteredInError);
    EXPECT_EQ(history->back().reasonText, "wrong patient");
}

TEST(Signatures, anInvestigatorSignsWithThePasswordAndTheSignatureSyncsAndBreaksOnALaterChange)
{
    SystemClock clock;
    QTemporaryDir gatewayData;
    auto gw = studyGateway(gatewayData, clock);
    ASSERT_TRUE(gw.ok());
    Tablet inv(gw.value()->address(), "inv-01"), nurse(gw.value()->address(), "nurse-01");
    inv.loginAt(*gw.value(), "investigator");
    nurse.loginAt(*gw.value());
    nurse.save(sofaDay("01-001", 0));
    ASSERT_TRUE(nurse.sync().ok());
    ASSERT_TRUE(inv.sync().ok());

    const store::FormKey key{"01-001", "D0", "SOFA", 0};
    const std::string meaning = "I approve the data of this form as accurate and complete";
    auto sign = [&](Tablet& t, const std::string& password) {
        return await<Result<store::SaveOutcome>>([&](auto done) { t.core->sign(key, false, meaning, password, done); });
    };
    auto signatures = [](Tablet& t) {
        return await<Result<std::vector<store::SignatureState>>>(
                   [&](auto done) { t.core->loadSignatures("01-001", done); })
            .value();
    };
    // Signing asks for the password again; a wrong one signs nothing. A nurse cannot sign.
    const auto wrong = sign(inv, "not-the-password");
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.error().text().find("password is wrong"), std::string::npos);
    EXPECT_FALSE(sign(nurse, test::passwordOf("nurse-01")).ok());
    EXPECT_TRUE(signatures(inv).empty());
    const auto signedForm = sign(inv, test::passwordOf("inv-01"));
    ASSERT_TRUE(signedForm.ok()) << signedForm.error().text();
    ASSERT_TRUE(inv.sync().ok());

    // The signature is in the gateway's audit trail, with the printed name and meaning.
    auto history = gateway::fieldHistory(gw.value()->store(), "01-001").value();
    bool inAudit = false;
    for (const auto& h : history)
        inAudit = inAudit || (h.itemOid == "(signature)" && h.userId == "inv-01" &&
                              h.newValue.find("Test inv-01") != std::string::npos &&
                              h.newValue.find(meaning) != std::string::npos);
    EXPECT_TRUE(inAudit);
    EXPECT_TRUE(gateway::verifyAudit(gw.value()->store()).intact());

    // The nurse's tablet receives it, intact; a later change shows it broken on both tablets.
    ASSERT_TRUE(nurse.sync().ok());
    auto onNurse = signatures(nurse);
    ASSERT_EQ(onNurse.size(), 1u);
    EXPECT_TRUE(onNurse[0].intact);
    EXPECT_EQ(onNurse[0].printedName, "Test inv-01");
    store::SaveRequest fix;
    fix.form = key;
    fix.values["GCS"] = store::FieldValue{"12", ""};
    fix.reasonCode = "CORRECTION";
    fix.reasonText = "GCS re-assessed off sedation";
    nurse.save(fix);
    EXPECT_FALSE(signatures(nurse)[0].intact);
    ASSERT_TRUE(nurse.sync().ok());
    ASSERT_TRUE(inv.sync().ok());
    EXPECT_FALSE(signatures(inv)[0].intact) << "the investigator is asked to sign again";
    ASSERT_TRUE(sign(inv, test::passwordOf("inv-01")).ok());
    EXPECT_TRUE(signatures(inv).back().intact);
}

// The storage that can be made full (tests/support/full_storage.h) is under every SQLite file of this test binary,
// the tablets' and the gateway's: its main() installs it first (CRF_TEST_FULL_STORAGE_FIRST).
using StorageFull = OneNurse;

// A tablet whose storage fills (photos, other apps) refuses what it cannot write with a message the nurse can act
// on, keeps everything saved before, and once space is back sends each change exactly once: the change the gateway
// stored while the tablet could not write its acknowledgement comes back as a duplicate, acknowledged and stored once.
TEST_F(StorageFull, aFullTabletLosesNothingAndEachChangeReachesTheGatewayOnce)
{
    Tablet b(gw->address(), "nurse-b");
    b.loginAt(*gw);
    a.save(sofaDay("01-001", 0));
    a.sync();
    a.save(sofaDay("01-001", 1)); // saved, not yet sent
    b.save(sofaDay("01-002", 0));
    b.sync(); // something for a to pull

    const std::string aDir = a.dir.path().toStdString();
    test::FullStorage::fill(aDir);
    const int refusedBefore = test::FullStorage::refused();
    auto refused = await<Result<store::SaveOutcome>>([&](auto done) { a.core->save(sofaDay("01-001", 2), done); });
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("storage is full"), std::string::npos) << refused.error().text();
    EXPECT_NE(refused.error().text().find("nothing saved before is lost"), std::string::npos);
    EXPECT_GT(test::FullStorage::refused(), refusedBefore) << "the write reached the full storage";
    auto photo = await<Result<std::string>>([&](auto done) { a.core->addPhoto(test::randomJpeg(200'000), done); });
    ASSERT_FALSE(photo.ok());
    EXPECT_NE(photo.error().text().find("storage is full"), std::string::npos) << photo.error().text();

    // What was saved before is all there and still pending; a sync sends it, but the tablet cannot write the answer.
    EXPECT_EQ(a.form({"01-001", "D1", "SOFA", 0}).at("PLATELETS").value, "85");
    EXPECT_EQ(a.state().pendingEvents, 1);
    EXPECT_EQ(a.state().pendingPhotos, 0) << "no photo pending without its bytes";
    const auto whileFull = a.sync();
    EXPECT_NE(whileFull.error.text.find("storage is full"), std::string::npos) << whileFull.error.text;
    EXPECT_EQ(gw->store().eventCount(), 3u) << "the gateway stored the change; the tablet could not note it";
    EXPECT_EQ(a.state().pendingEvents, 1) << "still pending on the tablet";

    test::FullStorage::empty();
    a.save(sofaDay("01-001", 2));
    const auto after = a.sync();
    EXPECT_TRUE(after.error.empty()) << after.error.text;
    EXPECT_EQ(a.state().pendingEvents, 0);
    EXPECT_EQ(gw->store().eventCount(), 4u) << "every change exactly once";
    EXPECT_EQ(a.form({"01-002", "D0", "SOFA", 0}).at("PLATELETS").value, "85") << "the other tablet's form pulled";
    EXPECT_TRUE(gateway::verifyAudit(gw->store()).intact()) << "the device's chain has no gap";
}

// The gateway's storage fills: a batch it cannot commit is stored not at all (not half, not in its chains) and not
// acknowledged; the tablet keeps every change, and once space is back each arrives exactly once with both hash chains
// intact.
TEST_F(StorageFull, aGatewayWhoseStorageIsFullStoresNothingHalfAndTakesEveryChangeOnceSpaceIsBack)
{
    a.save(sofaDay("01-001", 0));
    a.sync();
    ASSERT_EQ(gw->store().eventCount(), 1u);

    for (int day = 1; day <= 3; ++day)
        a.save(sofaDay("01-001", day));
    test::FullStorage::fill(gatewayData.path().toStdString());
    const int refusedBefore = test::FullStorage::refused();
    const auto whileFull = a.sync();
    // The gateway answered: not "unreachable" (nobody should look for a network fault), its reason inside.
    EXPECT_NE(whileFull.error.text.find("cannot sync now: the gateway's storage failed ("), std::string::npos)
        << "[" << whileFull.error.text << "]";
    EXPECT_NE(whileFull.error.text.find("full"), std::string::npos) << whileFull.error.text;
    EXPECT_NE(whileFull.error.text.find("changes are kept on this tablet"), std::string::npos);
    EXPECT_EQ(whileFull.error.text.find("unreachable"), std::string::npos);
    EXPECT_GT(test::FullStorage::refused(), refusedBefore) << "the gateway's writes reached the full storage";
    EXPECT_EQ(gw->store().eventCount(), 1u) << "nothing of the batch stored";
    EXPECT_EQ(a.state().pendingEvents, 3) << "every change kept on the tablet";
    a.save(sofaDay("01-001", 4));
    const auto again = a.sync();
    EXPECT_FALSE(again.error.empty());

    test::FullStorage::empty();
    const auto after = a.sync();
    EXPECT_TRUE(after.error.empty()) << after.error.text;
    EXPECT_EQ(a.state().pendingEvents, 0);
    EXPECT_EQ(gw->store().eventCount(), 5u) << "every change exactly once";
    EXPECT_TRUE(gateway::verifyAudit(gw->store()).intact()) << "no link of either chain lost to the failed commits";
    Tablet b(gw->address(), "nurse-b");
    b.loginAt(*gw);
    b.sync();
    EXPECT_EQ(b.form({"01-001", "D4", "SOFA", 0}).at("PLATELETS").value, "85");
}

// The same photo bytes from two sites (a photo imported at both): the second site's tablet finds the photo verified
// at the gateway and sends no byte of it, but its site must still be linked, or nobody there could download it.
TEST_F(OneNurse, aPhotoTheGatewayHoldsAlreadyIsLinkedToTheSecondSiteThatSendsIt)
{
    const std::string jpeg = test::randomJpeg(300'000);
    const auto digest = await<Result<std::string>>([&](auto done) { a.core->addPhoto(jpeg, done); });
    ASSERT_TRUE(digest.ok()) << digest.error().text();
    a.sync();
    ASSERT_EQ(gw->store().photoSites(*digest), std::vector<std::string>{"01"});

    Tablet other(gw->address(), "nurse-c");
    const std::string password = test::addUser(*gw, "nurse-c", "research_nurse", "02");
    ASSERT_TRUE((await<Result<app::LoginInfo>>([&](auto done) { other.core->login("nurse-c", password, done); })).ok());
    ASSERT_EQ(await<Result<std::string>>([&](auto done) { other.core->addPhoto(jpeg, done); }).value(), *digest);
    other.trackReports();
    const auto report = other.sync();
    EXPECT_TRUE(report.error.empty()) << report.error.text;
    EXPECT_EQ(other.state().pendingPhotos, 0);
    EXPECT_EQ(gw->store().photoSites(*digest), (std::vector<std::string>{"01", "02"}));
    EXPECT_EQ(gw->store().photosVerified(), 1u) << "stored once";
}
