// The tablet session as the screens use it: login online then offline, lock after inactivity that keeps the user's
// place, unlock with the same password only, and a user switch that closes the previous user's pages.
#include "app_core.h"
#include "form_model.h"
#include "gateway_access.h"
#include "key_store.h"
#include "session_controller.h"
#include "study_controller.h"
#include "test_support.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using namespace crf;

TEST(TabletSession, loginLocksWhenIdleUnlocksWithThePasswordAndASwitchEndsTheSession)
{
    SystemClock clock;
    QTemporaryDir gatewayData, tabletDir;
    auto gw = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString()), clock).value();
    const std::string password = test::addUser(*gw, "nurse-a");
    app::AppConfig cfg;
    cfg.dataDir = tabletDir.path();
    cfg.gatewayAddress = QString::fromStdString(gw->address());
    cfg.study = {"I-MICRO", "2020-1"};
    const QString keyDir = tabletDir.path();
    cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
    app::AppCore core(cfg);
    ui::SessionController session(&core);
    ASSERT_TRUE(test::await<Status>([&](auto done) { core.open(done); }).ok());
    ASSERT_FALSE(session.loggedIn());

    // A wrong password: refused with the gateway's words, still logged out.
    session.login("nurse-a", "Not-The-Password-1");
    ASSERT_TRUE(test::spinUntil([&] { return !session.busy(); }));
    EXPECT_FALSE(session.loggedIn());
    EXPECT_EQ(session.loginError(), "user id or password is wrong");

    session.setLockAfterMs(200);
    session.login("nurse-a", QString::fromStdString(password));
    ASSERT_TRUE(test::spinUntil([&] { return session.loggedIn(); }));
    EXPECT_FALSE(session.offline());
    EXPECT_EQ(session.userId(), "nurse-a");
    EXPECT_EQ(session.role(), "research_nurse");
    EXPECT_EQ(session.siteId(), "01");

    // Idle: locked, still logged in (the pages under the lock keep their unsaved input).
    ASSERT_TRUE(test::spinUntil([&] { return session.locked(); }, 5000));
    EXPECT_TRUE(session.loggedIn());
    session.unlock("Not-The-Password-1");
    ASSERT_TRUE(test::spinUntil([&] { return !session.busy(); }));
    EXPECT_TRUE(session.locked());
    EXPECT_FALSE(session.loginError().isEmpty());
    session.setLockAfterMs(60 * 60 * 1000);
    session.unlock(QString::fromStdString(password));
    ASSERT_TRUE(test::spinUntil([&] { return !session.locked(); }));

    // A user switch: pages are told to close first, then nobody is logged in and nothing is stamped.
    QSignalSpy closing(&session, &ui::SessionController::switchingUser);
    session.switchUser();
    EXPECT_EQ(closing.count(), 1);
    EXPECT_FALSE(session.loggedIn());
    EXPECT_TRUE(session.userId().isEmpty());

    // The gateway goes away: the same user logs in offline with the verifier kept on this tablet; another does not.
    gw->shutdown();
    session.login("nurse-b", QString::fromStdString(password));
    ASSERT_TRUE(test::spinUntil([&] { return !session.busy(); }, 15000));
    EXPECT_FALSE(session.loggedIn());
    session.login("nurse-a", QString::fromStdString(password));
    ASSERT_TRUE(test::spinUntil([&] { return !session.busy(); }, 15000));
    EXPECT_TRUE(session.loggedIn());
    EXPECT_TRUE(session.offline());
    EXPECT_EQ(session.role(), "research_nurse");
}

