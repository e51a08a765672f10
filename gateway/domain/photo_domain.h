// PhotoDomain: resumable, verified, deduplicated photo uploads at the gateway.
#pragma once

#include "crf/v1/photos.pb.h"
#include "crypto.h"
#include "photo.h"
#include "result.h"
#include "storage/store.h"

#include <map>
#include <mutex>
#include <optional>

namespace crf::gateway {

/// Thread-safe (the Store serialises). Never throws: storage failures become errors.
class PhotoDomain {
public:
    explicit PhotoDomain(Store& store, size_t maxBytes = photo::kDefaultMaxBytes) : m_store(store), m_max(maxBytes) {}

    Result<v1::PhotoStatusResponse> status(const v1::PhotoStatusRequest& request);
    /// Appends a chunk at the reported offset; on the last byte checks the digest (mismatch: discarded, restart).
    /// The uploader's site (who may download the photo) is recorded before the chunk that completes the photo is
    /// stored, and again for a photo already held.
    Result<v1::UploadChunkResponse> upload(const v1::UploadChunkRequest& request);
    Result<v1::DownloadResponse> download(const v1::DownloadRequest& request);

    Store& store() { return m_store; }

private:
    /// Whether the stored bytes of `digest` hash to it, read back: for an upload completed without a running hash
    /// (resumed after a gateway restart). With one, the last chunk is checked before it is stored (upload).
    bool matches(const std::string& digest);

    Store& m_store;
    size_t m_max;
    /// Running SHA-256 of uploads in progress, by digest, with how many bytes it covers. A cache: bounded, lost on
    /// restart, never trusted beyond the bytes it saw.
    struct Running {
        Sha256Stream hash;
        uint64_t bytes = 0;
    };
    /// The running hash of an upload, taken out while its chunk is hashed and stored; put back once stored.
    std::optional<Running> takeRunning(const std::string& digest);
    void putRunning(const std::string& digest, Running running);
    std::mutex m_mutex;
    std::map<std::string, Running> m_running;
    static constexpr size_t kMaxRunning = 256;
};

} // namespace crf::gateway
