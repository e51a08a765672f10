// The gateway store on PostgreSQL: the gateway's role cannot alter the audit trail (privileges) and nobody can
// through SQL (triggers); schema versions migrate step by step; the server cursor never skips an event while several
// gateway instances push and pull at once (the cursor test runs on SQLite too).
#include "domain/audit.h"
#include "domain/sync_domain.h"
#include "event_factory.h"
#include "storage/store.h"
#include "store_backend.h"

#include <atomic>
#include <gtest/gtest.h>
#include <thread>

using namespace crf;
using namespace crf::gateway;

namespace {

class PostgresStoreTest : public ::testing::Test {
protected:
    test::StoreBackend backend{test::Backend::Postgres};
    ManualClock clock{1'790'000'500'000};
    std::unique_ptr<Store> store = backend.open();

    void pushSome()
    {
        SyncDomain domain{*store, clock};
        test::EventFactory tablet{"dev-A"};
        v1::PushRequest req;
        *req.add_events() = tablet.next("PLATELETS", "85");
        // Refused (a saved value changed without a reason), kept in the audit trail all the same.
        *req.add_events() = tablet.next("PLATELETS", "90", "01-001", "85");
        ASSERT_TRUE(domain.push(req).ok());
        ASSERT_TRUE(store->identity().addUser(UserRecord{"nurse1", "N. URSE", "hash", 1, 0, 0, 0},
                                              SecurityEvent{0, 1, "admin", "user.add", "nurse1", ""}));
    }
};

} // namespace

TEST_F(PostgresStoreTest, theGatewayRoleMayInsertAndReadButNeverUpdateDeleteOrTruncateTheAuditTrail)
{
    pushSome();
    const std::pair<const char*, const char*> auditTables[] = {
        {"events", "study_id"},       {"refused", "reason"},      {"absent_links", "note"},
        {"security_log", "detail"},   {"sponsor_alerts", "text"}, {"sdv_marks", "user_id"},
        {"data_queries", "item_oid"}, {"query_steps", "text"},    {"central_scores", "assessor"},
        {"allocation", "arm"}};
    for (const auto& [table, column] : auditTables) {
        const std::string t = table;
        for (const std::string& change :
             {"UPDATE " + t + " SET " + column + " = 'x'", "DELETE FROM " + t, "TRUNCATE " + t}) {
            const std::string why = test::pgRefusal(backend.spec(), change);
            EXPECT_NE(why.find("permission denied"), std::string::npos) << change << ": " << why;
        }
    }
    EXPECT_EQ(store->eventCount(), 1u);
    EXPECT_EQ(store->refusedCount(), 1u);
}

TEST_F(PostgresStoreTest, evenTheSchemaOwnerIsRefusedByTheDatabaseItself)
{
    pushSome();
    EXPECT_NE(backend.ownerRefusal("UPDATE events SET payload = '\\x00'::bytea").find("events are append-only"),
              std::string::npos);
    EXPECT_NE(backend.ownerRefusal("DELETE FROM events").find("events are append-only"), std::string::npos);
    EXPECT_NE(backend.ownerRefusal("TRUNCATE events").find("events are append-only"), std::string::npos);
    EXPECT_NE(backend.ownerRefusal("DELETE FROM refused").find("refused events are append-only"), std::string::npos);
    EXPECT_NE(backend.ownerRefusal("DELETE FROM users").find("never deleted"), std::string::npos);
    EXPECT_EQ(store->eventCount(), 1u);
    EXPECT_TRUE(verifyAudit(*store).intact());
}

TEST_F(PostgresStoreTest, theGatewayRefusesToRunAsARoleThatCouldRewriteTheAuditTrail)
{
    auto asOwner = openPostgresStore(backend.ownerUri());
    ASSERT_FALSE(asOwner.ok());
    EXPECT_NE(asOwner.error().text().find("application role"), std::string::npos) << asOwner.error().text();
    auto asSuperuser = openPostgresStore(backend.superuserUri());
    ASSERT_FALSE(asSuperuser.ok());
}

TEST_F(PostgresStoreTest, aDatabaseNotYetMigratedIsRefusedNamingTheCommand)
{
    const std::string fresh = "crf_fresh" + std::to_string(::getpid());
    ASSERT_EQ(test::pgRefusal(test::testClusterUri(), "DROP DATABASE IF EXISTS " + fresh), "");
    ASSERT_EQ(test::pgRefusal(test::testClusterUri(), "CREATE DATABASE " + fresh + " OWNER crf_owner"), "");
    auto r = openPostgresStore(test::withUserAndDb(test::testClusterUri(), "crf_gateway", fresh));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().text().find("crfctl db migrate"), std::string::npos) << r.error().text();
    test::pgRefusal(test::testClusterUri(), "DROP DATABASE " + fresh + " WITH (FORCE)");
}

TEST_F(PostgresStoreTest, aWrongAddressIsAClearError)
{
    auto r = openPostgresStore("postgresql://crf_gateway@127.0.0.1:1/nowhere");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().text().find("cannot connect to PostgreSQL"), std::string::npos) << r.error().text();
}