TEST(TabletSession, anInvestigatorSignsAFormFromItsPageAndSeesTheSignatureBreakAfterAChange)
{
    SystemClock clock;
    QTemporaryDir gatewayData, tabletDir;
    auto gw = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString()), clock).value();
    const std::string password = test::addUser(*gw, "inv-01", "investigator");
    auto definition = ui::StudyController::loadFile(QStringLiteral(CRF_STUDIES_DIR "/imicro.json")).value();
    ui::StudyController study{definition};
    app::AppConfig cfg;
    cfg.dataDir = tabletDir.path();
    cfg.gatewayAddress = QString::fromStdString(gw->address());
    cfg.definition = definition;
    const QString keyDir = tabletDir.path();
    cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
    app::AppCore core(cfg);
    ASSERT_TRUE(test::await<Status>([&](auto done) { core.open(done); }).ok());
    ASSERT_TRUE(test::await<Result<app::LoginInfo>>([&](auto d) { core.login("inv-01", password, d); }).ok());

    ui::FormModel form;
    form.setStudy(&study);
    form.setCore(&core);
    form.setProperty("subjectId", QStringLiteral("01-001"));
    form.setProperty("visitOid", QStringLiteral("D0"));
    form.setFormOid(QStringLiteral("SOFA"));
    form.load();
    ASSERT_TRUE(test::spinUntil([&] { return !form.busy(); }));
    EXPECT_TRUE(form.canSign());
    const std::vector<std::pair<const char*, const char*>> values = {
        {"PAO2", "68"},   {"FIO2", "45"},      {"RESP_SUPPORT", "Y"},      {"PLATELETS", "92"},
        {"BILI", "38"},   {"MAP", "66"},       {"NOREPINEPHRINE", "0,32"}, {"GCS", "10"},
        {"CREAT", "190"}, {"URINE_24H", "420"}};
    for (const auto& [oid, v] : values)
        form.setValue(QString::fromLatin1(oid), QString::fromLatin1(v));
    QSignalSpy saved(&form, &ui::FormModel::saved);
    form.save();
    ASSERT_TRUE(test::spinUntil([&] { return saved.count() == 1; }));
    ASSERT_TRUE(saved.at(0).at(0).toBool()) << saved.at(0).at(1).toString().toStdString();

    form.sign("Not-The-Password-1");
    ASSERT_TRUE(test::spinUntil([&] { return !form.busy(); }));
    EXPECT_NE(form.message().indexOf("password is wrong"), -1) << form.message().toStdString();
    EXPECT_TRUE(form.signatureText().isEmpty());

    form.sign(QString::fromStdString(password));
    ASSERT_TRUE(test::spinUntil([&] { return form.signatureIntact(); }));
    EXPECT_NE(form.signatureText().indexOf("Signed by Test inv-01"), -1) << form.signatureText().toStdString();

    form.setValue("GCS", "11");
    form.save("TRANSCRIPTION_ERROR", "typed 10 for 11");
    ASSERT_TRUE(test::spinUntil([&] { return saved.count() == 2; }));
    ASSERT_TRUE(saved.at(1).at(0).toBool()) << saved.at(1).at(1).toString().toStdString();
    form.load();
    ASSERT_TRUE(test::spinUntil([&] { return !form.signatureIntact() && !form.signatureText().isEmpty(); }));
    EXPECT_NE(form.signatureText().indexOf("broken"), -1) << form.signatureText().toStdString();

    // The whole casebook, from the casebook page's controller.
    ui::SessionController session(&core);
    QSignalSpy casebook(&session, &ui::SessionController::casebookSignature);
    session.signCasebook("01-001", "Not-The-Password-1");
    ASSERT_TRUE(test::spinUntil([&] { return casebook.count() == 1; }));
    EXPECT_NE(casebook.at(0).at(3).toString().indexOf("password is wrong"), -1);
    session.signCasebook("01-001", QString::fromStdString(password));
    ASSERT_TRUE(test::spinUntil([&] { return casebook.count() == 2; }));
    EXPECT_NE(casebook.at(1).at(1).toString().indexOf("Casebook signed by Test inv-01"), -1)
        << casebook.at(1).at(1).toString().toStdString();
    EXPECT_TRUE(casebook.at(1).at(2).toBool());
}

