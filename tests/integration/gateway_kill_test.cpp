// Fault test: crf-gateway killed with SIGKILL (no shutdown, no flush) while a tablet pushes batches, then
// restarted on the same data. Nothing acknowledged is lost, nothing is stored twice, both chains stay intact; every
// photo ends verified once.
#include "app_core.h"
#include "domain/audit.h"
#include "gateway_access.h"
#include "identity/identity.h"
#include "key_store.h"
#include "random_photo.h"
#include "storage/store.h"
#include "test_support.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <signal.h>
#include <sys/resource.h>

using namespace crf;

namespace {

int freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

/// `fileLimit` (bytes, 0: none): no file of the gateway may grow past it (RLIMIT_FSIZE), as if its disk were full
/// there: a write that crosses it is cut short, the next fails (EFBIG; SIGXFSZ ignored so the process lives on).
std::unique_ptr<QProcess> startGateway(const QString& listen, const QString& data, rlim_t fileLimit = 0)
{
    auto p = std::make_unique<QProcess>();
    p->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    if (fileLimit != 0)
        p->setChildProcessModifier([fileLimit] {
            ::signal(SIGXFSZ, SIG_IGN);
            const rlimit limit{fileLimit, fileLimit};
            ::setrlimit(RLIMIT_FSIZE, &limit);
        });
    p->start(QStringLiteral(CRF_BIN_DIR "/crf-gateway"),
             {QStringLiteral("--listen"), listen, QStringLiteral("--data"), data, QStringLiteral("--insecure-dev")});
    EXPECT_TRUE(p->waitForStarted(10000));
    // Ready when it prints its listening line.
    EXPECT_TRUE(test::spinUntil([&] { return p->canReadLine() || p->state() != QProcess::Running; }, 10000));
    return p;
}

/// A tablet (the real app core on an encrypted store) and the data folder of a gateway run as a subprocess.
class GatewayKill : public ::testing::Test {
protected:
    QTemporaryDir tablet, gatewayData;
    const QString listen = QStringLiteral("127.0.0.1:%1").arg(freePort());
    std::unique_ptr<app::AppCore> core;
    std::unique_ptr<QProcess> gateway;

    void SetUp() override
    {
        app::AppConfig cfg;
        cfg.dataDir = tablet.path();
        cfg.gatewayAddress = listen;
        cfg.actor = {"nurse-a", "research_nurse", "01"};
        cfg.study = {"I-MICRO", "2020-1"};
        const QString keyDir = tablet.path();
        cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
        core = std::make_unique<app::AppCore>(cfg);
        ASSERT_TRUE(test::await<Status>([&](auto done) { core->open(done); }).ok());
        // nurse-a's account, made in the gateway's store before the gateway process starts (as crfctl would).
        auto store = gateway::openSqliteStore(gatewayData.path().toStdString()).value();
        SystemClock clock;
        gateway::Identity identity(store->identity(), clock);
        ASSERT_TRUE(identity.addUser("test-admin", "nurse-a", "Nurse A", test::passwordOf("nurse-a")).ok());
        ASSERT_TRUE(identity.grant("test-admin", "nurse-a", "research_nurse", "I-MICRO", "01").ok());
    }

    void startAndLogIn(rlim_t fileLimit = 0)
    {
        gateway = startGateway(listen, gatewayData.path(), fileLimit);
        const auto in = test::await<Result<app::LoginInfo>>(
            [&](auto d) { core->login("nurse-a", test::passwordOf("nurse-a"), d); });
        ASSERT_TRUE(in.ok()) << in.error().text();
    }

    /// `n` photos of 2.5 MB added on the tablet: digest -> the bytes the tablet keeps (stripped).
    std::map<std::string, std::string> addPhotos(int n)
    {
        std::map<std::string, std::string> photos;
        for (int i = 0; i < n; ++i) {
            const auto digest =
                test::await<Result<std::string>>([&](auto d) { core->addPhoto(test::randomJpeg(2'500'000), d); });
            EXPECT_TRUE(digest.ok()) << digest.error().text();
            if (!digest.ok())
                break;
            const auto kept = test::await<Result<std::string>>([&](auto d) { core->loadPhoto(*digest, d); });
            EXPECT_TRUE(kept.ok()) << kept.error().text();
            if (kept.ok())
                photos[*digest] = *kept;
        }
        return photos;
    }

