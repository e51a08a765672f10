// The gateway's merge rules, per-event checks against the study definition, and clock-skew flags.
#include "definition.h"
#include "domain/sync_domain.h"
#include "event_factory.h"
#include "storage/store.h"
#include "store_backend.h"

#include <QTemporaryDir>
#include <atomic>
#include <gtest/gtest.h>
#include <thread>

using namespace crf;
using namespace crf::gateway;

namespace {

class GatewayMergeTest : public ::testing::TestWithParam<test::Backend> {
protected:
    test::StoreBackend backend{GetParam()};
    ManualClock clock{1'790'000'500'000};
    std::unique_ptr<Store> store = backend.open();
    SyncDomain domain{*store, clock};
    test::EventFactory a{"dev-A"}, b{"dev-B"};

    v1::PushResponse push(v1::ChangeEvent e, int64_t deviceNow = 0)
    {
        v1::PushRequest req;
        req.set_device_id(e.device_id());
        req.set_device_now_ms(deviceNow);
        *req.add_events() = std::move(e);
        return domain.push(req).value();
    }

    v1::ServerEvent last() { return store->eventsAfter(store->eventCount() - 1, 1).front(); }
};

} // namespace

INSTANTIATE_TEST_SUITE_P(Backends, GatewayMergeTest, ::testing::Values(test::Backend::Sqlite, test::Backend::Postgres),
                         test::backendName);

TEST_P(GatewayMergeTest, concurrentEditsOfDifferentFieldsMerge)
{
    push(a.next("PLATELETS", "85"));
    push(b.next("GCS", "13")); // B had not seen A's event (base 0), but it changes another field
    EXPECT_EQ(last().conflicts_size(), 0);
    EXPECT_TRUE(store->conflicts(true).empty());
}

TEST_P(GatewayMergeTest, theSameFieldChangedConcurrentlyKeepsBothOpensAQueryAndKeepsTheFirstValue)
{
    push(a.next("PLATELETS", "85"));
    push(b.next("PLATELETS", "58")); // base 0: B never saw 85
    const auto se = last();
    ASSERT_EQ(se.conflicts_size(), 1);
    EXPECT_EQ(se.conflicts(0).item_oid(), "PLATELETS");
    EXPECT_EQ(se.conflicts(0).kept_value(), "85");
    EXPECT_EQ(se.conflicts(0).kept_server_seq(), 1u);
    EXPECT_EQ(se.event().changes(0).new_value(), "58") << "both values stay in the audit trail";
    const auto open = store->conflicts(true);
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].keptSeq, 1u);
    EXPECT_EQ(open[0].otherSeq, 2u);
    EXPECT_EQ(store->eventCount(), 2u);
}

TEST_P(GatewayMergeTest, identicalConcurrentValuesAreNoConflict)
{
    push(a.next("PLATELETS", "85"));
    push(b.next("PLATELETS", "85"));
    EXPECT_EQ(last().conflicts_size(), 0);
    EXPECT_TRUE(store->conflicts(true).empty());
}

TEST_P(GatewayMergeTest, aDeviceChangingItsOwnValueAgainIsNotConcurrent)
{
    push(a.next("PLATELETS", "85"));
    // A has not pulled its own event yet (base 0) and corrects it: not concurrent with itself.
    auto r = push(a.nextWith("PLATELETS", "58", "85", 0, "TRANSCRIPTION_ERROR", "digits swapped"));
    EXPECT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED) << r.outcomes(0).message();
    EXPECT_EQ(last().conflicts_size(), 0);
}

TEST_P(GatewayMergeTest, aChangeMadeWithKnowledgeOfTheConflictResolvesIt)
{
    push(a.next("PLATELETS", "85"));
    push(b.next("PLATELETS", "58"));
    ASSERT_EQ(store->conflicts(true).size(), 1u);
    // A pulls both (base 2) and records the checked value with a reason.
    auto resolution = a.nextWith("PLATELETS", "58", "85", 2, "CONFLICT_RESOLUTION", "checked against the lab report");
    auto r = push(resolution);
    ASSERT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED) << r.outcomes(0).message();
    const auto se = last();
    EXPECT_EQ(se.conflicts_size(), 0);
    ASSERT_EQ(se.resolved_items_size(), 1);
    EXPECT_EQ(se.resolved_items(0), "PLATELETS");
    EXPECT_TRUE(store->conflicts(true).empty());
    const auto all = store->conflicts(false);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].resolvedBySeq, 3u);
}

TEST_P(GatewayMergeTest, aStaleResolutionOpensAnotherQueryInsteadOfWinning)
{
    push(a.next("PLATELETS", "85"));
    push(b.next("PLATELETS", "58"));
    // A saw only its own value (base 1) and changes it again: still concurrent with B's 58.
    auto stale = a.nextWith("PLATELETS", "60", "85", 1, "NEW_RESULT", "repeat sample");
    push(stale);
    EXPECT_EQ(last().conflicts_size(), 1);
    EXPECT_EQ(store->conflicts(true).size(), 2u);
}