// Whoever holds a tablet can try passwords against the verifier kept on it, where the gateway's lockout does not
// reach: the tablet counts the wrong ones itself, for the offline login and the unlock alike (21 CFR 11.300(d)).
// Five are free, then each attempt waits (the right password too), and after ten only an online login opens the
// tablet to that user again, across a restart of the app.
TEST(TabletSession, wrongPasswordsCheckedOfflineAreLimitedUntilAnOnlineLogin)
{
    SystemClock gatewayClock;
    ManualClock clock(gatewayClock.nowMs());
    QTemporaryDir gatewayData, tabletDir;
    auto gw = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString()), gatewayClock).value();
    const std::string address = gw->address();
    const QString password = QString::fromStdString(test::addUser(*gw, "nurse-a"));
    app::AppConfig cfg;
    cfg.dataDir = tabletDir.path();
    cfg.gatewayAddress = QString::fromStdString(address);
    cfg.study = {"I-MICRO", "2020-1"};
    cfg.clock = &clock;
    const QString keyDir = tabletDir.path();
    cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
    auto core = std::make_unique<app::AppCore>(cfg);
    auto session = std::make_unique<ui::SessionController>(core.get());
    ASSERT_TRUE(test::await<Status>([&](auto done) { core->open(done); }).ok());
    const auto login = [&](const QString& pw) {
        session->login("nurse-a", pw);
        EXPECT_TRUE(test::spinUntil([&] { return !session->busy(); }, 15000));
        return session->loggedIn();
    };
    const auto unlock = [&](const QString& pw) {
        session->unlock(pw);
        EXPECT_TRUE(test::spinUntil([&] { return !session->busy(); }, 15000));
        return !session->locked();
    };
    ASSERT_TRUE(login(password)) << "online, the verifier is kept";
    session->lockNow();
    gw->shutdown();

    // Four wrong passwords at the lock screen and a fifth at an offline login: all answered as wrong, all counted
    // for the user; from the second, the answer says how many are left before a wait.
    for (int n = 1; n <= 4; ++n) {
        EXPECT_FALSE(unlock("Not-The-Password-1"));
        EXPECT_TRUE(session->loginError().contains("password is wrong")) << n << session->loginError().toStdString();
        EXPECT_EQ(session->loginError().contains(QString("After %1 more wrong password(s)").arg(5 - n)), n >= 2)
            << n << session->loginError().toStdString();
    }
    session->switchUser();
    EXPECT_FALSE(login("Not-The-Password-1"));
    EXPECT_TRUE(session->loginError().contains("password is wrong")) << session->loginError().toStdString();
    EXPECT_TRUE(session->loginError().contains("Try again in 1 min; after 5 more wrong password(s), only an online "
                                               "login"))
        << session->loginError().toStdString();
    // Then even the right one waits a minute, unchecked.
    EXPECT_FALSE(login(password));
    EXPECT_TRUE(session->loginError().contains("try again in 60 s")) << session->loginError().toStdString();
    clock.advance(60'000);
    ASSERT_TRUE(login(password)) << "waited: the right password opens, and clears the count";
    EXPECT_TRUE(session->offline());

    // From zero again: five free, then the wait, to the second.
    session->lockNow();
    for (int n = 1; n <= 5; ++n)
        EXPECT_FALSE(unlock("Not-The-Password-1")) << n;
    EXPECT_FALSE(unlock(password));
    EXPECT_TRUE(session->loginError().contains("try again in 60 s")) << session->loginError().toStdString();
    clock.advance(59'000);
    EXPECT_FALSE(unlock(password));
    EXPECT_TRUE(session->loginError().contains("try again in 1 s")) << session->loginError().toStdString();
    clock.advance(1'000);
    // Each further wrong one, after its wait, doubles it (2, 4, 8, then 15 min), up to ten in a row.
    for (const int64_t wait : {0, 120'000, 240'000, 480'000, 900'000}) {
        clock.advance(wait);
        EXPECT_FALSE(unlock("Not-The-Password-1"));
        EXPECT_TRUE(session->loginError().contains("password is wrong")) << wait << session->loginError().toStdString();
    }
    EXPECT_TRUE(session->loginError().contains("Only an online login (with the network) opens this tablet to you now"))
        << session->loginError().toStdString();
    clock.advance(24 * 3600 * 1000);
    EXPECT_FALSE(unlock(password));
    EXPECT_TRUE(session->loginError().contains("only log in online")) << session->loginError().toStdString();
    session->switchUser();

    // The count is in the encrypted store: a restart of the app does not reset it.
    session.reset();
    core.reset();
    core = std::make_unique<app::AppCore>(cfg);
    session = std::make_unique<ui::SessionController>(core.get());
    ASSERT_TRUE(test::await<Status>([&](auto done) { core->open(done); }).ok());
    EXPECT_FALSE(login(password));
    EXPECT_TRUE(session->loginError().contains("only log in online")) << session->loginError().toStdString();

    // The gateway is back: an online login with the right password clears the count; offline works again.
    auto back = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString(), address), gatewayClock)
                    .value();
    ASSERT_TRUE(login(password)) << session->loginError().toStdString();
    EXPECT_FALSE(session->offline());
    // ... and the wrong ones are reported with it, in the gateway's security log (no password, only the count).
    std::vector<std::string> logins;
    for (const auto& e : back->identity().store().securityLog())
        if (e.action == "login" && e.actor == "nurse-a")
            logins.push_back(e.detail);
    EXPECT_EQ(logins, (std::vector<std::string>{"", "10 wrong password(s) checked offline on this device before"}));
    session->switchUser();
    back->shutdown();
    EXPECT_TRUE(login(password));
    EXPECT_TRUE(session->offline());
}
