// Gateway storage and push rules: append-only at the database level, idempotent push, chains, pull paging.
#include "crf/v1/gateway_store.pb.h"
#include "domain/audit.h"
#include "domain/sync_domain.h"
#include "event_factory.h"
#include "photo.h"
#include "sqlite.h"
#include "storage/store.h"
#include "store_backend.h"

#include <QTemporaryDir>
#include <filesystem>
#include <fstream>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <map>

using namespace crf;
using namespace crf::gateway;

namespace {

/// The same rules on both backends (TEST_P); the SQLite-only file checks use GatewayStoreSqliteTest.
class GatewayStoreBase {
protected:
    explicit GatewayStoreBase(test::Backend kind) : backend(kind) {}
    test::StoreBackend backend;
    ManualClock clock{1'790'000'500'000};
    std::unique_ptr<Store> store = backend.open();
    SyncDomain domain{*store, clock};
    test::EventFactory tabletA{"dev-A"};

    /// The first accepted event of tablet A as the gateway records it (numbering, receipt, both hashes, clock skew).
    v1::ServerEvent firstStored(int64_t clockSkewMs)
    {
        v1::ServerEvent se;
        *se.mutable_event() = tabletA.next("PLATELETS", "85");
        se.set_server_seq(1);
        se.set_received_at_ms(1'790'000'500'000);
        se.set_event_hash(std::string(32, '\x11'));
        se.set_server_hash(std::string(32, '\x22'));
        se.set_clock_skew_ms(clockSkewMs);
        return se;
    }

    v1::PushResponse push(std::initializer_list<v1::ChangeEvent> events, const std::string& device = "dev-A")
    {
        v1::PushRequest req;
        req.set_device_id(device);
        for (const auto& e : events)
            *req.add_events() = e;
        auto r = domain.push(req);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().text());
        return r.ok() ? r.value() : v1::PushResponse{};
    }
};

class GatewayStoreTest : public ::testing::TestWithParam<test::Backend>, public GatewayStoreBase {
protected:
    GatewayStoreTest() : GatewayStoreBase(GetParam()) {}
};

class GatewayStoreSqliteTest : public ::testing::Test, public GatewayStoreBase {
protected:
    GatewayStoreSqliteTest() : GatewayStoreBase(test::Backend::Sqlite) {}
};

} // namespace

INSTANTIATE_TEST_SUITE_P(Backends, GatewayStoreTest, ::testing::Values(test::Backend::Sqlite, test::Backend::Postgres),
                         test::backendName);

TEST_P(GatewayStoreTest, acceptedEventsGetServerSequenceReceiptTimeAndAChainedServerHash)
{
    auto r = push({tabletA.next("PLATELETS", "85"), tabletA.next("GCS", "13")});
    ASSERT_EQ(r.outcomes_size(), 2);
    EXPECT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
    EXPECT_EQ(r.outcomes(0).server_seq(), 1u);
    EXPECT_EQ(r.outcomes(1).server_seq(), 2u);
    auto events = store->eventsAfter(0, 10);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].received_at_ms(), 1'790'000'500'000);
    const auto link = serverChainHash(events[0].server_hash(), events[1]);
    EXPECT_EQ(events[1].server_hash(), std::string(reinterpret_cast<const char*>(link.data()), 32));
}

// An event is stored as two columns (the device's event, and what the gateway added to it); reading it back gives
// every field as it was, including those the merge and the clock check set.
TEST_P(GatewayStoreTest, aStoredEventReadsBackWithEveryFieldAsItWas)
{
    v1::ServerEvent se = firstStored(-86'400'000);
    se.set_clock_flagged(true);
    auto* note = se.add_conflicts();
    note->set_item_oid("PLATELETS");
    note->set_kept_value("90");
    note->set_kept_present(true);
    note->set_kept_server_seq(7);
    note->set_conflict_id(3);
    se.add_resolved_items("GCS");
    v1::ServerEvent bare; // an event with nothing but its numbering
    bare.mutable_event();
    bare.set_server_seq(2);
    {
        auto tx = store->beginWrite();
        tx->append(se);
        tx->append(bare);
        tx->commit();
    }
    const auto back = store->eventsAfter(0, 10);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back[0], se)) << back[0].DebugString();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back[1], bare)) << back[1].DebugString();
}