TEST_P(GatewayMergeTest, aBaseVersionBeyondAnythingTheGatewayNumberedIsNoLicenceToOverwrite)
{
    push(a.next("PLATELETS", "85"));
    // B claims to have seen server_seq 1000 where one event was ever numbered: it cannot have seen A's 85 that way.
    auto r = push(b.nextWith("PLATELETS", "58", "80", 1000, "TRANSCRIPTION_ERROR", "digits swapped"));
    ASSERT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED) << r.outcomes(0).message();
    const auto se = last();
    ASSERT_EQ(se.conflicts_size(), 1) << "taken as an unknown base: a concurrent change, never a silent overwrite";
    EXPECT_EQ(se.conflicts(0).kept_value(), "85");
    EXPECT_EQ(store->conflicts(true).size(), 1u);
}

TEST_P(GatewayMergeTest, anEventIdUsedTwiceIsRefusedOnItsOwnAndTheRestOfTheBatchIsStored)
{
    const auto first = a.next("PLATELETS", "85");
    push(first);
    b.useEventIdOnce(first.event_id());
    v1::PushRequest req;
    req.set_device_id("dev-B");
    *req.add_events() = b.next("GCS", "13");
    *req.add_events() = b.next("MAP", "64");
    const auto r = domain.push(req);
    ASSERT_TRUE(r.ok()) << "never a storage failure that no resend gets past: " << r.error().text();
    ASSERT_EQ(r->outcomes_size(), 2);
    EXPECT_EQ(r->outcomes(0).status(), v1::OUTCOME_STATUS_REJECTED);
    EXPECT_NE(r->outcomes(0).message().find("already the id of event 1 of device dev-A"), std::string::npos)
        << r->outcomes(0).message();
    EXPECT_EQ(r->outcomes(1).status(), v1::OUTCOME_STATUS_ACCEPTED) << "the refused event still links B's chain";
    EXPECT_EQ(store->eventCount(), 2u);
    EXPECT_EQ(store->refusedCount(), 1u);
}

TEST_P(GatewayMergeTest, aDeviceClockOffByMoreThanTheThresholdIsFlaggedNotRefused)
{
    const int64_t now = clock.nowMs();
    auto r = push(a.next("PLATELETS", "85"), now + 24LL * 3600 * 1000); // a day ahead
    EXPECT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
    EXPECT_TRUE(last().clock_flagged());
    EXPECT_EQ(last().clock_skew_ms(), 24LL * 3600 * 1000);
    push(a.next("GCS", "13"), now - 24LL * 3600 * 1000); // a day behind
    EXPECT_TRUE(last().clock_flagged());
    push(a.next("MAP", "64"), now + 30 * 1000); // 30 s: normal drift
    EXPECT_FALSE(last().clock_flagged());
    EXPECT_EQ(last().clock_skew_ms(), 30 * 1000);
}

