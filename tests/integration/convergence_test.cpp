// Randomized convergence: tablets edit overlapping fields offline and sync in random order; after everyone syncs,
// every tablet shows the same values and conflict flags, the gateway holds each change exactly once, chains verify.
// Seeds are fixed (repeatable); CRF_SOAK_SEEDS=N runs a longer soak.
#include "crypto.h"
#include "domain/audit.h"
#include "gateway_access.h"
#include "gateway_server.h"
#include "photo.h"
#include "store_backend.h"
#include "sync_engine.h"
#include "tablet_store.h"

#include <QTemporaryDir>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <random>

using namespace crf;

namespace {

struct SimTablet {
    std::unique_ptr<store::TabletStore> store;
    std::unique_ptr<sync::SyncClient> client;
    store::Actor actor;
    int saves = 0;

    /// The stamped user gets a nurse role at site 01 and this tablet logs in as them.
    void login(gateway::GatewayServer& gw, test::DeviceSecrets& secrets)
    {
        test::addUser(gw, actor.userId);
        auto in = secrets.login(*client, actor.userId, store->deviceId());
        ASSERT_TRUE(in.ok()) << in.error().text();
    }

    sync::SyncReport sync(const Clock& clock)
    {
        sync::SyncEngine engine([this](const auto& fn) { fn(*store); }, *client, clock, "I-MICRO");
        return engine.run();
    }
};

using Projection = std::map<std::string, std::pair<std::string, bool>>; // "subject/visit/item" -> value, conflict

Projection projection(store::TabletStore& s)
{
    Projection p;
    for (const char* subject : {"01-001", "01-002"})
        for (const char* visit : {"D0", "D1", "D2"}) {
            const auto values = s.formValues({subject, visit, "SOFA", 0}); // keep the Result alive
            for (const auto& [item, v] : values.value())
                p[std::string(subject) + "/" + visit + "/" + item] = {v.value, v.conflict};
        }
    return p;
}

void runSeed(uint32_t seed)
{
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    SystemClock clock;
    QTemporaryDir gatewayData, tabletsDir;
    auto gw = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString()), clock);
    ASSERT_TRUE(gw.ok());

    const int tablets = 3;
    test::DeviceSecrets secrets;
    std::vector<SimTablet> t(tablets);
    for (int i = 0; i < tablets; ++i) {
        SecretKey key = SecretKey::random();
        t[i].store =
            store::TabletStore::openWithKey(tabletsDir.filePath(QString("t%1.db").arg(i)).toStdString(), key, clock)
                .value();
        t[i].client = std::make_unique<sync::SyncClient>(gw.value()->address());
        t[i].actor = {"nurse" + std::to_string(i), "research_nurse", "01"};
        t[i].login(*gw.value(), secrets);
    }
    const char* subjects[] = {"01-001", "01-002"};
    const char* visits[] = {"D0", "D1"};
    const char* items[] = {"PLATELETS", "GCS", "MAP"};
    std::uniform_int_distribution<int> pick(0, 99);

    for (int step = 0; step < 60; ++step) {
        SimTablet& tab = t[static_cast<size_t>(pick(rng) % tablets)];
        if (pick(rng) < 30) {
            tab.sync(clock); // sometimes a tablet syncs mid-way; others stay offline
            continue;
        }
        store::FormKey key{subjects[pick(rng) % 2], visits[pick(rng) % 2], "SOFA", 0};
        const std::string item = items[pick(rng) % 3];
        const auto currentResult = tab.store->formValues(key);
        const auto& current = currentResult.value();
        store::SaveRequest r;
        r.form = key;
        r.values[item] = store::FieldValue{std::to_string(3 + pick(rng) % 12), ""};
        if (current.count(item)) {
            r.reasonCode = "CORRECTION";
            r.reasonText = "re-measured";
        }
        auto saved = tab.store->save(r, tab.actor, {"I-MICRO", "2020-1"});
        ASSERT_TRUE(saved.ok()) << saved.error().text();
        tab.saves += saved->deviceSeq != 0;
    }
    // Everyone syncs twice, round robin: the second round brings back what others pushed in the first.
    for (int round = 0; round < 2; ++round)
        for (auto& tab : t) {
            const auto report = tab.sync(clock);
            ASSERT_TRUE(report.ok()) << report.error.text;
        }

    int created = 0;
    for (auto& tab : t) {
        created += tab.saves;
        EXPECT_EQ(tab.store->syncState()->pendingEvents, 0);
    }
    auto& store = gw.value()->store();
    EXPECT_EQ(store.eventCount(), static_cast<uint64_t>(created)) << "every change exactly once";
    const Projection reference = projection(*t[0].store);
    for (int i = 1; i < tablets; ++i)
        EXPECT_EQ(projection(*t[static_cast<size_t>(i)].store), reference) << "tablet " << i << " differs";
    const auto audit = gateway::verifyAudit(store);
    EXPECT_TRUE(audit.intact()) << *audit.firstBrokenLink;
}

} // namespace

