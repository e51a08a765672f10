// Audit trail: both hash chains verify on intact data and name the first broken link after one byte is altered;
// a field's full history reads like an audit trail.
#include "domain/audit.h"
#include "domain/sync_domain.h"
#include "event_factory.h"
#include "photo.h"
#include "store_backend.h"
#include "test_support.h"

#include <QTemporaryDir>
#include <filesystem>
#include <gtest/gtest.h>

using namespace crf;
using namespace crf::gateway;

namespace {

class AuditTest : public ::testing::TestWithParam<test::Backend> {
protected:
    test::StoreBackend backend{GetParam()};
    ManualClock clock{1'790'000'500'000};
    std::unique_ptr<Store> store = backend.open();
    test::EventFactory a{"dev-A"}, b{"dev-B"};

    void record()
    {
        SyncDomain domain{*store, clock, StudyRegistry::load({CRF_STUDIES_DIR "/imicro.json"}).value()};
        auto push = [&](v1::ChangeEvent e, int64_t skew = 0) {
            v1::PushRequest req;
            req.set_device_now_ms(clock.nowMs() + skew);
            *req.add_events() = std::move(e);
            return domain.push(req).value();
        };
        push(a.next("PLATELETS", "85"));
        push(b.next("PLATELETS", "58"), 3'600'000); // conflict, clock an hour ahead
        push(a.next("PLATELETS", "-4"));            // refused: below the hard range
        push(a.nextWith("PLATELETS", "58", "85", 2, "CONFLICT_RESOLUTION", "lab report")); // resolves
        clock.advance(60'000);
        push(b.next("GCS", "13"));
    }

    /// Runs `sql` on PostgreSQL as a superuser going around the triggers (session_replication_role = replica) and
    /// the gateway's role.
    void alterAsSuperuser(const std::string& sql)
    {
        ASSERT_EQ(test::pgRefusal(backend.superuserUri(), "SET session_replication_role = replica; " + sql), "");
    }

    /// Opens the store again (after it was altered behind the gateway's back) and verifies it.
    AuditReport reopenAndVerify()
    {
        store = backend.open();
        return verifyAudit(*store);
    }
};

} // namespace

INSTANTIATE_TEST_SUITE_P(Backends, AuditTest, ::testing::Values(test::Backend::Sqlite, test::Backend::Postgres),
                         test::backendName);

TEST_P(AuditTest, intactDataVerifies)
{
    record();
    const auto r = verifyAudit(*store);
    EXPECT_TRUE(r.intact()) << *r.firstBrokenLink;
    EXPECT_EQ(r.eventsChecked, 4u);
    EXPECT_EQ(r.refusedChecked, 1u);
    EXPECT_EQ(r.devices, 2u);
}

// A verified photo is named by the SHA-256 of its bytes: one byte changed in the stored photo (the embedded store's
// file, or a PostgreSQL row changed around the triggers) is named by its digest, and the intact photo counted.
TEST_P(AuditTest, aPhotoWhoseStoredBytesWereAlteredIsNamed)
{
    record();
    std::string photo(300'000, '\0');
    for (size_t i = 0; i < photo.size(); ++i)
        photo[i] = static_cast<char>(i * 31 % 256);
    const std::string digest = photo::digestHex(photo);
    ASSERT_TRUE(store->photoAppend(digest, 0, photo.size(), photo, true).verified);
    const auto before = verifyAudit(*store);
    EXPECT_TRUE(before.intact()) << *before.firstBrokenLink;
    EXPECT_EQ(before.photosChecked, 1u);

    store.reset();
    if (GetParam() == test::Backend::Sqlite) {
        namespace fs = std::filesystem;
        const std::string file = backend.photoDir() + "/" + digest;
        fs::permissions(file, fs::perms::owner_write, fs::perm_options::add); // as an administrator could
        std::string bytes = test::readFile(file);
        bytes[16 + 200'000] ^= 0x01;
        test::writeFile(file, bytes);
    } else {
        alterAsSuperuser("UPDATE photo_chunks SET data = set_byte(data, 200000, get_byte(data, 200000) # 1) WHERE "
                         "digest = '" +
                         digest + "'");
    }
    const auto r = reopenAndVerify();
    ASSERT_FALSE(r.intact());
    EXPECT_EQ(*r.firstBrokenLink, "photo " + digest + ": its stored bytes do not match its digest (altered?)");
}

TEST_P(AuditTest, oneAlteredByteIsFoundAndNamed)
{
    record();
    store.reset(); // checkpoint and close: the bytes are in gateway.db
    // The platelet value 85 inside a serialized event: protobuf item_oid "PLATELETS", then new_value (tag 0x1a,
    // length 2) "85". Random ids, hashes and the projection tables cannot match this pattern. 85 -> 86: still a
    // well-formed event, but not the one that was hashed.
    const std::string pattern = std::string("PLATELETS\x1a\x02", 11) + "85";
    if (GetParam() == test::Backend::Sqlite) {
        const std::string path = backend.sqliteFile();
        std::string bytes = test::readFile(path);
        const auto value = bytes.find(pattern);
        ASSERT_NE(value, std::string::npos);
        bytes[value + pattern.size() - 1] = '6';
        test::writeFile(path, bytes);
    } else {
        const std::string hex = "'\\x504c4154454c4554531a023835'::bytea";
        alterAsSuperuser("UPDATE events SET payload = overlay(payload PLACING '\\x36'::bytea FROM position(" + hex +
                         " IN payload) + 12 FOR 1) WHERE server_seq = (SELECT min(server_seq) FROM events WHERE "
                         "position(" +
                         hex + " IN payload) > 0)");
    }
    const auto r = reopenAndVerify();
    ASSERT_FALSE(r.intact());
    EXPECT_EQ(r.firstBrokenLink->rfind("server_seq ", 0), 0u) << *r.firstBrokenLink;
    EXPECT_NE(r.firstBrokenLink->find("does not match its recorded hash"), std::string::npos) << *r.firstBrokenLink;
}

TEST_P(AuditTest, aRemovedLinkInADeviceChainIsNamed)
{
    record();
    // Simulate a lost refusal record: the device chain then skips a sequence number.
    store.reset();
    if (GetParam() == test::Backend::Sqlite)
        ASSERT_EQ(backend.ownerRefusal("DROP TRIGGER refused_no_delete; DELETE FROM refused;"), "");
    else
        alterAsSuperuser("DELETE FROM refused");
    const auto r = reopenAndVerify();
    ASSERT_FALSE(r.intact());
    EXPECT_NE(r.firstBrokenLink->find("device dev-A seq 2: missing"), std::string::npos) << *r.firstBrokenLink;
}

TEST_P(AuditTest, fieldHistoryShowsWhoWhatWhenWhyWithConflictsRefusalsAndClockFlags)
{
    record();
    auto h = fieldHistory(*store, "01-001", "PLATELETS");
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->size(), 4u);
    EXPECT_EQ((*h)[0].newValue, "85");
    EXPECT_EQ((*h)[0].userId, "nurse1");
    EXPECT_EQ((*h)[0].siteId, "01");
    EXPECT_GT((*h)[0].receivedAtMs, 0);
    EXPECT_NE((*h)[1].notes.find("CONFLICT"), std::string::npos);
    EXPECT_NE((*h)[1].notes.find("clock"), std::string::npos);
    EXPECT_EQ((*h)[2].oldValue, "85");
    EXPECT_EQ((*h)[2].reasonCode, "CONFLICT_RESOLUTION");
    EXPECT_NE((*h)[2].notes.find("resolves"), std::string::npos);
    EXPECT_EQ((*h)[3].serverSeq, 0u);
    EXPECT_NE((*h)[3].notes.find("REFUSED"), std::string::npos);
    EXPECT_EQ(fieldHistory(*store, "01-001", "GCS")->size(), 1u);
}
