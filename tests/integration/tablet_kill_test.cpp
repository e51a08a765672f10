// Fault test: the tablet itself killed with SIGKILL (a flat battery, the system ending the app) at seeded moments
// while it saves forms, adds photos and syncs, then started again on the same encrypted store, ten times over. The
// tablet is crf-test-tablet (tests/support/tablet_worker.cpp: AppCore with its threads, a real SQLCipher store, an
// online login) in a process of its own; the gateway is real, on loopback. Every save the tablet said was committed
// reaches the gateway exactly once with its values, every photo is verified, and both hash chains stay intact.
#include "app_core.h"
#include "domain/audit.h"
#include "gateway_access.h"
#include "gateway_server.h"
#include "key_store.h"
#include "test_support.h"

#include <QProcess>
#include <QTemporaryDir>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <set>
#include <signal.h>
#include <sstream>

using namespace crf;

namespace {

/// One run of crf-test-tablet and the lines it said.
class TabletProcess {
public:
    TabletProcess(const std::string& data, const std::string& gateway, const std::string& password, int from, int to)
    {
        m_process.setProgram(QStringLiteral(CRF_BIN_DIR "/crf-test-tablet"));
        m_process.setArguments({"--data", QString::fromStdString(data), "--gateway", QString::fromStdString(gateway),
                                "--user", "nurse-k", "--from", QString::number(from), "--to", QString::number(to),
                                "--sync-every", "3", "--photo-every", "7"});
        m_process.start();
        m_process.waitForStarted();
        m_process.write((password + "\n").c_str());
        m_process.closeWriteChannel();
    }
    ~TabletProcess()
    {
        if (m_process.state() != QProcess::NotRunning)
            kill();
    }

    /// Waits (reading what it says) until `done(lines)` or the timeout.
    bool waitFor(const std::function<bool(const std::vector<std::string>&)>& done, int timeoutMs)
    {
        return test::spinUntil(
                   [&] {
                       read();
                       return done(m_lines) || m_process.state() == QProcess::NotRunning;
                   },
                   timeoutMs) &&
               done(m_lines);
    }
    /// SIGKILL: no shutdown, nothing flushed.
    void kill()
    {
        // Never kill(0): with no process left, that would be this test's whole process group.
        if (const qint64 pid = m_process.processId(); pid > 0 && m_process.state() != QProcess::NotRunning)
            ::kill(static_cast<pid_t>(pid), SIGKILL);
        m_process.waitForFinished(10000);
        read();
    }
    bool finishedCleanly()
    {
        m_process.waitForFinished(60000);
        read();
        return m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
    }
    const std::vector<std::string>& lines() const { return m_lines; }
    std::string errors() { return m_process.readAllStandardError().toStdString(); }

private:
    void read()
    {
        m_partial += m_process.readAllStandardOutput().toStdString();
        for (auto end = m_partial.find('\n'); end != std::string::npos; end = m_partial.find('\n')) {
            m_lines.push_back(m_partial.substr(0, end));
            m_partial.erase(0, end + 1);
        }
    }
    QProcess m_process;
    std::vector<std::string> m_lines;
    std::string m_partial;
};

bool says(const std::vector<std::string>& lines, const std::string& first)
{
    for (const auto& l : lines)
        if (l.rfind(first, 0) == 0)
            return true;
    return false;
}

} // namespace