// A pushed event is kept as the bytes it came in (packing::ReceivedEvents), not serialized again: the record is what
// the device sent, it reads back as the same event and both chains verify.
TEST_P(GatewayStoreTest, aPushedEventIsKeptAsTheBytesItCameIn)
{
    const v1::ChangeEvent first = tabletA.next("PLATELETS", "85"), second = tabletA.next("GCS", "13");
    std::vector<std::string> sent;
    v1::PushRequest req;
    req.set_device_id("dev-A");
    for (const auto& e : {first, second}) {
        v1::ChangeEvent head = e, tail; // the event id written last: bytes no serializer would write
        head.clear_event_id();
        tail.set_event_id(e.event_id());
        sent.push_back(head.SerializeAsString() + tail.SerializeAsString());
        ASSERT_TRUE(req.add_events()->ParseFromString(sent.back()));
    }
    const std::vector<std::string_view> received{sent[0], sent[1]};
    auto r = domain.push(req, received);
    ASSERT_TRUE(r.ok()) << r.error().text();
    ASSERT_EQ(r->outcomes(1).status(), v1::OUTCOME_STATUS_ACCEPTED);

    const auto back = store->eventsAfter(0, 10);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back[0].event(), first));
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back[1].event(), second));
    EXPECT_EQ(back[1].server_seq(), 2u);
    EXPECT_EQ(back[1].received_at_ms(), clock.nowMs());
    EXPECT_EQ(back[1].event_hash(), digestBytes(eventHash(second)));
    const auto audit = verifyAudit(*store);
    EXPECT_TRUE(audit.intact()) << audit.firstBrokenLink.value_or("");

    if (GetParam() == test::Backend::Sqlite) {
        sql::Database raw(backend.sqliteFile(), sql::Database::Mode::OpenExisting);
        auto& st = raw.prepare("SELECT payload, length(server_meta) FROM events ORDER BY server_seq");
        for (const auto& bytes : sent) {
            ASSERT_TRUE(st.step());
            EXPECT_EQ(st.blob(0), bytes) << "the bytes as they came";
            EXPECT_EQ(st.int64(1), 0) << "numbering, receipt time and hashes are in their own columns only";
        }
    }
}

// Rows written before item 45 carry the numbering, receipt time and both hashes in server_meta as well: they read
// back the same.
TEST_F(GatewayStoreSqliteTest, anEventRowWhoseMetaRepeatsItsColumnsReadsBackTheSame)
{
    const v1::ServerEvent se = firstStored(-5);
    v1::ServerEvent meta = se;
    meta.clear_event();
    {
        sql::Database raw(backend.sqliteFile(), sql::Database::Mode::OpenExisting);
        raw.prepare("INSERT INTO events (server_seq, device_id, device_seq, event_id, study_id, site_id, subject_id, "
                    "received_at_ms, event_hash, server_hash, payload, server_meta) VALUES (1, 'dev-A', 1, ?1, ?2, "
                    "'01', ?3, ?4, ?5, ?6, ?7, ?8)")
            .bind(1, se.event().event_id())
            .bind(2, se.event().study_id())
            .bind(3, se.event().form().subject_id())
            .bind(4, se.received_at_ms())
            .bindBlob(5, se.event_hash())
            .bindBlob(6, se.server_hash())
            .bindBlob(7, se.event().SerializeAsString())
            .bindBlob(8, meta.SerializeAsString())
            .run();
    }
    const auto back = store->eventsAfter(0, 10);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back[0], se)) << back[0].DebugString();
}

TEST_P(GatewayStoreTest, pushingTheSameEventAgainStoresItOnceAndAcknowledgesItAgain)
{
    const auto e = tabletA.next("PLATELETS", "85");
    auto first = push({e});
    auto again = push({e, e});
    EXPECT_EQ(first.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
    ASSERT_EQ(again.outcomes_size(), 2);
    for (const auto& o : again.outcomes()) {
        EXPECT_EQ(o.status(), v1::OUTCOME_STATUS_DUPLICATE);
        EXPECT_EQ(o.server_seq(), first.outcomes(0).server_seq());
    }
    EXPECT_EQ(store->eventCount(), 1u);
}

TEST_P(GatewayStoreTest, aReusedSequenceWithDifferentContentIsRejected)
{
    auto e = tabletA.next("PLATELETS", "85");
    push({e});
    e.mutable_changes(0)->set_new_value("86");
    auto r = push({e});
    EXPECT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_CHAIN_CONFLICT);
    EXPECT_EQ(r.device_head_seq(), 1u);
    EXPECT_NE(r.outcomes(0).message().find("already used"), std::string::npos);
    EXPECT_EQ(store->eventCount(), 1u);
}

TEST_P(GatewayStoreTest, aGapInTheDeviceSequenceAsksForARetryAndStoresNothingOutOfOrder)
{
    const auto e1 = tabletA.next("PLATELETS", "85");
    const auto e2 = tabletA.next("GCS", "13");
    auto r = push({e2});
    EXPECT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_RETRY_LATER);
    EXPECT_EQ(store->eventCount(), 0u);
    r = push({e1, e2});
    EXPECT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
    EXPECT_EQ(r.outcomes(1).status(), v1::OUTCOME_STATUS_ACCEPTED);
}

