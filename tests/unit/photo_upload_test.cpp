// Photo uploads at the gateway: chunked, resumable at the reported offset, verified by digest, stored once,
// size-limited; a corrupted chunk is discarded; a verified photo is immutable in the database.
#include "crypto.h"
#include "domain/photo_domain.h"
#include "photo.h"
#include "storage/store.h"
#include "store_backend.h"

#include <QTemporaryDir>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <thread>

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
    std::string site = "01"; // the uploader's site

    /// Sends bytes [offset, offset + n) of `photo` under `digest`, through `via` (another gateway process) or this one.
    v1::UploadChunkResponse chunk(const std::string& digest, const std::string& photo, uint64_t offset, size_t n,
                                  PhotoDomain* via = nullptr)
    {
        v1::UploadChunkRequest r;
        r.set_digest(digest);
        r.set_offset(offset);
        r.set_total_bytes(photo.size());
        r.set_data(photo.substr(offset, n));
        r.set_site_id(site);
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

// Who may download a photo (its sites) is written before the chunk that completes it is stored, whatever that chunk
// turns out to be: a gateway stopped between the two can never leave a verified photo no site may read, which the
// tablet (told "verified" by Status) would never send again. The same bytes from another site add that site.
TEST_P(PhotoUploadTest, theUploadersSiteIsRecordedBeforeThePhotoCanBeVerified)
{
    const std::string photo = randomPhoto(200'000);
    const std::string digest = photo::digestHex(photo);
    std::string corrupted = photo;
    corrupted[150'000] ^= 0x01;
    chunk(digest, photo, 0, 100'000);
    EXPECT_TRUE(store->photoSites(digest).empty()); // not before the last chunk
    EXPECT_EQ(chunk(digest, corrupted, 100'000, 100'000).outcome(), v1::PHOTO_OUTCOME_DIGEST_MISMATCH);
    EXPECT_EQ(store->photoSites(digest), std::vector<std::string>{"01"}); // written before the store was asked
    chunk(digest, photo, 0, 100'000);
    EXPECT_EQ(chunk(digest, photo, 100'000, 100'000).outcome(), v1::PHOTO_OUTCOME_VERIFIED);
    site = "02";
    EXPECT_EQ(chunk(digest, photo, 0, 100'000).outcome(), v1::PHOTO_OUTCOME_VERIFIED); // already held
    EXPECT_EQ(store->photoSites(digest), (std::vector<std::string>{"01", "02"}));
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

// PostgreSQL keeps the bytes in photo_chunks, guarded by the same triggers; the embedded store keeps them in a file
// of photos/ (schema 14), read-only once its row says verified.
TEST_P(PhotoUploadTest, aVerifiedPhotoIsImmutableInTheDatabase)
{
    const std::string photo = randomPhoto(10'000);
    chunk(photo::digestHex(photo), photo, 0, 10'000);
    store.reset();
    std::vector<std::string> changes = {"UPDATE photos SET total_bytes = 1", "DELETE FROM photos"};
    if (backend.kind() == test::Backend::Postgres)
        changes.push_back("DELETE FROM photo_chunks");
    for (const auto& change : changes)
        EXPECT_NE(backend.ownerRefusal(change).find("a verified photo is immutable"), std::string::npos) << change;
    if (backend.kind() == test::Backend::Sqlite) {
        namespace fs = std::filesystem;
        const auto mode = fs::status(backend.photoDir() + "/" + photo::digestHex(photo)).permissions();
        EXPECT_EQ(mode & fs::perms::all, fs::perms::owner_read | fs::perms::group_read);
    }
    EXPECT_EQ(backend.open()->photoBytes(photo::digestHex(photo)), photo);
}

// The embedded store's photo files (schema 14) and what a crash can leave in them. A chunk is acknowledged only
// once its bytes are durable in the file; the row that says "verified" is committed only after the last of them.
class PhotoFilesCrashTest : public ::testing::Test {
protected:
    test::StoreBackend backend{test::Backend::Sqlite};
    std::unique_ptr<Store> store = backend.open();
    std::string fileOf(const std::string& digest) const { return backend.photoDir() + "/" + digest; }

    v1::UploadChunkResponse chunk(PhotoDomain& via, const std::string& photo, uint64_t offset, size_t n)
    {
        v1::UploadChunkRequest r;
        r.set_digest(photo::digestHex(photo));
        r.set_offset(offset);
        r.set_total_bytes(photo.size());
        r.set_data(photo.substr(offset, n));
        return via.upload(r).value();
    }
    uint64_t statusOf(PhotoDomain& via, const std::string& photo)
    {
        v1::PhotoStatusRequest q;
        q.set_digest(photo::digestHex(photo));
        return via.status(q)->received_bytes();
    }
    /// The gateway process ended (no clean shutdown matters: every acknowledged byte was already durable).
    PhotoDomain restart()
    {
        store.reset();
        store = backend.open();
        return PhotoDomain{*store, 1024 * 1024};
    }
};

// Killed after the photo's last bytes were durable but before its row: the file is whole, the store says "not
// verified". The tablet asks where to go on, is told "everything", and its empty last call has the file read back,
// checked and marked verified.
TEST_F(PhotoFilesCrashTest, aWholeFileWithoutItsRowIsCheckedAndVerifiedWhenTheUploadResumes)
{
    const std::string photo = randomPhoto(300'000);
    const std::string digest = photo::digestHex(photo);
    for (uint64_t at = 0; at < photo.size(); at += 100'000) // stored as the domain would, the row never written
        ASSERT_TRUE(store->photoAppend(digest, at, photo.size(), photo.substr(at, 100'000), false).appended);
    PhotoDomain domain = restart();
    EXPECT_EQ(store->photosVerified(), 0u);
    EXPECT_EQ(statusOf(domain, photo), photo.size());
    EXPECT_EQ(chunk(domain, photo, photo.size(), 0).outcome(), v1::PHOTO_OUTCOME_VERIFIED);
    EXPECT_EQ(store->photosVerified(), 1u);
    EXPECT_EQ(store->photoBytes(digest), photo);
}

// Killed while a chunk was being written, before it was acknowledged: the file may hold more than the tablet was
// told, and those bytes may be anything (zeros here). The tablet goes on from the file's size; the digest check at the
// last byte finds the damage, the upload is discarded and starts again from 0, and the photo ends verified and whole.
TEST_F(PhotoFilesCrashTest, aTornTailPastTheAcknowledgedBytesIsCaughtByTheDigestAndTheUploadStartsAgain)
{
    const std::string photo = randomPhoto(300'000);
    PhotoDomain first{*store, 1024 * 1024};
    ASSERT_EQ(chunk(first, photo, 0, 100'000).outcome(), v1::PHOTO_OUTCOME_APPENDED);
    {
        std::ofstream torn(fileOf(photo::digestHex(photo)), std::ios::binary | std::ios::app);
        torn << std::string(40'000, '\0');
    }
    PhotoDomain domain = restart();
    const uint64_t resumeAt = statusOf(domain, photo);
    EXPECT_EQ(resumeAt, 140'000u);
    ASSERT_EQ(chunk(domain, photo, resumeAt, 100'000).outcome(), v1::PHOTO_OUTCOME_APPENDED);
    const auto last = chunk(domain, photo, resumeAt + 100'000, photo.size());
    EXPECT_EQ(last.outcome(), v1::PHOTO_OUTCOME_DIGEST_MISMATCH);
    EXPECT_EQ(last.received_bytes(), 0u);
    EXPECT_FALSE(std::filesystem::exists(fileOf(photo::digestHex(photo))));
    for (uint64_t at = 0; at < photo.size(); at += 100'000)
        chunk(domain, photo, at, 100'000);
    EXPECT_EQ(store->photosVerified(), 1u);
    EXPECT_EQ(store->photoBytes(photo::digestHex(photo)), photo);
}

// Killed while the first chunk was being written: a file shorter than its header, or with a header of something
// else, holds nothing usable; the upload starts from 0 and the file is written over.
TEST_F(PhotoFilesCrashTest, aTornHeaderCountsAsNothingReceived)
{
    for (const std::string& left : {std::string("crfph"), std::string(16, 'x') + "garbage"}) {
        const std::string photo = randomPhoto(150'000);
        {
            std::ofstream torn(fileOf(photo::digestHex(photo)), std::ios::binary);
            torn << left;
        }
        PhotoDomain domain = restart();
        EXPECT_EQ(statusOf(domain, photo), 0u);
        EXPECT_EQ(chunk(domain, photo, 100'000, 50'000).outcome(), v1::PHOTO_OUTCOME_RESUME);
        EXPECT_EQ(chunk(domain, photo, 0, 100'000).outcome(), v1::PHOTO_OUTCOME_APPENDED);
        EXPECT_EQ(chunk(domain, photo, 100'000, 50'000).outcome(), v1::PHOTO_OUTCOME_VERIFIED);
        EXPECT_EQ(store->photoBytes(photo::digestHex(photo)), photo);
    }
}

// Two sites upload the same photo at the same moment (the same bytes, one digest): each chunk is stored once, in
// order, whichever thread gets the file's lock first; the other is told where to go on.
TEST_F(PhotoFilesCrashTest, twoUploadsOfTheSamePhotoAtOnceStoreEachByteOnce)
{
    const std::string photo = randomPhoto(1'000'000);
    PhotoDomain domain{*store, 4 * 1024 * 1024};
    std::atomic<int> verified{0};
    auto upload = [&] {
        uint64_t at = 0;
        for (int calls = 0; calls < 100; ++calls) {
            const auto r = chunk(domain, photo, at, 50'000);
            if (r.outcome() == v1::PHOTO_OUTCOME_VERIFIED) {
                ++verified;
                return;
            }
            at = r.received_bytes();
        }
    };
    std::thread a(upload), b(upload);
    a.join();
    b.join();
    EXPECT_EQ(verified.load(), 2);
    EXPECT_EQ(store->photosVerified(), 1u);
    EXPECT_EQ(std::filesystem::file_size(fileOf(photo::digestHex(photo))), 16 + photo.size());
    EXPECT_EQ(store->photoBytes(photo::digestHex(photo)), photo);
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

// A photo file's name is its digest and nothing else: a name from an event or a request that is not 64 lowercase hex
// digits is no photo (and never a path outside the folder).
TEST_F(PhotoFilesCrashTest, aNameThatIsNoDigestNamesNoPhotoFile)
{
    namespace fs = std::filesystem;
    const auto before = fs::file_size(backend.sqliteFile());
    for (const std::string& name :
         std::vector<std::string>{"../gateway.db", "../photos.db", std::string(64, 'A'), std::string()}) {
        EXPECT_EQ(store->photoState(name), std::nullopt) << name;
        EXPECT_THROW(store->photoAppend(name, 0, 10, "0123456789"), std::exception) << name;
    }
    EXPECT_EQ(fs::file_size(backend.sqliteFile()), before); // never opened as a photo, never emptied
    EXPECT_TRUE(fs::is_empty(backend.photoDir()));
}