    /// SIGKILL: no shutdown, no flush. Never kill(0): with the gateway gone already, that would be this test's whole
    /// process group.
    void kill()
    {
        if (const qint64 pid = gateway->processId(); pid > 0)
            ::kill(static_cast<pid_t>(pid), SIGKILL);
    }

    /// After the kill: the gateway restarted on the same data, and syncs until the tablet has nothing left to send.
    store::SyncState restartAndSyncUntilDone(QProcess::ExitStatus expected = QProcess::CrashExit)
    {
        gateway->waitForFinished(5000);
        EXPECT_EQ(gateway->exitStatus(), expected);
        gateway = startGateway(listen, gatewayData.path());
        for (int attempt = 0; attempt < 5; ++attempt) {
            QSignalSpy again(core.get(), &app::AppCore::syncFinished);
            core->syncNow();
            EXPECT_TRUE(test::spinUntil([&] { return again.count() == 1; }, 60000));
            auto st = test::await<Result<store::SyncState>>([&](auto d) { core->loadSyncState(d); });
            if (st.ok() && st->pendingEvents == 0 && st->pendingPhotos == 0)
                break;
        }
        auto st = test::await<Result<store::SyncState>>([&](auto d) { core->loadSyncState(d); });
        gateway->terminate();
        gateway->waitForFinished(10000);
        return st.value();
    }
};

} // namespace

TEST_F(GatewayKill, sigkillDuringASyncLosesAndDuplicatesNothing)
{
    const int saves = 5 * sync::SyncEngine::kPushBatch;
    for (int i = 0; i < saves; ++i) {
        store::SaveRequest r;
        r.form = {"01-" + std::to_string(100 + i / 8), "D" + std::to_string(i % 8), "SOFA", 0};
        r.values["GCS"] = store::FieldValue{std::to_string(3 + i % 13), ""};
        ASSERT_TRUE(test::await<Result<store::SaveOutcome>>([&](auto d) { core->save(r, d); }).ok());
    }

    startAndLogIn();
    bool killed = false;
    QObject::connect(core.get(), &app::AppCore::syncProgress, core.get(), [&](int done, int) {
        if (killed || done == 0)
            return;
        kill(); // mid-sync: the next batch may be in flight or committing
        killed = true;
    });
    QSignalSpy finished(core.get(), &app::AppCore::syncFinished);
    core->syncNow();
    ASSERT_TRUE(test::spinUntil([&] { return finished.count() == 1; }, 60000));
    ASSERT_TRUE(killed);

    const auto st = restartAndSyncUntilDone();
    EXPECT_EQ(st.pendingEvents, 0) << st.lastError.text;

    auto gw = gateway::openSqliteStore(gatewayData.path().toStdString()).value();
    EXPECT_EQ(gw->eventCount(), static_cast<uint64_t>(saves));
    std::set<uint64_t> seqs;
    for (const auto& se : gw->eventsAfter(0, 100000))
        seqs.insert(se.event().device_seq());
    EXPECT_EQ(seqs.size(), static_cast<size_t>(saves));
    EXPECT_EQ(*seqs.begin(), 1u);
    EXPECT_EQ(*seqs.rbegin(), static_cast<uint64_t>(saves));
    const auto audit = gateway::verifyAudit(*gw);
    EXPECT_TRUE(audit.intact()) << *audit.firstBrokenLink;
}