TEST(PostgresMigration, eachVersionUpgradesStepByStepKeepingWhatWasStored)
{
    const std::string cluster = test::testClusterUri();
    const std::string name = "crf_mig" + std::to_string(::getpid());
    ASSERT_EQ(test::pgRefusal(cluster, "DROP DATABASE IF EXISTS " + name), "");
    ASSERT_EQ(test::pgRefusal(cluster, "CREATE DATABASE " + name + " OWNER crf_owner"), "");
    ;
    const std::string owner = test::withUserAndDb(cluster, "crf_owner", name);
    const std::string gateway = test::withUserAndDb(cluster, "crf_gateway", name);
    // Version 1 holds only the audit trail; an event stored then must be there after the upgrade.
    auto v1 = migratePostgresStore(owner, "crf_app", 1);
    ASSERT_TRUE(v1.ok()) << v1.error().text();
    EXPECT_EQ(v1.value(), 1);
    EXPECT_EQ(test::pgRefusal(owner, "INSERT INTO events (server_seq, device_id, device_seq, event_id, study_id, "
                                     "site_id, subject_id, received_at_ms, event_hash, server_hash, payload) VALUES "
                                     "(1, 'T', 1, 'e1', 'S', '01', '01-001', 0, '\\x00', '\\x00', '\\x00')"),
              "");
    EXPECT_FALSE(openPostgresStore(gateway).ok()) << "a gateway never runs on an older schema";
    auto latest = migratePostgresStore(owner, "crf_app");
    ASSERT_TRUE(latest.ok()) << latest.error().text();
    EXPECT_GT(latest.value(), 1);
    auto again = migratePostgresStore(owner, "crf_app"); // idempotent
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value(), latest.value());
    auto store = openPostgresStore(gateway);
    ASSERT_TRUE(store.ok()) << store.error().text();
    EXPECT_EQ((*store)->eventCount(), 1u);
    EXPECT_NE(test::pgRefusal(gateway, "DELETE FROM events").find("permission denied"), std::string::npos);
    store.value().reset();
    auto missingRole = migratePostgresStore(owner, "no_such_role");
    ASSERT_FALSE(missingRole.ok());
    EXPECT_NE(missingRole.error().text().find("does not exist"), std::string::npos);
    test::pgRefusal(cluster, "DROP DATABASE " + name + " WITH (FORCE)");
}

// --- cursor correctness with concurrent writers, on both backends ---------------------------------------------------

namespace {

class ConcurrentInstancesTest : public ::testing::TestWithParam<test::Backend> {
protected:
    test::StoreBackend backend{GetParam()};
    ManualClock clock{1'790'000'500'000};
};

} // namespace

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrentInstancesTest,
                         ::testing::Values(test::Backend::Sqlite, test::Backend::Postgres), test::backendName);

// Two gateway instances (two stores on one database, each with its own connections) take pushes from four tablets
// while three readers pull pages. A sequence number handed out but committed after a higher one would let a reader
// step over it; every page must therefore continue its cursor exactly, and every reader ends with every event.
TEST_P(ConcurrentInstancesTest, pullsNeverSkipAnEventWhilePushesCommitConcurrently)
{
    constexpr int kTablets = 4, kBatches = 25, kPerBatch = 4, kReaders = 3;
    std::unique_ptr<Store> instanceA = backend.open();
    std::unique_ptr<Store> instanceB = GetParam() == test::Backend::Postgres ? backend.open() : nullptr;
    Store& second = instanceB ? *instanceB : *instanceA; // SQLite: one file, one process
    SyncDomain gatewayA{*instanceA, clock}, gatewayB{second, clock};

    std::atomic<bool> writing{true};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kTablets; ++t)
        threads.emplace_back([&, t] {
            test::EventFactory tablet{"dev-" + std::to_string(t)};
            SyncDomain& gateway = t % 2 ? gatewayB : gatewayA;
            for (int b = 0; b < kBatches; ++b) {
                v1::PushRequest req;
                req.set_device_id("dev-" + std::to_string(t));
                for (int i = 0; i < kPerBatch; ++i)
                    *req.add_events() =
                        tablet.next("ITEM" + std::to_string(i), std::to_string(b), "01-" + std::to_string(100 + t));
                auto r = gateway.push(req);
                if (!r.ok() || r.value().outcomes(kPerBatch - 1).status() != v1::OUTCOME_STATUS_ACCEPTED)
                    ++failures;
            }
        });
    std::vector<std::vector<uint64_t>> seen(kReaders);
    std::atomic<int> gaps{0};
    for (int r = 0; r < kReaders; ++r)
        threads.emplace_back([&, r] {
            SyncDomain& gateway = r % 2 ? gatewayB : gatewayA;
            uint64_t cursor = 0;
            auto pullOnce = [&] {
                v1::PullRequest req;
                req.set_after_server_seq(cursor);
                req.set_limit(7);
                auto page = gateway.pull(req);
                if (!page.ok()) {
                    ++failures;
                    return false;
                }
                for (const auto& e : page.value().events()) {
                    if (e.server_seq() != cursor + 1)
                        ++gaps; // a skipped (or repeated) sequence number
                    cursor = e.server_seq();
                    seen[static_cast<size_t>(r)].push_back(e.server_seq());
                }
                return page.value().has_more();
            };
            while (writing)
                pullOnce();
            while (pullOnce()) {
            }
        });
    for (int t = 0; t < kTablets; ++t)
        threads[static_cast<size_t>(t)].join();
    writing = false;
    for (size_t i = kTablets; i < threads.size(); ++i)
        threads[i].join();

    constexpr uint64_t kTotal = kTablets * kBatches * kPerBatch;
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(gaps.load(), 0);
    EXPECT_EQ(instanceA->eventCount(), kTotal);
    for (const auto& s : seen) {
        ASSERT_EQ(s.size(), kTotal);
        EXPECT_EQ(s.back(), kTotal);
    }
    EXPECT_TRUE(verifyAudit(*instanceA).intact()) << "one server chain across both instances";
}

