// Photo uploads at the gateway: chunked, resumable at the reported offset, verified by digest, stored once,
// size-limited; a corrupted chunk is discarded; a verified photo is immutable in the database.
#include "crypto.h"
#include "domain/photo_domain.h"
#include "photo.h"
#include "storage/store.h"
#include "store_backend.h"

#include <QTemporaryDir>
#include <gtest/gtest.h>

using namespace crf;
using namespace crf::gateway;

namespace {

std::string randomPhoto(size_t n)
{
    std::string s(n, '\0');
    randomBytes(s.data(), n);
    return s;
}

class PhotoUploadTest : public ::testing::TestWithParam<test::Backend> {
protected:
    test::StoreBackend backend{GetParam()};
    std::unique_ptr<Store> store = backend.open();
    PhotoDomain domain{*store, 1024 * 1024};

    /// Sends bytes [offset, offset + n) of `photo` under `digest`, through `via` (another gateway process) or this one.
    v1::UploadChunkResponse chunk(const std::string& digest, const std::string& photo, uint64_t offset, size_t n,
                                  PhotoDomain* via = nullptr)
    {
        v1::UploadChunkRequest r;
        r.set_digest(digest);
        r.set_offset(offset);
        r.set_total_bytes(photo.size());
        r.set_data(photo.substr(offset, n));
        return (via ? *via : domain).upload(r).value();
    }
};

} // namespace

INSTANTIATE_TEST_SUITE_P(Backends, PhotoUploadTest, ::testing::Values(test::Backend::Sqlite, test::Backend::Postgres),
                         test::backendName);