TEST(Convergence, randomizedEditsAndSyncOrdersConvergeOverManySeeds)
{
    const char* soak = std::getenv("CRF_SOAK_SEEDS");
    const uint32_t seeds = soak ? static_cast<uint32_t>(std::atoi(soak)) : 12;
    for (uint32_t seed = 1; seed <= seeds; ++seed) {
        runSeed(seed);
        if (::testing::Test::HasFatalFailure())
            return;
    }
}

/// One nurse's tablet (its encrypted file at `path`, reopened at will) logged in to a gateway on loopback.
class RestoredTablet : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto started = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString()), clock);
        ASSERT_TRUE(started.ok());
        gw = std::move(started).value();
        t.client = std::make_unique<sync::SyncClient>(gw->address());
        t.actor = {"nurse-a", "research_nurse", "01"};
        open();
        t.login(*gw, secrets);
    }
    void open() { t.store = store::TabletStore::openWithKey(path, key, clock).value(); }
    void save(const char* visit, const char* item, const char* value)
    {
        store::SaveRequest r;
        r.form = {"01-001", visit, "SOFA", 0};
        r.values[item] = store::FieldValue{value, ""};
        ASSERT_TRUE(t.store->save(r, t.actor, {"I-MICRO", "2020-1"}).ok());
    }
    /// The tablet's file as it was at `copy` (a restore, or what a power cut leaves).
    void restore(const std::string& copy)
    {
        t.store.reset();
        std::filesystem::copy_file(copy, path, std::filesystem::copy_options::overwrite_existing);
        open();
    }
    /// A copy of the tablet's file as it is now.
    void copyTo(const std::string& copy)
    {
        t.store.reset();
        std::filesystem::copy_file(path, copy);
        open();
    }

    SystemClock clock;
    QTemporaryDir gatewayData, dir;
    std::unique_ptr<gateway::GatewayServer> gw;
    const std::string path = dir.filePath("crf.db").toStdString();
    SecretKey key = SecretKey::random();
    test::DeviceSecrets secrets;
    SimTablet t;
};

TEST_F(RestoredTablet, aTabletRestoredFromAnOlderCopyLosesNothing)
{
    const std::string backup = path + ".backup";
    save("D0", "GCS", "13");
    save("D0", "MAP", "64");
    ASSERT_TRUE(t.sync(clock).ok());
    copyTo(backup); // the nightly copy

    save("D1", "GCS", "14"); // seq 3 and 4 reach the gateway...
    save("D1", "MAP", "70");
    ASSERT_TRUE(t.sync(clock).ok());
    restore(backup); // ...then a restore

    save("D2", "GCS", "15"); // the restored tablet numbers this 3 again, with other content
    const auto report = t.sync(clock);
    EXPECT_TRUE(report.ok()) << report.error.text;
    EXPECT_EQ(t.store->syncState()->pendingEvents, 0);

    auto& store = gw->store();
    EXPECT_EQ(store.eventCount(), 5u) << "the new value arrives; nothing is replaced";
    const auto d1 = t.store->formValues({"01-001", "D1", "SOFA", 0}).value();
    EXPECT_EQ(d1.at("GCS").value, "14") << "values saved after the backup come back from the gateway";
    EXPECT_EQ(t.store->formValues({"01-001", "D2", "SOFA", 0}).value().at("GCS").value, "15");
    const auto audit = gateway::verifyAudit(store);
    EXPECT_TRUE(audit.intact()) << *audit.firstBrokenLink;
}

