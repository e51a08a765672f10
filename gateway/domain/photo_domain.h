// PhotoDomain: resumable, verified, deduplicated photo uploads at the gateway.
#pragma once

#include "crf/v1/photos.pb.h"
#include "photo.h"
#include "result.h"
#include "storage/store.h"

namespace crf::gateway {

/// Thread-safe (the Store serialises). Never throws: storage failures become errors.
class PhotoDomain {
public:
    explicit PhotoDomain(Store& store, size_t maxBytes = photo::kDefaultMaxBytes) : m_store(store), m_max(maxBytes) {}

    Result<v1::PhotoStatusResponse> status(const v1::PhotoStatusRequest& request);
    /// Appends a chunk at the reported offset; on the last byte checks the digest (mismatch: discarded, restart).
    Result<v1::UploadChunkResponse> upload(const v1::UploadChunkRequest& request);
    Result<v1::DownloadResponse> download(const v1::DownloadRequest& request);

private:
    Store& m_store;
    size_t m_max;
};

} // namespace crf::gateway
