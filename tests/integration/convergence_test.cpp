// Randomized convergence: tablets edit overlapping fields offline and sync in random order; after everyone syncs,
// every tablet shows the same values and conflict flags, the gateway holds each change exactly once, chains verify.
// Seeds are fixed (repeatable); CRF_SOAK_SEEDS=N runs a longer soak.
#include "domain/audit.h"
#include "gateway_server.h"
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
        for (const char* visit : {"D0", "D1"}) {
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
    auto gw = gateway::GatewayServer::start({"127.0.0.1:0", gatewayData.path().toStdString(), false, {}}, clock);
    ASSERT_TRUE(gw.ok());

    const int tablets = 3;
    std::vector<SimTablet> t(tablets);
    for (int i = 0; i < tablets; ++i) {
        SecretKey key = SecretKey::random();
        t[i].store =
            store::TabletStore::openWithKey(tabletsDir.filePath(QString("t%1.db").arg(i)).toStdString(), key, clock)
                .value();
        t[i].client = std::make_unique<sync::SyncClient>(gw.value()->address());
        t[i].actor = {"nurse" + std::to_string(i), "research_nurse", "01"};
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
            ASSERT_TRUE(report.ok()) << report.error;
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

TEST(RestoredTablet, aTabletRestoredFromAnOlderCopyLosesNothing)
{
    SystemClock clock;
    QTemporaryDir gatewayData, dir;
    auto gw = gateway::GatewayServer::start({"127.0.0.1:0", gatewayData.path().toStdString(), false, {}}, clock);
    ASSERT_TRUE(gw.ok());
    const std::string path = dir.filePath("crf.db").toStdString(), backup = path + ".backup";
    SecretKey key = SecretKey::random();
    SimTablet t;
    t.client = std::make_unique<sync::SyncClient>(gw.value()->address());
    t.actor = {"nurse-a", "research_nurse", "01"};
    auto open = [&] { t.store = store::TabletStore::openWithKey(path, key, clock).value(); };
    auto save = [&](const char* visit, const char* item, const char* value) {
        store::SaveRequest r;
        r.form = {"01-001", visit, "SOFA", 0};
        r.values[item] = store::FieldValue{value, ""};
        ASSERT_TRUE(t.store->save(r, t.actor, {"I-MICRO", "2020-1"}).ok());
    };

    open();
    save("D0", "GCS", "13");
    save("D0", "MAP", "64");
    ASSERT_TRUE(t.sync(clock).ok());
    t.store.reset();
    std::filesystem::copy_file(path, backup); // the nightly copy

    open();
    save("D1", "GCS", "14"); // seq 3 and 4 reach the gateway...
    save("D1", "MAP", "70");
    ASSERT_TRUE(t.sync(clock).ok());
    t.store.reset();
    std::filesystem::copy_file(backup, path, std::filesystem::copy_options::overwrite_existing); // ...then a restore

    open();
    save("D2", "GCS", "15"); // the restored tablet numbers this 3 again, with other content
    const auto report = t.sync(clock);
    EXPECT_TRUE(report.ok()) << report.error;
    EXPECT_EQ(t.store->syncState()->pendingEvents, 0);

    auto& store = gw.value()->store();
    EXPECT_EQ(store.eventCount(), 5u) << "the new value arrives; nothing is replaced";
    const auto d1 = t.store->formValues({"01-001", "D1", "SOFA", 0}).value();
    EXPECT_EQ(d1.at("GCS").value, "14") << "values saved after the backup come back from the gateway";
    EXPECT_EQ(t.store->formValues({"01-001", "D2", "SOFA", 0}).value().at("GCS").value, "15");
    const auto audit = gateway::verifyAudit(store);
    EXPECT_TRUE(audit.intact()) << *audit.firstBrokenLink;
}
