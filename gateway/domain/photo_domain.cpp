#include "photo_domain.h"

#include "wording.h"

#include <algorithm>
#include <cctype>

namespace crf::gateway {
namespace {

bool validDigest(const std::string& d)
{
    return d.size() == 64 && std::all_of(d.begin(), d.end(), [](char c) {
               return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
           });
}

/// The refusal's English sentence and its parts (the tablet words it in its screen's language).
void say(v1::UploadChunkResponse& r, const Message& why)
{
    r.set_message(why.text);
    *r.mutable_wording() = toWording(why);
}

} // namespace

Result<v1::PhotoStatusResponse> PhotoDomain::status(const v1::PhotoStatusRequest& request)
{
    if (!validDigest(request.digest()))
        return Error{"digest", "must be 64 lowercase hex digits (SHA-256)"};
    try {
        v1::PhotoStatusResponse r;
        if (auto s = m_store.photoState(request.digest())) {
            r.set_received_bytes(s->receivedBytes);
            r.set_total_bytes(s->totalBytes);
            r.set_verified(s->verified);
        }
        return r;
    } catch (const std::exception& e) {
        return Error{"photo store", e.what()};
    }
}

Result<v1::UploadChunkResponse> PhotoDomain::upload(const v1::UploadChunkRequest& request)
{
    if (!validDigest(request.digest()))
        return Error{"digest", "must be 64 lowercase hex digits (SHA-256)"};
    v1::UploadChunkResponse r;
    if (request.total_bytes() == 0 || request.total_bytes() > m_max) {
        r.set_outcome(v1::PHOTO_OUTCOME_TOO_LARGE);
        say(r, message(QT_TRANSLATE_NOOP("Core", "photo of %1 bytes refused: the limit is %2 bytes"),
                       {std::to_string(request.total_bytes()), std::to_string(m_max)}));
        return r;
    }
    if (request.offset() + request.data().size() > request.total_bytes()) {
        r.set_outcome(v1::PHOTO_OUTCOME_TOO_LARGE);
        say(r, message(QT_TRANSLATE_NOOP("Core", "chunk runs past the announced size")));
        return r;
    }
    try {
        // The running SHA-256 of this upload takes the chunk outside the lock (a MiB of hashing must not hold other
        // photos' chunks back). It is kept only if the store commits the chunk at that offset; out of step, it is
        // dropped and the photo read back at the end.
        std::optional<Running> running = takeRunning(request.digest());
        if (running && running->bytes != request.offset())
            running.reset();
        if (!running && request.offset() == 0)
            running.emplace();
        if (running) {
            running->hash.update(request.data());
            running->bytes += request.data().size();
        }
        // The chunk that completes the photo: checked against the digest before it is stored, so a photo that
        // matches is stored and marked verified in one commit.
        const bool completes = running && running->bytes == request.total_bytes() && !request.data().empty();
        const bool matchesNow = completes && toHex(running->hash.finish()) == request.digest();
        // Who may download the photo is written before the photo can become verified: a gateway stopped between the
        // two never leaves a verified photo that no site may read (the tablet, told "verified" by Status, would not
        // send it again). A site recorded for an upload that then fails is harmless: downloads need it verified.
        if (request.offset() + request.data().size() == request.total_bytes() && !request.site_id().empty())
            m_store.addPhotoSite(request.digest(), request.site_id());
        const PhotoState s =
            m_store.photoAppend(request.digest(), request.offset(), request.total_bytes(), request.data(), matchesNow);
        r.set_received_bytes(s.receivedBytes);
        if (s.verified) {
            r.set_outcome(v1::PHOTO_OUTCOME_VERIFIED);     // verified now, or already held: stored once per digest
            if (!s.appended && !request.site_id().empty()) // already held: the same bytes taken at another site
                m_store.addPhotoSite(request.digest(), request.site_id());
            return r;
        }
        const bool appended = s.appended;
        if (appended && running && !completes)
            putRunning(request.digest(), std::move(*running));
        if (s.totalBytes != 0 && s.receivedBytes == s.totalBytes) {
            // Complete: the photo is what its digest says, or it is discarded (a corrupted chunk never stays).
            if (!completes && matches(request.digest())) { // completed without a running hash: read back
                m_store.photoMarkVerified(request.digest());
                r.set_outcome(v1::PHOTO_OUTCOME_VERIFIED);
            } else {
                m_store.photoDiscard(request.digest());
                r.set_outcome(v1::PHOTO_OUTCOME_DIGEST_MISMATCH);
                r.set_received_bytes(0);
                say(r, message(QT_TRANSLATE_NOOP(
                           "Core", "the received bytes do not match the digest: upload again from the start")));
            }
            return r;
        }
        r.set_outcome(appended ? v1::PHOTO_OUTCOME_APPENDED : v1::PHOTO_OUTCOME_RESUME);
        return r;
    } catch (const std::exception& e) {
        return Error{"photo store", e.what()};
    }
}

std::optional<PhotoDomain::Running> PhotoDomain::takeRunning(const std::string& digest)
{
    std::lock_guard lock(m_mutex);
    auto it = m_running.find(digest);
    if (it == m_running.end())
        return std::nullopt;
    std::optional<Running> out(std::move(it->second));
    m_running.erase(it);
    return out;
}

void PhotoDomain::putRunning(const std::string& digest, Running running)
{
    std::lock_guard lock(m_mutex);
    if (m_running.size() >= kMaxRunning && !m_running.count(digest))
        m_running.erase(m_running.begin()); // an abandoned upload: it will be read back if it resumes
    m_running.insert_or_assign(digest, std::move(running));
}

bool PhotoDomain::matches(const std::string& digest)
{
    return photo::digestHex(m_store.photoBytes(digest)) == digest;
}

Result<v1::DownloadResponse> PhotoDomain::download(const v1::DownloadRequest& request)
{
    if (!validDigest(request.digest()))
        return Error{"digest", "must be 64 lowercase hex digits (SHA-256)"};
    try {
        auto s = m_store.photoState(request.digest());
        if (!s || !s->verified)
            return Error{"digest", "no verified photo " + request.digest()};
        v1::DownloadResponse r;
        r.set_total_bytes(s->totalBytes);
        r.set_data(m_store.photoRead(request.digest(), request.offset(),
                                     std::clamp<uint32_t>(request.max_bytes(), 1, 4 * 1024 * 1024)));
        return r;
    } catch (const std::exception& e) {
        return Error{"photo store", e.what()};
    }
}

} // namespace crf::gateway