// The tablet writes the gateway's acknowledgements without waiting for the disk (TabletStore::applyPushOutcomes): a
// power cut may take the last of them. Its changes are still queued, go again, and are acknowledged as duplicates:
// stored once at the gateway, nothing lost on the tablet.
TEST_F(RestoredTablet, acknowledgementsTheTabletForgotAreGivenAgainAndNothingIsStoredTwice)
{
    const std::string before = path + ".before";
    save("D0", "GCS", "13");
    save("D0", "MAP", "64");
    copyTo(before); // the file as the power cut will leave it
    ASSERT_TRUE(t.sync(clock).ok());
    EXPECT_EQ(t.store->syncState()->pendingEvents, 0);
    restore(before);

    EXPECT_EQ(t.store->syncState()->pendingEvents, 2) << "the acknowledgements are gone, the changes are not";
    const auto report = t.sync(clock);
    EXPECT_TRUE(report.ok()) << report.error.text;
    EXPECT_EQ(t.store->syncState()->pendingEvents, 0);
    EXPECT_EQ(report.rejected, 0);
    EXPECT_EQ(gw->store().eventCount(), 2u) << "acknowledged again, stored once";
    EXPECT_EQ(t.store->formValues({"01-001", "D0", "SOFA", 0}).value().at("MAP").value, "64");
    EXPECT_TRUE(gateway::verifyAudit(gw->store()).intact());
}

// A gateway restored to an earlier point (a backup, or point-in-time recovery before the last acknowledgements):
// the tablets still hold every change the gateway acknowledged after it, and give them back. Their pulled history no
// longer matches the gateway's, so they pull it again from the start; nothing is lost, nothing doubled.
class RestoredGateway : public ::testing::TestWithParam<test::Backend> {
protected:
    /// `n` nurses' tablets of site 01, each with its own encrypted store.
    void openTablets(size_t n)
    {
        t.resize(n);
        for (size_t i = 0; i < n; ++i) {
            t[i].store = store::TabletStore::openWithKey(tabletsDir.filePath(QString("t%1.db").arg(i)).toStdString(),
                                                         SecretKey::random(), clock)
                             .value();
            t[i].actor = {"nurse" + std::to_string(i), "research_nurse", "01"};
        }
    }
    /// (Re)starts the gateway on the backend's store and logs every tablet in.
    void startGateway()
    {
        gw = gateway::GatewayServer::start(test::devGateway(backend.spec()), clock).value();
        for (auto& tab : t) {
            tab.client = std::make_unique<sync::SyncClient>(gw->address());
            tab.login(*gw, secrets);
        }
    }
    void sync(SimTablet& tab)
    {
        const auto report = tab.sync(clock);
        ASSERT_TRUE(report.ok()) << report.error.text;
    }

    SystemClock clock;
    QTemporaryDir tabletsDir;
    test::StoreBackend backend{GetParam()};
    std::unique_ptr<gateway::GatewayServer> gw;
    test::DeviceSecrets secrets;
    std::vector<SimTablet> t;
};

TEST_P(RestoredGateway, aGatewayRestoredToAnEarlierPointGetsBackEveryAcknowledgedChange)
{
    openTablets(2);
    auto save = [&](SimTablet& tab, const char* visit, const char* item, const char* value) {
        store::SaveRequest r;
        r.form = {"01-001", visit, "SOFA", 0};
        r.values[item] = store::FieldValue{value, ""};
        ASSERT_TRUE(tab.store->save(r, tab.actor, {"I-MICRO", "2020-1"}).ok());
    };
    auto syncAll = [&] {
        for (auto& tab : t)
            sync(tab);
    };
    startGateway();
    save(t[0], "D0", "GCS", "13");
    save(t[0], "D0", "MAP", "64");
    syncAll();
    gw.reset();
    backend.backup();

    startGateway();
    save(t[0], "D1", "GCS", "14"); // acknowledged after the backup...
    save(t[1], "D1", "MAP", "70");
    save(t[1], "D2", "MAP", "72");
    syncAll();
    syncAll();
    ASSERT_EQ(gw->store().eventCount(), 5u);
    gw.reset();
    backend.restoreBackup(); // ...then the gateway is restored to the backup

    startGateway();
    ASSERT_EQ(gw->store().eventCount(), 2u);
    save(t[1], "D2", "GCS", "9"); // and work goes on
    syncAll();
    syncAll();

    EXPECT_EQ(gw->store().eventCount(), 6u) << "every change back at the gateway, exactly once";
    for (auto& tab : t)
        EXPECT_EQ(tab.store->syncState()->pendingEvents, 0);
    EXPECT_EQ(projection(*t[0].store), projection(*t[1].store)) << "both tablets converge";
    EXPECT_EQ(t[0].store->formValues({"01-001", "D2", "SOFA", 0}).value().at("MAP").value, "72");
    EXPECT_EQ(t[1].store->formValues({"01-001", "D1", "SOFA", 0}).value().at("GCS").value, "14");
    const auto audit = gateway::verifyAudit(gw->store());
    EXPECT_TRUE(audit.intact()) << *audit.firstBrokenLink;
}