TEST_P(PhotoUploadTest, chunksAppendAndTheLastOneVerifiesTheDigest)
{
    const std::string photo = randomPhoto(300'000);
    const std::string digest = photo::digestHex(photo);
    EXPECT_EQ(chunk(digest, photo, 0, 100'000).outcome(), v1::PHOTO_OUTCOME_APPENDED);
    EXPECT_EQ(chunk(digest, photo, 100'000, 100'000).received_bytes(), 200'000u);
    EXPECT_EQ(chunk(digest, photo, 200'000, 100'000).outcome(), v1::PHOTO_OUTCOME_VERIFIED);
    EXPECT_EQ(store->photosVerified(), 1u);
    v1::DownloadRequest d;
    d.set_digest(digest);
    d.set_offset(250'000);
    d.set_max_bytes(100'000);
    EXPECT_EQ(domain.download(d)->data(), photo.substr(250'000));
}

// A download reads the stored chunks (rows of 100,000 bytes here) from any offset: within one chunk, across chunk
// borders, to the end, and past it.
TEST_P(PhotoUploadTest, aDownloadReturnsExactlyTheAskedRangeAcrossStoredChunks)
{
    const std::string photo = randomPhoto(300'000);
    const std::string digest = photo::digestHex(photo);
    for (uint64_t at = 0; at < photo.size(); at += 100'000)
        chunk(digest, photo, at, 100'000);
    ASSERT_EQ(store->photosVerified(), 1u);
    struct Range {
        uint64_t offset;
        uint32_t maxBytes;
        std::string why;
    };
    for (const Range& r :
         {Range{0, 4'000'000, "the whole photo in one answer"}, Range{0, 100'000, "exactly the first chunk"},
          Range{10, 50, "inside the first chunk"}, Range{99'999, 2, "across the first border"},
          Range{100'000, 100'000, "the second chunk"}, Range{50'000, 200'000, "across two borders"},
          Range{299'990, 100, "the end"}, Range{300'000, 100, "past the end"}}) {
        v1::DownloadRequest d;
        d.set_digest(digest);
        d.set_offset(r.offset);
        d.set_max_bytes(r.maxBytes);
        const auto got = domain.download(d);
        ASSERT_TRUE(got.ok()) << r.why;
        EXPECT_EQ(got->total_bytes(), photo.size()) << r.why;
        EXPECT_EQ(got->data(), photo.substr(r.offset, r.maxBytes)) << r.why;
    }
}

TEST_P(PhotoUploadTest, anInterruptedUploadResumesAtTheOffsetTheGatewayReports)
{
    const std::string photo = randomPhoto(250'000);
    const std::string digest = photo::digestHex(photo);
    chunk(digest, photo, 0, 100'000);
    // The connection dropped; a new session asks where to continue.
    v1::PhotoStatusRequest q;
    q.set_digest(digest);
    EXPECT_EQ(domain.status(q)->received_bytes(), 100'000u);
    // A chunk resent from the wrong place is not stored twice.
    const auto wrong = chunk(digest, photo, 0, 100'000);
    EXPECT_EQ(wrong.outcome(), v1::PHOTO_OUTCOME_RESUME);
    EXPECT_EQ(wrong.received_bytes(), 100'000u);
    EXPECT_EQ(chunk(digest, photo, 100'000, 150'000).outcome(), v1::PHOTO_OUTCOME_VERIFIED);
}

// The last chunk is checked against the digest: a corrupted one is discarded with what came before it, and the upload
// starts again. The running hash lives in the gateway's memory; after a restart (a new PhotoDomain over the same
// store) the stored chunks are read back and hashed instead, with the same outcome.
TEST_P(PhotoUploadTest, aCorruptedChunkIsDiscardedAndTheUploadStartsAgainWithOrWithoutARestart)
{
    for (const bool restart : {false, true}) {
        SCOPED_TRACE(restart ? "after a gateway restart" : "in the same gateway process");
        const std::string photo = randomPhoto(200'000);
        const std::string digest = photo::digestHex(photo);
        std::string corrupted = photo;
        corrupted[150'000] ^= 0x01;
        chunk(digest, photo, 0, 100'000);
        {
            PhotoDomain restarted{*store, 1024 * 1024};
            const auto last = chunk(digest, corrupted, 100'000, 100'000, restart ? &restarted : nullptr);
            EXPECT_EQ(last.outcome(), v1::PHOTO_OUTCOME_DIGEST_MISMATCH);
        }
        EXPECT_EQ(store->photosVerified(), restart ? 1u : 0u); // only the first pass's photo, once it went up whole
        v1::PhotoStatusRequest q;
        q.set_digest(digest);
        EXPECT_EQ(domain.status(q)->received_bytes(), 0u);
        chunk(digest, photo, 0, 100'000);
        PhotoDomain restarted{*store, 1024 * 1024};
        EXPECT_EQ(chunk(digest, photo, 100'000, 100'000, restart ? &restarted : nullptr).outcome(),
                  v1::PHOTO_OUTCOME_VERIFIED);
        EXPECT_EQ(store->photoBytes(digest), photo);
    }
    EXPECT_EQ(store->photosVerified(), 2u);
}

TEST_P(PhotoUploadTest, theSamePhotoIsStoredOnce)
{
    const std::string photo = randomPhoto(50'000);
    const std::string digest = photo::digestHex(photo);
    EXPECT_EQ(chunk(digest, photo, 0, 50'000).outcome(), v1::PHOTO_OUTCOME_VERIFIED);
    EXPECT_EQ(chunk(digest, photo, 0, 50'000).outcome(), v1::PHOTO_OUTCOME_VERIFIED); // a second tablet
    EXPECT_EQ(store->photosVerified(), 1u);
}

TEST_P(PhotoUploadTest, aPhotoAboveTheLimitIsRefusedWithTheLimit)
{
    const std::string photo = randomPhoto(1024 * 1024 + 1);
    const auto r = chunk(photo::digestHex(photo), photo, 0, 1000);
    EXPECT_EQ(r.outcome(), v1::PHOTO_OUTCOME_TOO_LARGE);
    EXPECT_NE(r.message().find("1048576"), std::string::npos) << r.message();
    EXPECT_EQ(store->photoState(photo::digestHex(photo)), std::nullopt);
}

TEST_P(PhotoUploadTest, badDigestsAreRefusedNamingTheField)
{
    v1::PhotoStatusRequest q;
    q.set_digest("not-a-digest");
    EXPECT_EQ(domain.status(q).error().where, "digest");
}

TEST_P(PhotoUploadTest, aVerifiedPhotoIsImmutableInTheDatabase)
{
    const std::string photo = randomPhoto(10'000);
    chunk(photo::digestHex(photo), photo, 0, 10'000);
    store.reset();
    for (const char* change : {"UPDATE photos SET total_bytes = 1", "DELETE FROM photos", "DELETE FROM photo_chunks"})
        EXPECT_NE(backend.ownerRefusal(change).find("a verified photo is immutable"), std::string::npos) << change;
    EXPECT_EQ(backend.open()->photoBytes(photo::digestHex(photo)), photo);
}

#include "domain/audit.h"
#include "domain/sync_domain.h"
#include "event_factory.h"

TEST_P(PhotoUploadTest, anEventNamingAPhotoIsIncompleteUntilThePhotoIsVerified)
{
    auto studies = StudyRegistry::load({CRF_STUDIES_DIR "/imicro.json"}).value();
    ManualClock clock{1'790'000'000'000};
    SyncDomain sync{*store, clock, studies};
    const std::string photo = randomPhoto(20'000);
    const std::string digest = photo::digestHex(photo);
    test::EventFactory t{"dev-A"};
    v1::PushRequest req;
    *req.add_events() = t.nextIn("MOTTLING", "D1", "KNEE_PHOTO", digest);
    ASSERT_EQ(sync.push(req)->outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
    auto awaiting = eventsAwaitingPhotos(*store, studies);
    ASSERT_EQ(awaiting.size(), 1u);
    EXPECT_EQ(awaiting[0].digest, digest);
    EXPECT_EQ(awaiting[0].itemOid, "KNEE_PHOTO");
    chunk(digest, photo, 0, 20'000);
    EXPECT_TRUE(eventsAwaitingPhotos(*store, studies).empty());
}