// PostgreSQL restarts or an administrator ends the gateway's sessions: the request under way fails (the tablet
// retries, nothing was acknowledged), the next one gets a fresh connection, and nothing is lost or doubled.
TEST_F(PostgresStoreTest, connectionsEndedByTheServerAreReplacedAndNothingIsLostOrDoubled)
{
    SyncDomain domain{*store, clock};
    test::EventFactory tablet{"dev-A"};
    auto pushOne = [&](const v1::ChangeEvent& e) {
        v1::PushRequest req;
        req.set_device_id("dev-A");
        *req.add_events() = e;
        return domain.push(req);
    };
    ASSERT_TRUE(pushOne(tablet.next("GCS", "13")).ok());
    const auto e2 = tablet.next("GCS", "14", "01-001", "13");
    auto withReason = e2;
    withReason.mutable_reason()->set_code("CORRECTION");
    withReason.mutable_reason()->set_text("re-assessed");
    const std::string db = backend.spec().substr(backend.spec().rfind('/') + 1);
    ASSERT_EQ(test::pgRefusal(test::testClusterUri(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                                      "datname = '" +
                                                          db + "' AND usename = 'crf_gateway'"),
              "");
    // The first attempt meets a connection the server ended: it fails and acknowledges nothing; a retry converges
    // on one stored copy.
    bool accepted = false;
    int failed = 0;
    for (int attempt = 0; attempt < 10 && !accepted; ++attempt) {
        auto r = pushOne(withReason);
        accepted = r.ok() && (r.value().outcomes(0).status() == v1::OUTCOME_STATUS_ACCEPTED ||
                              r.value().outcomes(0).status() == v1::OUTCOME_STATUS_DUPLICATE);
        failed += !r.ok();
    }
    EXPECT_TRUE(accepted);
    // Each ended connection is tried at most once (the pool holds at most 8), then replaced.
    EXPECT_GE(failed, 1) << "the request under way on an ended connection fails";
    EXPECT_LE(failed, 8);
    EXPECT_EQ(store->eventCount(), 2u);
    EXPECT_TRUE(verifyAudit(*store).intact());
}

// Wrong passwords against two gateway instances at once: every one is counted (the lockout cannot be outrun by
// spreading attempts over instances), on both backends.
TEST_P(ConcurrentInstancesTest, failedLoginsAreCountedOnceEachAcrossInstances)
{
    std::unique_ptr<Store> a = backend.open();
    std::unique_ptr<Store> b = GetParam() == test::Backend::Postgres ? backend.open() : nullptr;
    ASSERT_TRUE(a->identity().addUser(UserRecord{"nurse1", "N. URSE", "hash", 1, 0, 0, 0},
                                      SecurityEvent{0, 1, "admin", "user.add", "nurse1", ""}));
    constexpr int kThreads = 4, kEach = 5;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            IdentityStore& ids = (t % 2 && b ? *b : *a).identity();
            for (int i = 0; i < kEach; ++i)
                ids.countFailedLogin("nurse1", 1000, 0, [](const UserRecord&, int counted) {
                    return std::vector<SecurityEvent>{
                        SecurityEvent{0, 2, "nurse1", "login.failed", "dev", std::to_string(counted)}};
                });
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(a->identity().user("nurse1")->failedLogins, kThreads * kEach);
    int failures = 0;
    for (const auto& line : a->identity().securityLog())
        failures += line.action == "login.failed";
    EXPECT_EQ(failures, kThreads * kEach) << "one log line per wrong password, in the same transaction";
    // At the limit the count starts again and the account locks.
    auto locked = a->identity().countFailedLogin("nurse1", kThreads * kEach + 1, 42,
                                                 [](const UserRecord&, int) { return std::vector<SecurityEvent>{}; });
    ASSERT_TRUE(locked);
    EXPECT_EQ(locked->failedLogins, 0);
    EXPECT_EQ(locked->lockedUntilMs, 42);
}