// A change sent again after the restore was based on a history the gateway lost: it is never taken as a correction
// of what another tablet recorded since, so a differing value is a conflict, not a silent overwrite.
TEST_P(RestoredGateway, aChangeSentAgainAfterARestoreNeverSilentlyOverwritesAnotherTablets)
{
    openTablets(3);
    auto save = [&](SimTablet& tab, const char* value, bool correction) {
        store::SaveRequest r;
        r.form = {"01-001", "D1", "SOFA", 0};
        r.values["GCS"] = store::FieldValue{value, ""};
        if (correction) {
            r.reasonCode = "CORRECTION";
            r.reasonText = "re-examined";
        }
        ASSERT_TRUE(tab.store->save(r, tab.actor, {"I-MICRO", "2020-1"}).ok());
    };
    startGateway();
    sync(t[0]);
    gw.reset();
    backend.backup();

    startGateway();
    save(t[0], "14", false);
    sync(t[0]);
    sync(t[1]);             // tablet 1 sees 14...
    save(t[1], "15", true); // ...and corrects it, knowing it: no conflict
    sync(t[1]);
    ASSERT_TRUE(gw->store().conflicts(true).empty());
    gw.reset();
    backend.restoreBackup(); // the gateway forgets both

    startGateway();
    save(t[2], "9", false); // a third tablet, which never saw either, records GCS first
    sync(t[2]);
    sync(t[1]); // tablet 1 gives its correction back: it was based on a history the gateway lost
    sync(t[0]);
    for (auto& tab : t)
        sync(tab);

    const auto open = gw->store().conflicts(true);
    ASSERT_FALSE(open.empty()) << "15 and 9 were recorded without knowledge of each other";
    for (const auto& c : open)
        EXPECT_EQ(c.field.itemOid, "GCS");
    for (auto& tab : t) {
        const auto v = tab.store->formValues({"01-001", "D1", "SOFA", 0}).value().at("GCS");
        EXPECT_EQ(v.value, "9") << "the first accepted value is kept, the other waits in the conflict";
        EXPECT_TRUE(v.conflict);
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, RestoredGateway, ::testing::Values(test::Backend::Sqlite, test::Backend::Postgres),
                         test::backendName);

namespace {
std::string fakeJpeg(size_t imageBytes, const std::string& exif)
{
    auto segment = [](unsigned char marker, const std::string& payload) {
        const size_t len = payload.size() + 2;
        return std::string{char(0xFF), char(marker), char(len >> 8), char(len & 0xFF)} + payload;
    };
    std::string j("\xFF\xD8", 2);
    j += segment(0xE1, "Exif" + exif);
    j += segment(0xDA, std::string("\x01\x01\x00\x00\x3f\x00", 6));
    std::string pixels(imageBytes, '\0');
    randomBytes(pixels.data(), pixels.size());
    for (auto& c : pixels)
        if (static_cast<unsigned char>(c) == 0xFF)
            c = 0x7F; // no markers inside the fake entropy data
    return j + pixels + std::string("\xFF\xD9", 2);
}
} // namespace

TEST(Photos, aKneePhotoTravelsInChunksResumesAfterACutAndArrivesVerifiedWithoutItsMetadata)
{
    SystemClock clock;
    QTemporaryDir gatewayData, dir;
    auto gw = gateway::GatewayServer::start(test::devGateway(gatewayData.path().toStdString()), clock);
    ASSERT_TRUE(gw.ok());
    SimTablet t;
    SecretKey key = SecretKey::random();
    t.store = store::TabletStore::openWithKey(dir.filePath("crf.db").toStdString(), key, clock).value();
    t.client = std::make_unique<sync::SyncClient>(gw.value()->address());
    t.actor = {"nurse-a", "research_nurse", "01"};
    test::DeviceSecrets secrets;
    t.login(*gw.value(), secrets);

    const std::string original = fakeJpeg(2 * 1024 * 1024, "GPSLatitude=48.8566");
    auto digest = t.store->addPhoto(original, photo::kDefaultMaxBytes);
    ASSERT_TRUE(digest.ok()) << digest.error().text();
    store::SaveRequest r;
    r.form = {"01-001", "D0", "MOTTLING", 0};
    r.values["MOTTLING_SCORE"] = store::FieldValue{"3", ""};
    r.values["KNEE_PHOTO"] = store::FieldValue{*digest, ""};
    ASSERT_TRUE(t.store->save(r, t.actor, {"I-MICRO", "2020-1"}).ok());
    EXPECT_EQ(t.store->syncState()->pendingPhotos, 1);

    // A first session sends one chunk and is cut.
    {
        sync::SyncClient cut(gw.value()->address());
        ASSERT_TRUE(secrets.login(cut, "nurse-a", t.store->deviceId()).ok());
        v1::UploadChunkRequest first;
        first.set_digest(*digest);
        first.set_offset(0);
        first.set_total_bytes(t.store->pendingPhotos()->front().size);
        first.set_site_id("01");
        first.set_data(t.store->photoChunk(*digest, 0, sync::SyncEngine::kPhotoChunk).value());
        ASSERT_EQ(cut.uploadChunk(first)->outcome(), v1::PHOTO_OUTCOME_APPENDED);
    }
    // The next sync asks where to resume, sends the rest, then the event.
    const auto report = t.sync(clock);
    EXPECT_TRUE(report.ok()) << report.error.text;
    EXPECT_EQ(report.photosVerified, 1);
    EXPECT_EQ(t.store->syncState()->pendingPhotos, 0);
    auto& store = gw.value()->store();
    EXPECT_EQ(store.photosVerified(), 1u);
    const std::string atGateway = store.photoBytes(*digest);
    EXPECT_EQ(photo::digestHex(atGateway), *digest);
    EXPECT_EQ(atGateway.find("GPSLatitude"), std::string::npos) << "metadata never leaves the tablet";
    EXPECT_EQ(store.eventCount(), 1u);

    // A second tablet with the same photo: stored once.
    SimTablet t2;
    SecretKey key2 = SecretKey::random();
    t2.store = store::TabletStore::openWithKey(dir.filePath("crf2.db").toStdString(), key2, clock).value();
    t2.client = std::make_unique<sync::SyncClient>(gw.value()->address());
    t2.actor = {"nurse-b", "research_nurse", "01"};
    t2.login(*gw.value(), secrets);
    ASSERT_TRUE(t2.store->addPhoto(original, photo::kDefaultMaxBytes).ok());
    EXPECT_TRUE(t2.sync(clock).ok());
    EXPECT_EQ(store.photosVerified(), 1u);
}

TEST(Photos, aPhotoGoesUpInChunksOfAMebibyteAndItsTailNeverTravelsAloneWhenItIsSmall)
{
    constexpr size_t MiB = sync::SyncEngine::kPhotoChunk;
    struct Case {
        size_t photo;
        std::vector<size_t> chunks;
    };
    const Case cases[] = {
        {14, {14}},
        {MiB, {MiB}},
        {MiB + MiB / 8, {MiB + MiB / 8}},             // a tail of an eighth goes with the chunk before it
        {MiB + MiB / 8 + 1, {MiB, MiB / 8 + 1}},      // one byte more: two calls
        {2 * MiB + 14, {MiB, MiB + 14}},              // a 2 MiB JPEG and its markers: two calls, not three
        {2'500'000, {MiB, MiB, 2'500'000 - 2 * MiB}}, // the wire-cut test's photo
    };
    for (const auto& c : cases) {
        std::vector<size_t> chunks;
        for (size_t at = 0; at < c.photo;)
            at += chunks.emplace_back(sync::SyncEngine::chunkLength(c.photo - at));
        EXPECT_EQ(chunks, c.chunks) << c.photo << " bytes";
    }
}

TEST(Photos, aPhotoAboveTheLimitIsRefusedOnTheTablet)
{
    SystemClock clock;
    QTemporaryDir dir;
    SecretKey key = SecretKey::random();
    auto s = store::TabletStore::openWithKey(dir.filePath("crf.db").toStdString(), key, clock).value();
    auto r = s->addPhoto(fakeJpeg(5000, ""), 1000);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().text().find("too large"), std::string::npos);
    EXPECT_FALSE(s->addPhoto("not an image", 1000).ok());
}