TEST_P(GatewayStoreTest, aBrokenHashChainIsRejectedPerEventWhileTheRestOfTheBatchIsAccepted)
{
    const auto e1 = tabletA.next("PLATELETS", "85");
    auto e2 = tabletA.next("GCS", "13");
    e2.set_prev_hash(std::string(32, '\x7f'));
    test::EventFactory tabletB{"dev-B"};
    v1::PushRequest req; // a relay pushing for two devices: no single device id
    *req.add_events() = e1;
    *req.add_events() = e2;
    *req.add_events() = tabletB.next("MAP", "64");
    auto r = domain.push(req).value();
    EXPECT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
    EXPECT_EQ(r.outcomes(1).status(), v1::OUTCOME_STATUS_CHAIN_CONFLICT);
    EXPECT_NE(r.outcomes(1).message().find("hash chain"), std::string::npos);
    EXPECT_EQ(r.outcomes(2).status(), v1::OUTCOME_STATUS_ACCEPTED);
    EXPECT_EQ(store->eventCount(), 2u);
}

TEST_P(GatewayStoreTest, aChangeOfASavedValueWithoutAReasonIsRejectedAtTheGatewayToo)
{
    push({tabletA.next("PLATELETS", "85")});
    auto r = push({tabletA.next("PLATELETS", "58", "01-001", "85")});
    EXPECT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_REJECTED);
    EXPECT_NE(r.outcomes(0).message().find("reason"), std::string::npos);
}

TEST_P(GatewayStoreTest, malformedEventsAreRejectedNamingTheField)
{
    auto e = tabletA.next("PLATELETS", "85");
    e.clear_user_id();
    auto r = push({e});
    EXPECT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_REJECTED);
    EXPECT_EQ(r.outcomes(0).message().rfind("user_id", 0), 0u);
}

TEST_F(GatewayStoreSqliteTest, theDatabaseItselfRefusesUpdateAndDeleteOfEvents)
{
    push({tabletA.next("PLATELETS", "85")});
    sql::Database raw(backend.sqliteFile(), sql::Database::Mode::OpenExisting);
    EXPECT_THROW(raw.exec("UPDATE events SET payload = x'00' WHERE server_seq = 1"), sql::SqlError);
    EXPECT_THROW(raw.exec("DELETE FROM events"), sql::SqlError);
    try {
        raw.exec("DELETE FROM events");
    } catch (const sql::SqlError& e) {
        EXPECT_NE(std::string(e.what()).find("append-only"), std::string::npos);
    }
    EXPECT_EQ(store->eventCount(), 1u);
}

// The gateway runs for months on one connection. Reads that step once and keep their statement (a lookup, a page
// read that stopped early) held a snapshot of the write-ahead log, so no checkpoint could copy a frame: the log
// grew by every commit, and a restart after a crash would have read all of it back. A lease handed back and every
// transaction now end such reads.
TEST_F(GatewayStoreSqliteTest, theWriteAheadLogStaysBoundedWhileTheGatewayRuns)
{
    for (int batch = 0; batch < 200; ++batch) { // about 50 MiB of log when nothing is copied
        v1::PushRequest req;
        req.set_device_id("dev-A");
        for (int i = 0; i < 100; ++i)
            *req.add_events() = tabletA.next("PLATELETS", std::to_string(100 + (batch * 100 + i) % 300),
                                             "01-" + std::to_string(batch * 100 + i));
        ASSERT_TRUE(domain.push(req).ok());
        ASSERT_EQ(store->eventsAfter(0, 10).size(), 10u); // a page read that stops before the end
        ASSERT_TRUE(store->serverHashAt(1).has_value());
    }
    namespace fs = std::filesystem;
    // Copied on a thread of its own while pushes go on, and by the writer itself past 4,000 pages (16 MiB).
    EXPECT_LT(fs::file_size(backend.sqliteFile() + "-wal"), 20u * 1024 * 1024);
    EXPECT_GT(fs::file_size(backend.sqliteFile()), 8u * 1024 * 1024);
    EXPECT_EQ(store->eventCount(), 20000u);
}