TEST(TabletKill, aTabletKilledAnywhereInItsSavesPhotosAndSyncsLosesNothingAndSendsEachChangeOnce)
{
    SystemClock clock;
    QTemporaryDir gatewayData, tabletDir;
    auto gw = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString()), clock).value();
    const std::string password = test::addUser(*gw, "nurse-k");
    const std::string data = tabletDir.path().toStdString();
    constexpr int kForms = 300; // more than ten short runs can save: every round ends in a kill
    std::mt19937 rng(20261123);

    std::set<int> saved;             // saves the tablet said were committed
    std::set<std::string> photos;    // photos the tablet said it kept
    std::vector<std::string> synced; // the sync passes it finished
    auto collect = [&](const TabletProcess& t) {
        for (const auto& l : t.lines()) {
            std::istringstream in(l);
            std::string word;
            in >> word;
            if (word == "saved") {
                int i = -1;
                in >> i;
                saved.insert(i);
            } else if (word == "photo") {
                int i = -1;
                std::string digest;
                in >> i >> digest;
                photos.insert(digest);
            } else if (word == "synced") {
                synced.push_back(l);
            }
        }
    };

    int from = 0, kills = 0;
    for (int round = 0; round < 10 && from < kForms; ++round) {
        TabletProcess t(data, gw->address(), password, from, kForms);
        ASSERT_TRUE(t.waitFor([](const auto& lines) { return says(lines, "open"); }, 30000))
            << "round " << round << ": the store did not open again: " << t.errors();
        // Some work first, then the kill at a seeded moment: inside a save, a photo, or a sync's push, its
        // acknowledgement, a photo's chunks or the pull.
        ASSERT_TRUE(t.waitFor([](const auto& lines) { return says(lines, "saved"); }, 30000)) << t.errors();
        const int pauseMs = std::uniform_int_distribution<int>(0, 100)(rng);
        test::spinUntil([] { return false; }, pauseMs);
        t.kill();
        ++kills;
        collect(t);
        from = saved.empty() ? 0 : *saved.rbegin() + 1;
    }
    // The last run finishes the forms and syncs until nothing is pending.
    TabletProcess last(data, gw->address(), password, from, kForms);
    ASSERT_TRUE(last.waitFor([](const auto& lines) { return says(lines, "done"); }, 120000)) << last.errors();
    EXPECT_TRUE(last.finishedCleanly()) << last.errors();
    collect(last);
    EXPECT_EQ(kills, 10);
    EXPECT_GE(synced.size(), 10u) << "the kills came while the tablet synced too";
    ASSERT_EQ(saved.size(), static_cast<size_t>(kForms));

    // Each form at the gateway once (a form saved again after a kill is the same values: no change, no event),
    // with the values the tablet saved.
    std::map<std::string, int> eventsOf;
    std::map<std::string, std::map<std::string, std::string>> valuesOf;
    for (const auto& se : gw->store().eventsAfter(0, 100000)) {
        const auto& f = se.event().form();
        const std::string key = f.subject_id() + "/" + f.visit_oid() + "/" + f.form_oid();
        ++eventsOf[key];
        for (const auto& c : se.event().changes())
            valuesOf[key][c.item_oid()] = c.new_value();
    }
    EXPECT_EQ(gw->store().eventCount(), static_cast<uint64_t>(kForms));
    for (int i = 0; i < kForms; ++i) {
        const std::string key = "01-" + std::to_string(100 + i / 8) + "/D" + std::to_string(i % 8) + "/SOFA";
        EXPECT_EQ(eventsOf[key], 1) << key;
        EXPECT_EQ(valuesOf[key]["GCS"], std::to_string(3 + i % 13)) << key;
        EXPECT_EQ(valuesOf[key]["PLATELETS"], std::to_string(50 + i)) << key;
    }
    // Every photo the tablet said it kept is verified at the gateway (one kept just before a kill, unsaid, too).
    ASSERT_FALSE(photos.empty());
    for (const auto& digest : photos)
        EXPECT_EQ(gw->store().photoSites(digest), std::vector<std::string>{"01"}) << digest;
    EXPECT_GE(gw->store().photosVerified(), photos.size());
    const auto audit = gateway::verifyAudit(gw->store());
    EXPECT_TRUE(audit.intact()) << audit.firstBrokenLink.value_or("");

    // The tablet's own store, opened as the app opens it: every form with its values, nothing pending.
    app::AppConfig cfg;
    cfg.dataDir = tabletDir.path();
    cfg.actor = {"nurse-k", "research_nurse", "01"};
    cfg.study = {"I-MICRO", "2020-1"};
    const QString keyDir = tabletDir.path();
    cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
    app::AppCore tablet(cfg);
    ASSERT_TRUE(test::await<Status>([&](auto done) { tablet.open(done); }).ok());
    for (int i = 0; i < kForms; ++i) {
        const store::FormKey key{"01-" + std::to_string(100 + i / 8), "D" + std::to_string(i % 8), "SOFA", 0};
        const auto values = test::await<Result<std::map<std::string, store::FieldValue>>>(
            [&](auto done) { tablet.loadForm(key, done); });
        ASSERT_TRUE(values.ok()) << values.error().text();
        EXPECT_EQ(values->count("GCS") ? values->at("GCS").value : "", std::to_string(3 + i % 13)) << i;
        EXPECT_EQ(values->count("PLATELETS") ? values->at("PLATELETS").value : "", std::to_string(50 + i)) << i;
    }
    const auto state = test::await<Result<store::SyncState>>([&](auto done) { tablet.loadSyncState(done); });
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->pendingEvents, 0);
    EXPECT_EQ(state->pendingPhotos, 0);
    EXPECT_EQ(state->pullCursor, static_cast<uint64_t>(kForms)) << "its own events came back once each";
}