TEST_P(GatewayMergeTest, theServerChainCoversWhatTheGatewayAdds)
{
    push(a.next("PLATELETS", "85"));
    push(b.next("PLATELETS", "58"), clock.nowMs() + 600'000);
    auto events = store->eventsAfter(0, 10);
    ASSERT_EQ(events.size(), 2u);
    const auto link = serverChainHash(events[0].server_hash(), events[1]);
    EXPECT_EQ(events[1].server_hash(), std::string(reinterpret_cast<const char*>(link.data()), 32));
    events[1].mutable_conflicts(0)->set_kept_value("99");
    const auto forged = serverChainHash(events[0].server_hash(), events[1]);
    EXPECT_NE(events[1].server_hash(), std::string(reinterpret_cast<const char*>(forged.data()), 32));
}

// --- per-event checks against the study definition -----------------------------------------------------------------

namespace {

class GatewayRulesTest : public ::testing::TestWithParam<test::Backend> {
protected:
    test::StoreBackend backend{GetParam()};
    ManualClock clock{1'790'000'500'000};
    std::unique_ptr<Store> store = backend.open();
    SyncDomain domain{*store, clock, StudyRegistry::load({CRF_STUDIES_DIR "/imicro.json"}).value()};
};

} // namespace

INSTANTIATE_TEST_SUITE_P(Backends, GatewayRulesTest, ::testing::Values(test::Backend::Sqlite, test::Backend::Postgres),
                         test::backendName);

TEST_P(GatewayRulesTest, refusesUnknownItemsImpossibleValuesAndSiteOnlyDataPerEventAndAcceptsTheRest)
{
    test::EventFactory t{"dev-A"};
    v1::PushRequest req;
    req.set_device_id("dev-A");
    *req.add_events() = t.next("PLATELETS", "85");                       // fine
    auto unknown = t.next("PLATELETZ", "85");                            // unknown item
    auto impossible = t.next("PLATELETS", "-4");                         // below the hard range
    auto contact = t.nextIn("CONTACT", "D0", "TRUSTED_PHONE", "0612");   // site-only
    auto derived = t.nextIn("SOFA", "D0", "SOFA_TOTAL", "12");           // derived: computed, never sent
    auto wrongVisit = t.nextIn("MOTTLING", "D5", "MOTTLING_SCORE", "2"); // not scheduled at D5
    for (auto* e : {&unknown, &impossible, &contact, &derived, &wrongVisit})
        *req.add_events() = *e;
    const auto r = domain.push(req).value();
    ASSERT_EQ(r.outcomes_size(), 6);
    EXPECT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
    EXPECT_EQ(r.outcomes(1).status(), v1::OUTCOME_STATUS_REJECTED);
    EXPECT_NE(r.outcomes(1).message().find("PLATELETZ"), std::string::npos);
    EXPECT_EQ(r.outcomes(2).status(), v1::OUTCOME_STATUS_REJECTED);
    EXPECT_NE(r.outcomes(2).message().find("not possible"), std::string::npos) << r.outcomes(2).message();
    EXPECT_EQ(r.outcomes(3).status(), v1::OUTCOME_STATUS_REJECTED);
    EXPECT_NE(r.outcomes(3).message().find("never leave the site"), std::string::npos);
    EXPECT_EQ(r.outcomes(4).status(), v1::OUTCOME_STATUS_REJECTED);
    EXPECT_EQ(r.outcomes(5).status(), v1::OUTCOME_STATUS_REJECTED);
    EXPECT_NE(r.outcomes(5).message().find("not scheduled"), std::string::npos);
    // The reasons travel with their wording parts too, so the tablet shows them in its screen's language.
    EXPECT_EQ(r.outcomes(1).wording().where(), "item PLATELETZ");
    EXPECT_EQ(r.outcomes(1).wording().text_template(), "not an item of form %1");
    ASSERT_EQ(r.outcomes(1).wording().args_size(), 1);
    EXPECT_EQ(r.outcomes(1).wording().args(0), "SOFA");
    EXPECT_EQ(r.outcomes(5).wording().text_template(), "form %1 is not scheduled at visit %2");
    // The gateway's own range check too: the form engine's template, the item's label and the value first.
    EXPECT_EQ(r.outcomes(2).wording().text_template(), "%1 must be between %4 and %5%3; %2 is not possible")
        << r.outcomes(2).message();
    ASSERT_GE(r.outcomes(2).wording().args_size(), 2);
    EXPECT_EQ(r.outcomes(2).wording().args(1), "-4");
    EXPECT_EQ(store->eventCount(), 1u);
}

TEST_P(GatewayRulesTest, refusesUnknownStudiesAndDefinitionVersions)
{
    test::EventFactory t{"dev-A"};
    auto other = t.next("PLATELETS", "85");
    other.set_study_id("OTHER");
    v1::PushRequest req;
    *req.add_events() = other;
    EXPECT_NE(domain.push(req).value().outcomes(0).message().find("not served"), std::string::npos);
    test::EventFactory u{"dev-B"};
    auto old = u.next("PLATELETS", "85");
    old.set_definition_version("2019-0");
    v1::PushRequest req2;
    *req2.add_events() = old;
    EXPECT_NE(domain.push(req2).value().outcomes(0).message().find("version 2019-0"), std::string::npos);
}

TEST_P(GatewayRulesTest, acceptsMissingDataReasonsForKnownItems)
{
    test::EventFactory t{"dev-A"};
    v1::PushRequest req;
    *req.add_events() = t.next("URINE_24H#ND", "NOT_DONE|no catheter");
    EXPECT_EQ(domain.push(req).value().outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
}

// Two batches of one tablet are out at once (SyncEngine::kPushesInFlight): the later one waits while the earlier one
// is taken, other devices never wait, and the earliest batch in progress never waits at all.
TEST(DeviceBatchOrder, aDevicesLaterBatchWaitsForItsEarlierOneAndNoOtherDeviceWaits)
{
    using namespace std::chrono_literals;
    DeviceBatchOrder order;
    order.enter("tab-A", 1, 5s); // batch 1 of tablet A is being taken

    std::atomic<bool> laterIn{false};
    std::thread later([&] {
        order.enter("tab-A", 201, 5s);
        laterIn = true;
        order.leave("tab-A", 201);
    });
    const auto start = std::chrono::steady_clock::now();
    order.enter("tab-B", 1, 5s); // another tablet: at once
    order.leave("tab-B", 1);
    order.enter("tab-A", 1, 5s); // a batch resent from the same start (not later): at once
    order.leave("tab-A", 1);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(laterIn) << "batch 201 was taken while batch 1 was in progress";

    order.leave("tab-A", 1);
    later.join();
    EXPECT_TRUE(laterIn);

    // A batch whose earlier one never leaves is taken after the limit, as before the order existed.
    order.enter("tab-C", 1, 5s);
    const auto waited = std::chrono::steady_clock::now();
    order.enter("tab-C", 201, 200ms);
    EXPECT_GE(std::chrono::steady_clock::now() - waited, 190ms);
    order.leave("tab-C", 201);
    order.leave("tab-C", 1);
}