// Merge state written by a gateway before schema 12 (a map naming the device in every field) is read as it was: a
// concurrent change of a field it holds still conflicts, and the row is rewritten in the compact form.
TEST_F(GatewayStoreSqliteTest, mergeStateOfTheOlderFormIsReadAndRewrittenCompact)
{
    test::EventFactory tabletB{"dev-B"};
    push({tabletA.next("PLATELETS", "85"), tabletA.next("GCS", "13")});
    auto rowOf = [&](sql::Database& raw) {
        auto& st = raw.prepare("SELECT fields FROM form_state");
        EXPECT_TRUE(st.step());
        v1::StoredForm form;
        EXPECT_TRUE(form.ParseFromString(st.blob(0)));
        return form;
    };
    {
        sql::Database raw(backend.sqliteFile(), sql::Database::Mode::OpenExisting);
        const v1::StoredForm compact = rowOf(raw);
        ASSERT_EQ(compact.entries_size(), 2);
        EXPECT_EQ(compact.entries(0).item_oid(), "GCS") << "sorted by item OID";
        ASSERT_EQ(compact.devices_size(), 1) << "each device once";
        v1::StoredForm older;
        for (const auto& e : compact.entries()) {
            v1::StoredField& f = (*older.mutable_fields())[e.item_oid()];
            f.set_value(e.value());
            f.set_present(e.present());
            f.set_value_seq(e.value_seq());
            f.set_last_seq(e.last_seq());
            f.set_last_device(compact.devices(static_cast<int>(e.last_device())));
        }
        raw.prepare("UPDATE form_state SET fields = ?1").bindBlob(1, older.SerializeAsString()).run();
    }
    // Each push reads the merge state afresh (nothing is cached across transactions).
    const auto r = push({tabletB.next("PLATELETS", "58")}, "dev-B"); // B never saw 85
    ASSERT_EQ(r.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED) << r.outcomes(0).message();
    const auto se = store->eventsAfter(2, 1).front();
    ASSERT_EQ(se.conflicts_size(), 1);
    EXPECT_EQ(se.conflicts(0).kept_value(), "85");

    sql::Database raw(backend.sqliteFile(), sql::Database::Mode::OpenExisting);
    const v1::StoredForm after = rowOf(raw);
    EXPECT_TRUE(after.fields().empty());
    ASSERT_EQ(after.entries_size(), 2);
    EXPECT_EQ(after.entries(1).item_oid(), "PLATELETS");
    EXPECT_EQ(after.entries(1).value(), "85") << "the first accepted value is kept";
    EXPECT_EQ(after.devices_size(), 2);
    EXPECT_EQ(after.devices(static_cast<int>(after.entries(1).last_device())), "dev-B");
}

TEST_P(GatewayStoreTest, acceptedEventsSurviveAReopenOfTheStore)
{
    push({tabletA.next("PLATELETS", "85")});
    store.reset();
    EXPECT_EQ(backend.open()->eventCount(), 1u);
}

TEST_P(GatewayStoreTest, pullPagesFollowTheServerCursorToTheEnd)
{
    for (int i = 0; i < 7; ++i)
        push({tabletA.next("ITEM" + std::to_string(i), std::to_string(i))});
    uint64_t cursor = 0;
    int pages = 0, events = 0;
    while (true) {
        v1::PullRequest req;
        req.set_after_server_seq(cursor);
        req.set_limit(3);
        auto page = domain.pull(req).value();
        ++pages;
        events += page.events_size();
        cursor = page.next_cursor();
        if (!page.has_more())
            break;
    }
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(events, 7);
    EXPECT_EQ(cursor, 7u);
}

// A tablet names the last event it pulled; a gateway that holds another event there (restored to an earlier point)
// says its history differs and sends nothing, so the tablet pulls again from the start (docs/sync.md).
TEST_P(GatewayStoreTest, aPullNamingAnEventTheGatewayDoesNotHoldAsItWasIsToldTheHistoryDiffers)
{
    for (int i = 0; i < 3; ++i)
        push({tabletA.next("ITEM" + std::to_string(i), std::to_string(i))});
    v1::PullRequest first;
    const auto all = domain.pull(first).value();
    ASSERT_EQ(all.events_size(), 3);
    EXPECT_FALSE(all.history_differs());

    v1::PullRequest same;
    same.set_after_server_seq(2);
    same.set_check_seq(2);
    same.set_check_hash(all.events(1).server_hash());
    const auto next = domain.pull(same).value();
    EXPECT_FALSE(next.history_differs());
    EXPECT_EQ(next.events_size(), 1);

    for (const auto& [seq, hash] : std::vector<std::pair<uint64_t, std::string>>{
             {2, all.events(0).server_hash()}, // another event there
             {9, all.events(2).server_hash()}, // beyond what the gateway holds
         }) {
        v1::PullRequest other;
        other.set_after_server_seq(seq);
        other.set_check_seq(seq);
        other.set_check_hash(hash);
        const auto page = domain.pull(other).value();
        EXPECT_TRUE(page.history_differs()) << "check at " << seq;
        EXPECT_EQ(page.events_size(), 0);
    }
}

