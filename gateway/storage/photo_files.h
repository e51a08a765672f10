// PhotoFiles: the embedded store's photo bytes, one file per photo in the data folder's `photos/` (gateway schema 14,
// docs/operations.md "Files"). Each byte is written once and made durable (fdatasync) before its offset is
// acknowledged; which photos are verified is recorded in photos.db, never here.
#pragma once

#include <cstdint>
#include <string>

namespace crf::gateway {

/// One folder of photo files. Thread-safe, and safe between processes: a photo's appends take an exclusive lock on
/// its file (flock), so two uploads of the same bytes (two sites) never interleave.
///
/// A file is a 16-byte header (`crfphoto` and the photo's total size, little-endian) followed by the bytes received
/// so far, in order. Its size is the upload's state: a crash may leave a torn tail past the last acknowledged chunk,
/// which the digest check at the last byte catches (the upload is then discarded and starts again from 0).
class PhotoFiles {
public:
    static constexpr uint64_t kHeaderBytes = 16;

    /// The folder `dir` (made when missing).
    explicit PhotoFiles(std::string dir);

    struct State {
        uint64_t totalBytes = 0;
        uint64_t receivedBytes = 0;
        bool appended = false; // append: whether the call stored its bytes
    };
    /// The upload's state, or receivedBytes 0 and totalBytes 0 when no byte of it is held.
    State state(const std::string& digest) const;
    /// Appends `data` at `offset` when it equals the bytes held (a new file at offset 0) and `totalBytes` is the
    /// file's; durable on return. Otherwise stores nothing and returns the state to resume from.
    State append(const std::string& digest, uint64_t offset, uint64_t totalBytes, const std::string& data);
    /// At most `maxBytes` of the bytes held from `offset` (all of them from 0 with maxBytes = UINT64_MAX); "" when the
    /// file is absent, or an error naming it when `mustExist` (a verified photo's file).
    std::string read(const std::string& digest, uint64_t offset, uint64_t maxBytes, bool mustExist) const;
    /// Made read-only once its row says verified (a guard against a later write by mistake; the rows are the record).
    void seal(const std::string& digest) const;
    /// Empties and removes an upload (a corrupted one), under its lock.
    void discard(const std::string& digest) const;
    /// Whether the folder exists (a store that keeps its photos there must find them).
    static bool present(const std::string& dir);
    const std::string& dir() const { return m_dir; }
    /// The file of `digest`; an error for anything but 64 lowercase hex digits (a name from a request or an event
    /// never reaches outside the folder).
    std::string pathOf(const std::string& digest) const;
    /// Whether `name` is a digest as files are named: 64 lowercase hex digits.
    static bool isDigest(const std::string& name);

    /// Writes an upload as a whole (the move of schema 14 out of photos.db): the header and `bytes` (all of the photo
    /// or the part received), replacing the file; durable on return.
    void write(const std::string& digest, uint64_t totalBytes, const std::string& bytes) const;

private:
    /// Makes the folder's entries durable (a new file's name must survive a crash once its bytes are acknowledged).
    void syncDir() const;
    std::string m_dir;
};

} // namespace crf::gateway