// The same while photos go up (the embedded store writes their bytes into files of photos/, schema 14): killed once
// a photo's file holds part of it, the restarted gateway is asked where each photo stands, and every photo ends
// verified, byte for byte, one file each.
TEST_F(GatewayKill, sigkillDuringAPhotoUploadLosesNoPhotoAndStoresEachOnce)
{
    const auto photos = addPhotos(6);
    ASSERT_EQ(photos.size(), 6u);

    startAndLogIn();
    namespace fs = std::filesystem;
    const fs::path folder = fs::path(gatewayData.path().toStdString()) / "photos";
    auto partOfAPhotoHeld = [&] {
        std::error_code ec;
        for (const auto& f : fs::directory_iterator(folder, ec)) {
            const auto size = f.file_size(ec);
            if (!ec && size > 16 && size < 16 + 2'500'000)
                return true;
        }
        return false;
    };
    QSignalSpy finished(core.get(), &app::AppCore::syncFinished);
    core->syncNow();
    ASSERT_TRUE(test::spinUntil([&] { return partOfAPhotoHeld() || finished.count() == 1; }, 60000));
    ASSERT_EQ(finished.count(), 0) << "the upload ended before a photo was held in part";
    kill();
    ASSERT_TRUE(test::spinUntil([&] { return finished.count() == 1; }, 60000));

    const auto st = restartAndSyncUntilDone();
    EXPECT_EQ(st.pendingPhotos, 0) << st.lastError.text;
    auto gw = gateway::openSqliteStore(gatewayData.path().toStdString()).value();
    EXPECT_EQ(gw->photosVerified(), photos.size());
    for (const auto& [digest, bytes] : photos)
        EXPECT_EQ(gw->photoBytes(digest), bytes) << digest;
    EXPECT_EQ(static_cast<size_t>(std::distance(fs::directory_iterator(folder), fs::directory_iterator())),
              photos.size());
}

// The gateway's disk fills in the middle of a photo (no file of it may grow past 1.5 MB: each 2.5 MB photo's second
// chunk is cut short): the tablet hears that the gateway cannot sync now, not that it is unreachable, and keeps every
// photo pending; once there is space, each photo resumes from what the gateway holds and ends verified once, byte
// for byte.
TEST_F(GatewayKill, aPhotoCutShortByAFullDiskResumesAndIsStoredOnceWhenSpaceIsBack)
{
    const auto photos = addPhotos(3);
    ASSERT_EQ(photos.size(), 3u);
    startAndLogIn(1'500'000);
    sync::SyncReport report;
    QObject::connect(core.get(), &app::AppCore::syncFinished, core.get(),
                     [&](const sync::SyncReport& r) { report = r; });
    QSignalSpy finished(core.get(), &app::AppCore::syncFinished);
    core->syncNow();
    ASSERT_TRUE(test::spinUntil([&] { return finished.count() == 1; }, 60000));
    EXPECT_NE(report.error.text.find("cannot sync now: the gateway's storage failed"), std::string::npos)
        << report.error.text;
    EXPECT_EQ(report.error.text.find("unreachable"), std::string::npos) << report.error.text;
    EXPECT_EQ(report.photosVerified, 0);
    auto st = test::await<Result<store::SyncState>>([&](auto d) { core->loadSyncState(d); });
    EXPECT_EQ(st->pendingPhotos, 3);
    namespace fs = std::filesystem;
    const fs::path folder = fs::path(gatewayData.path().toStdString()) / "photos";
    bool cutShort = false;
    for (const auto& f : fs::directory_iterator(folder))
        cutShort = cutShort || (f.file_size() > 16 + 1'048'576 && f.file_size() < 16 + 2'500'000);
    EXPECT_TRUE(cutShort) << "a photo's file holds more than its first chunk and less than the photo";

    gateway->terminate();
    const auto done = restartAndSyncUntilDone(QProcess::NormalExit);
    EXPECT_EQ(done.pendingPhotos, 0) << done.lastError.text;
    auto gw = gateway::openSqliteStore(gatewayData.path().toStdString()).value();
    EXPECT_EQ(gw->photosVerified(), photos.size());
    for (const auto& [digest, bytes] : photos)
        EXPECT_EQ(gw->photoBytes(digest), bytes) << digest;
}