// The photos are in photos.db next to gateway.db. A gateway.db restored or copied without it, or next to another
// store's photos.db, is refused naming the file: an empty photos.db made on opening would lose every photo silently.
TEST(GatewayStoreOpen, aStoreWithoutItsOwnPhotoFileIsRefusedNamingIt)
{
    QTemporaryDir dir, other;
    ASSERT_TRUE(openSqliteStore(dir.path().toStdString()).ok());
    ASSERT_TRUE(openSqliteStore(other.path().toStdString()).ok());
    namespace fs = std::filesystem;
    // Moved away, the file or folder is named in the refusal and nothing is made in its place; back, the store opens.
    auto refusedWithout = [&](const fs::path& part) {
        const fs::path away = part.string() + ".away";
        fs::rename(part, away);
        auto missing = openSqliteStore(dir.path().toStdString());
        ASSERT_FALSE(missing.ok());
        EXPECT_EQ(missing.error().where, part.string());
        EXPECT_NE(missing.error().text().find("missing"), std::string::npos);
        EXPECT_FALSE(fs::exists(part));
        fs::rename(away, part);
        EXPECT_TRUE(openSqliteStore(dir.path().toStdString()).ok());
    };
    const fs::path photos = dir.filePath("photos.db").toStdString();
    refusedWithout(photos);
    refusedWithout(dir.filePath("photos").toStdString()); // the folder of the photos' bytes (schema 14)

    fs::rename(photos, dir.filePath("photos.db.away").toStdString());
    fs::copy_file(other.filePath("photos.db").toStdString(), photos);
    auto foreign = openSqliteStore(dir.path().toStdString());
    ASSERT_FALSE(foreign.ok());
    EXPECT_NE(foreign.error().text().find("another gateway store"), std::string::npos);
    fs::remove(photos);
    fs::rename(dir.filePath("photos.db.away").toStdString(), photos);
    EXPECT_TRUE(openSqliteStore(dir.path().toStdString()).ok());
}

namespace {

/// The photo files of an embedded store in `dir`: digest -> the bytes after the 16-byte header.
std::map<std::string, std::string> photoFilesIn(const std::filesystem::path& dir)
{
    std::map<std::string, std::string> out;
    for (const auto& f : std::filesystem::directory_iterator(dir / "photos")) {
        std::ifstream in(f.path(), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        out[f.path().filename().string()] = bytes.size() >= 16 ? bytes.substr(16) : std::string();
    }
    return out;
}

/// Puts an embedded store back to schema 13's layout (the photos' bytes as rows of photo_store.photo_chunks, no
/// folder photos/), with the bytes of each photo in `bytes` and the upload state in `rows`.
struct PhotoRow {
    std::string digest;
    int64_t total, received;
    bool verified;
};
void backToSchema13(const std::filesystem::path& dir, const std::vector<PhotoRow>& rows,
                    const std::map<std::string, std::string>& bytes)
{
    sql::Database raw((dir / "gateway.db").string(), sql::Database::Mode::OpenExisting);
    raw.exec("ATTACH DATABASE '" + (dir / "photos.db").string() + "' AS photo_store");
    raw.exec(R"sql(
        DROP TRIGGER photo_store.photos_verified_no_delete;
        DELETE FROM photo_store.photos;
        CREATE TABLE photo_store.photo_chunks (
            digest TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (digest, offset));
        CREATE TRIGGER photo_store.photos_verified_no_delete BEFORE DELETE ON photos WHEN OLD.verified = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
        CREATE TRIGGER photo_store.photo_chunks_verified_no_delete BEFORE DELETE ON photo_chunks
            WHEN (SELECT verified FROM photos WHERE digest = OLD.digest) = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
    )sql");
    for (const auto& r : rows) {
        raw.prepare("INSERT INTO photo_store.photos VALUES (?1, ?2, ?3, x'', ?4)")
            .bind(1, r.digest)
            .bind(2, r.total)
            .bind(3, r.received)
            .bind(4, int64_t{r.verified ? 1 : 0})
            .run();
        const std::string& b = bytes.at(r.digest);
        for (size_t at = 0; at < b.size(); at += 100'000) // rows of 100,000 bytes, as chunks of that size went up
            raw.prepare("INSERT INTO photo_store.photo_chunks VALUES (?1, ?2, ?3)")
                .bind(1, r.digest)
                .bind(2, static_cast<int64_t>(at))
                .bindBlob(3, std::string_view(b).substr(at, 100'000))
                .run();
    }
    raw.setUserVersion(13);
    std::filesystem::remove_all(dir / "photos");
}

} // namespace

// A photo's bytes go into a file of their own in photos/, each byte written once; neither database holds any of
// them. Once verified, the file is read-only and its row in photos.db is the record.
TEST_F(GatewayStoreSqliteTest, aPhotosBytesGoIntoAFileOfItsOwnAndNotIntoEitherDatabase)
{
    std::string bytes(3 * 1024 * 1024, '\0');
    for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<char>(i * 7 % 251);
    const std::string digest = photo::digestHex(bytes);
    for (uint64_t at = 0; at < bytes.size(); at += 1024 * 1024) {
        const auto s = store->photoAppend(digest, at, bytes.size(), bytes.substr(at, 1024 * 1024));
        EXPECT_TRUE(s.appended);
        EXPECT_EQ(s.receivedBytes, at + 1024 * 1024);
    }
    store->photoMarkVerified(digest);
    EXPECT_EQ(store->photoBytes(digest), bytes);
    store.reset(); // closed: both logs copied into their files
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(backend.sqliteFile()).parent_path();
    const fs::path file = dir / "photos" / digest;
    EXPECT_EQ(fs::file_size(file), 16 + bytes.size());
    EXPECT_EQ(photoFilesIn(dir).at(digest), bytes);
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::group_read);
    EXPECT_LT(fs::file_size(dir / "photos.db"), 1024u * 1024);
    EXPECT_LT(fs::file_size(dir / "gateway.db"), 1024u * 1024);
    EXPECT_EQ(backend.ownerRefusal("UPDATE photo_store.photos SET total_bytes = 1").find("immutable") !=
                  std::string::npos,
              true);
}

// Schema 13 kept the bytes as rows of photos.db; schema 14 moves them into files: every verified photo byte for byte
// and read-only, an unfinished upload as the prefix it had (it resumes where it stopped), the rows of photos.db
// only for verified photos, the chunks' table gone. Cut between the two files' commits (photos.db moved, gateway.db
// still at 13; or gateway.db at 14 and photos.db not yet cleaned), the next opening ends the same.
TEST(GatewayStoreMigration, theMoveOfThePhotosBytesIntoFilesKeepsEveryPhotoAndEveryUnfinishedUpload)
{
    namespace fs = std::filesystem;
    QTemporaryDir tmp;
    const fs::path dir = tmp.path().toStdString();
    std::string a(250'000, 'a'), partial(450'000, '\0');
    for (size_t i = 0; i < partial.size(); ++i)
        partial[i] = static_cast<char>(i * 13 % 256);
    const std::string da = photo::digestHex(a), dp = photo::digestHex(partial);
    ASSERT_TRUE(openSqliteStore(dir.string()).ok());
    backToSchema13(dir, {{da, 250'000, 250'000, true}, {dp, 450'000, 300'000, false}},
                   {{da, a}, {dp, partial.substr(0, 300'000)}});

    for (const char* cut : {"", "photos.db committed, gateway.db not", "gateway.db committed, photos.db not"}) {
        SCOPED_TRACE(*cut ? cut : "an uncut move");
        if (std::string(cut) == "photos.db committed, gateway.db not") {
            sql::Database raw((dir / "gateway.db").string(), sql::Database::Mode::OpenExisting);
            raw.setUserVersion(13);
        } else if (*cut) {
            sql::Database raw((dir / "photos.db").string(), sql::Database::Mode::OpenExisting);
            raw.exec("CREATE TABLE photo_chunks (digest TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL);"
                     "INSERT INTO photo_chunks VALUES ('" +
                     dp + "', 0, x'00');");
            raw.prepare("INSERT INTO photos VALUES (?1, 450000, 300000, x'', 0)").bind(1, dp).run();
        }
        auto opened = openSqliteStore(dir.string());
        ASSERT_TRUE(opened.ok()) << opened.error().text();
        Store& store = **opened;
        EXPECT_EQ(store.photosVerified(), 1u);
        EXPECT_EQ(store.photoBytes(da), a);
        const auto unfinished = store.photoState(dp);
        ASSERT_TRUE(unfinished.has_value());
        EXPECT_FALSE(unfinished->verified);
        EXPECT_EQ(unfinished->receivedBytes, 300'000u);
        EXPECT_EQ(unfinished->totalBytes, 450'000u);
        EXPECT_EQ(store.photoBytes(dp), partial.substr(0, 300'000));
        EXPECT_EQ(fs::status(dir / "photos" / da).permissions() & fs::perms::owner_write, fs::perms::none);
        opened->reset();
        sql::Database raw((dir / "photos.db").string(), sql::Database::Mode::OpenExisting);
        auto& left = raw.prepare("SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'photo_chunks'), "
                                 "(SELECT count(*) FROM photos WHERE verified = 0)");
        ASSERT_TRUE(left.step());
        EXPECT_EQ(left.int64(0), 0);
        EXPECT_EQ(left.int64(1), 0);
    }
    // The unfinished upload goes on from where it stopped.
    auto store = openSqliteStore(dir.string()).value();
    EXPECT_TRUE(store->photoAppend(dp, 300'000, 450'000, partial.substr(300'000), true).verified);
    EXPECT_EQ(store->photoBytes(dp), partial);
    EXPECT_EQ(store->photosVerified(), 2u);
}

// The move to photos.db (schema 13) commits the copy first, then drops the old tables with the new version. Cut
// between the two commits (the photos in both files, gateway.db still at version 12), the next opening finishes the
// move, and the one to files (schema 14) after it: every photo once, byte for byte.
TEST(GatewayStoreMigration, aMoveOfThePhotosCutBetweenItsTwoCommitsIsFinishedOnTheNextOpening)
{
    namespace fs = std::filesystem;
    QTemporaryDir dir;
    std::filesystem::copy_file(CRF_TEST_DATA_DIR "/gateway-store-v3.sqlite3", dir.filePath("gateway.db").toStdString());
    std::map<std::string, std::string> before;
    {
        auto opened = openSqliteStore(dir.path().toStdString());
        ASSERT_TRUE(opened.ok()) << opened.error().text();
    }
    before = photoFilesIn(dir.path().toStdString());
    ASSERT_EQ(before.size(), 3u);
    {
        // Back to the state right after the first commit: the photos as rows in both files, version 12.
        std::vector<PhotoRow> rows;
        for (const auto& [digest, bytes] : before)
            rows.push_back({digest, static_cast<int64_t>(bytes.size()), static_cast<int64_t>(bytes.size()), true});
        backToSchema13(dir.path().toStdString(), rows, before);
        sql::Database raw(dir.filePath("gateway.db").toStdString(), sql::Database::Mode::OpenExisting);
        raw.exec("ATTACH DATABASE '" + dir.filePath("photos.db").toStdString() + "' AS photo_store");
        raw.exec(R"sql(
            CREATE TABLE main.photos AS SELECT * FROM photo_store.photos;
            CREATE TABLE main.photo_chunks AS SELECT * FROM photo_store.photo_chunks;
            DROP TABLE main.store_link;
        )sql");
        raw.setUserVersion(12);
    }
    auto opened = openSqliteStore(dir.path().toStdString());
    ASSERT_TRUE(opened.ok()) << opened.error().text();
    EXPECT_EQ((*opened)->photosVerified(), 3u);
    for (const auto& [digest, bytes] : before)
        EXPECT_EQ((*opened)->photoBytes(digest), bytes);
    opened->reset();
    EXPECT_EQ(photoFilesIn(dir.path().toStdString()), before); // no photo twice, none lost
}

TEST(GatewayStoreOpen, aNewerSchemaIsRefused)
{
    QTemporaryDir dir;
    openSqliteStore(dir.path().toStdString());
    {
        sql::Database raw(dir.filePath("gateway.db").toStdString(), sql::Database::Mode::OpenExisting);
        raw.setUserVersion(42);
    }
    auto r = openSqliteStore(dir.path().toStdString());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().text().find("newer"), std::string::npos);
}

// A gateway store written by schema 3 (photos as one growing blob, merge state per field; tests/data/
// gateway-store-v3.sqlite3, made by crf-sim: 24 events, 3 verified photos) upgrades: every photo byte for byte under
// its digest, the moved chunks of a verified photo as immutable as the photo was, the merge state per form instance,
// the audit chains intact.
TEST(GatewayStoreMigration, version3StoreUpgradesKeepingPhotosAndMergeState)
{
    QTemporaryDir dir;
    std::filesystem::copy_file(CRF_TEST_DATA_DIR "/gateway-store-v3.sqlite3", dir.filePath("gateway.db").toStdString());
    auto opened = openSqliteStore(dir.path().toStdString());
    ASSERT_TRUE(opened.ok()) << opened.error().text();
    Store& store = **opened;
    EXPECT_EQ(store.eventCount(), 24u);
    EXPECT_EQ(store.photosVerified(), 3u);
    EXPECT_TRUE(verifyAudit(store).intact());

    std::vector<std::string> digests;
    {
        sql::Database raw(dir.filePath("gateway.db").toStdString(), sql::Database::Mode::OpenExisting);
        EXPECT_EQ(raw.userVersion(), 14);
        // Schema 11: the ranges an import did not bring are append-only like the events.
        raw.exec("INSERT INTO absent_links (device_id, first_seq, last_seq, note) VALUES ('T', 2, 2, 'test')");
        EXPECT_THROW(raw.exec("DELETE FROM absent_links"), sql::SqlError);
        EXPECT_THROW(raw.exec("UPDATE absent_links SET last_seq = 3"), sql::SqlError);
        // The merge projection moved from one row per field to one row per form instance.
        auto& forms = raw.prepare("SELECT count(*) FROM form_state");
        forms.step();
        EXPECT_EQ(forms.int64(0), 7); // 26 field rows of 7 form instances in the fixture
        auto& old = raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'field_state'");
        old.step();
        EXPECT_EQ(old.int64(0), 0);
        // Schema 13: the photos moved to photos.db, with 64 KiB pages; gateway.db keeps none of their bytes.
        auto& moved = raw.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('photos', 'photo_chunks')");
        moved.step();
        EXPECT_EQ(moved.int64(0), 0);
    }
    {
        sql::Database raw(dir.filePath("photos.db").toStdString(), sql::Database::Mode::OpenExisting);
        auto& page = raw.prepare("PRAGMA page_size");
        page.step();
        EXPECT_EQ(page.int64(0), 65536);
        auto& st = raw.prepare("SELECT digest FROM photos ORDER BY digest");
        while (st.step())
            digests.push_back(st.text(0));
        EXPECT_THROW(raw.exec("DELETE FROM photos"), sql::SqlError);
        EXPECT_THROW(raw.exec("UPDATE photos SET total_bytes = 1"), sql::SqlError);
        // Schema 14: their bytes are files of photos/, read-only.
        auto& chunks = raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'photo_chunks'");
        chunks.step();
        EXPECT_EQ(chunks.int64(0), 0);
    }
    for (const auto& [digest, bytes] : photoFilesIn(dir.path().toStdString())) {
        EXPECT_EQ(photo::digestHex(bytes), digest);
        EXPECT_EQ(std::filesystem::status(dir.filePath("photos").toStdString() + "/" + digest).permissions() &
                      std::filesystem::perms::owner_write,
                  std::filesystem::perms::none);
    }
    ASSERT_EQ(digests.size(), 3u);
    for (const auto& d : digests) {
        const std::string bytes = store.photoBytes(d);
        EXPECT_EQ(photo::digestHex(bytes), d);
        EXPECT_EQ(store.photoRead(d, 1000, 5000), bytes.substr(1000, 5000));
    }
}

// Every authenticated call reads its session with the device and the user it names in one query; a device or a user
// the store does not hold comes back absent, never as an empty record that could pass for an enabled one.
TEST_P(GatewayStoreTest, aSessionIsReadWithItsDeviceAndItsUser)
{
    IdentityStore& ids = store->identity();
    const SecurityEvent log{0, 1, "admin", "test", "", ""};
    ASSERT_TRUE(ids.addUser(UserRecord{"nurse1", "N. URSE", "hash", 1, 0, 2, 3}, log));
    ids.putDevice(DeviceRecord{"tab-1", std::string("\x01\x00\xff", 3), "nurse1", 4, 5, "admin"}, log);
    const std::string known("\x00\x9f tok", 6), noDevice("\x01 tok", 5), noUser("\x02 tok", 5);
    ids.addSession(SessionRecord{known, "nurse1", "tab-1", 10, 20, 0}, log);
    ids.addSession(SessionRecord{noDevice, "nurse1", "tab-gone", 11, 21, 0}, log);
    ids.addSession(SessionRecord{noUser, "nobody", "tab-1", 12, 22, 0}, log);
    ids.endSession(noUser, 30, log);

    const auto c = ids.sessionCaller(known);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->session.tokenHash, known);
    EXPECT_EQ(c->session.userId, "nurse1");
    EXPECT_EQ(c->session.deviceId, "tab-1");
    EXPECT_EQ(c->session.createdAtMs, 10);
    EXPECT_EQ(c->session.expiresAtMs, 20);
    EXPECT_EQ(c->session.endedAtMs, 0);
    ASSERT_TRUE(c->device.has_value());
    EXPECT_EQ(c->device->deviceId, "tab-1");
    EXPECT_EQ(c->device->secretHash, std::string("\x01\x00\xff", 3));
    EXPECT_EQ(c->device->enrolledBy, "nurse1");
    EXPECT_EQ(c->device->enrolledAtMs, 4);
    EXPECT_EQ(c->device->revokedAtMs, 5);
    EXPECT_EQ(c->device->revokedBy, "admin");
    ASSERT_TRUE(c->user.has_value());
    EXPECT_EQ(c->user->userId, "nurse1");
    EXPECT_EQ(c->user->printedName, "N. URSE");
    EXPECT_EQ(c->user->passwordHash, "hash");
    EXPECT_EQ(c->user->createdAtMs, 1);
    EXPECT_EQ(c->user->failedLogins, 2);
    EXPECT_EQ(c->user->lockedUntilMs, 3);

    const auto d = ids.sessionCaller(noDevice);
    ASSERT_TRUE(d.has_value());
    EXPECT_FALSE(d->device.has_value());
    EXPECT_TRUE(d->user.has_value());
    const auto u = ids.sessionCaller(noUser);
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->session.endedAtMs, 30);
    EXPECT_TRUE(u->device.has_value());
    EXPECT_FALSE(u->user.has_value());
    EXPECT_FALSE(ids.sessionCaller(std::string("\x03 tok", 5)).has_value());
    // One user's grants only (an index search, not a scan of every grant).
    ids.addGrant(GrantRecord{0, "nurse1", "research_nurse", "I-MICRO", "01", 1, 0, "admin", ""}, log);
    ASSERT_TRUE(ids.addUser(UserRecord{"other", "O. THER", "hash", 1, 0, 0, 0}, log));
    ids.addGrant(GrantRecord{0, "other", "investigator", "I-MICRO", "02", 1, 0, "admin", ""}, log);
    ASSERT_EQ(ids.grants("nurse1").size(), 1u);
    EXPECT_EQ(ids.grants("nurse1")[0].siteId, "01");
    EXPECT_EQ(ids.grants({}).size(), 2u);
}
