#include "photo_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

namespace crf::gateway {
namespace {

constexpr char kMagic[8] = {'c', 'r', 'f', 'p', 'h', 'o', 't', 'o'};

/// A failed file call, naming the file and the system's reason (never a photo's content).
[[noreturn]] void fail(const std::string& path, const char* what)
{
    throw std::runtime_error(path + ": cannot " + what + ": " + std::strerror(errno));
}

/// An open file descriptor, closed when destroyed.
class Fd {
public:
    Fd(const std::string& path, int flags) : m_path(path), m_fd(::open(path.c_str(), flags | O_CLOEXEC, 0600)) {}
    ~Fd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    bool ok() const { return m_fd >= 0; }
    int get() const { return m_fd; }
    /// Exclusive until closed; between processes too.
    void lock() const
    {
        while (::flock(m_fd, LOCK_EX) != 0)
            if (errno != EINTR)
                fail(m_path, "lock");
    }
    uint64_t size() const
    {
        struct stat st {};
        if (::fstat(m_fd, &st) != 0)
            fail(m_path, "read the size of");
        return static_cast<uint64_t>(st.st_size);
    }
    void sync() const
    {
        if (::fdatasync(m_fd) != 0)
            fail(m_path, "make durable");
    }
    /// Writes all of `parts` at `at` (pwritev may write less than asked).
    void writeAll(uint64_t at, struct iovec* parts, int count) const
    {
        while (count > 0) {
            const ssize_t n = ::pwritev(m_fd, parts, count, static_cast<off_t>(at));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                fail(m_path, "write");
            }
            if (n == 0) {
                errno = EIO;
                fail(m_path, "write");
            }
            at += static_cast<uint64_t>(n);
            size_t left = static_cast<size_t>(n);
            for (; count > 0 && left >= parts->iov_len; ++parts, --count)
                left -= parts->iov_len;
            if (count > 0) { // a part written in part: the rest of it goes next
                parts->iov_base = static_cast<char*>(parts->iov_base) + left;
                parts->iov_len -= left;
            }
        }
    }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
    int m_fd;
};

/// The header of `fd`: the photo's total size, or 0 when the header is absent or torn (nothing usable is held).
uint64_t headerTotal(const Fd& fd, uint64_t size)
{
    if (size < PhotoFiles::kHeaderBytes)
        return 0;
    unsigned char h[PhotoFiles::kHeaderBytes];
    if (::pread(fd.get(), h, sizeof h, 0) != static_cast<ssize_t>(sizeof h))
        fail(fd.path(), "read the header of");
    if (std::memcmp(h, kMagic, sizeof kMagic) != 0)
        return 0;
    uint64_t total = 0;
    for (int i = 7; i >= 0; --i)
        total = total << 8 | h[8 + i];
    return total;
}

void putHeader(unsigned char (&h)[PhotoFiles::kHeaderBytes], uint64_t total)
{
    std::memcpy(h, kMagic, sizeof kMagic);
    for (int i = 0; i < 8; ++i)
        h[8 + i] = static_cast<unsigned char>(total >> (8 * i));
}

PhotoFiles::State stateOf(const Fd& fd)
{
    const uint64_t size = fd.size();
    const uint64_t total = headerTotal(fd, size);
    if (total == 0)
        return {};
    return {total, std::min(size - PhotoFiles::kHeaderBytes, total), false};
}

} // namespace

PhotoFiles::PhotoFiles(std::string dir) : m_dir(std::move(dir))
{
    std::error_code ec;
    std::filesystem::create_directories(m_dir, ec);
    if (ec)
        throw std::runtime_error(m_dir + ": cannot create the photo folder: " + ec.message());
}

bool PhotoFiles::isDigest(const std::string& name)
{
    return name.size() == 64 && std::all_of(name.begin(), name.end(),
                                            [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string PhotoFiles::pathOf(const std::string& digest) const
{
    if (!isDigest(digest))
        throw std::invalid_argument("photo digest \"" + digest.substr(0, 80) + "\": not 64 lowercase hex digits");
    return m_dir + "/" + digest;
}

bool PhotoFiles::present(const std::string& dir)
{
    std::error_code ec;
    return std::filesystem::is_directory(dir, ec);
}

PhotoFiles::State PhotoFiles::state(const std::string& digest) const
{
    Fd fd(pathOf(digest), O_RDONLY);
    if (!fd.ok()) {
        if (errno == ENOENT)
            return {};
        fail(pathOf(digest), "open");
    }
    return stateOf(fd);
}

PhotoFiles::State PhotoFiles::append(const std::string& digest, uint64_t offset, uint64_t totalBytes,
                                     const std::string& data)
{
    if (data.empty())
        return state(digest);
    Fd fd(pathOf(digest), O_RDWR | O_CREAT);
    if (!fd.ok()) {
        if (errno == EACCES)
            return state(digest); // sealed: a verified photo, nothing more to store
        fail(pathOf(digest), "open");
    }
    fd.lock(); // one writer per photo, whichever thread or process
    State held = stateOf(fd);
    if (offset != held.receivedBytes || (held.totalBytes != 0 && held.totalBytes != totalBytes) ||
        offset + data.size() > totalBytes)
        return held;
    unsigned char header[kHeaderBytes];
    struct iovec parts[2];
    int count = 0;
    uint64_t at = kHeaderBytes + offset;
    const bool fresh = held.totalBytes == 0;
    if (fresh) {
        // A new upload, or a header torn by a crash before its first chunk was acknowledged: start the file over.
        if (::ftruncate(fd.get(), 0) != 0)
            fail(fd.path(), "empty");
        putHeader(header, totalBytes);
        parts[count++] = {header, sizeof header};
        at = 0;
    }
    parts[count++] = {const_cast<char*>(data.data()), data.size()};
    fd.writeAll(at, parts, count);
    fd.sync(); // the bytes (and the size that says how many) are durable before the offset is acknowledged
    if (fresh)
        syncDir(); // and so is the new file's name
    return {totalBytes, offset + data.size(), true};
}

std::string PhotoFiles::read(const std::string& digest, uint64_t offset, uint64_t maxBytes, bool mustExist) const
{
    Fd fd(pathOf(digest), O_RDONLY);
    if (!fd.ok()) {
        if (errno == ENOENT && !mustExist)
            return {};
        fail(pathOf(digest), "open the photo file (restore the folder photos/ from the same backup as photos.db)");
    }
    const State s = stateOf(fd);
    if (offset >= s.receivedBytes)
        return {};
    std::string out(static_cast<size_t>(std::min(maxBytes, s.receivedBytes - offset)), '\0');
    size_t got = 0;
    while (got < out.size()) {
        const ssize_t n =
            ::pread(fd.get(), out.data() + got, out.size() - got, static_cast<off_t>(kHeaderBytes + offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail(fd.path(), "read");
        got += static_cast<size_t>(n);
    }
    return out;
}

void PhotoFiles::seal(const std::string& digest) const
{
    if (::chmod(pathOf(digest).c_str(), 0440) != 0 && errno != ENOENT)
        fail(pathOf(digest), "make read-only");
}

void PhotoFiles::discard(const std::string& digest) const
{
    Fd fd(pathOf(digest), O_RDWR);
    if (!fd.ok()) {
        if (errno == ENOENT)
            return;
        fail(pathOf(digest), "open");
    }
    fd.lock();
    // Emptied under the lock first: an upload waiting for the lock on this file then finds nothing to continue.
    if (::ftruncate(fd.get(), 0) != 0)
        fail(fd.path(), "empty");
    if (::unlink(fd.path().c_str()) != 0 && errno != ENOENT)
        fail(fd.path(), "remove");
}

void PhotoFiles::write(const std::string& digest, uint64_t totalBytes, const std::string& bytes) const
{
    // Replaced, not truncated: a copy made again after a crash finds the first copy sealed.
    if (::unlink(pathOf(digest).c_str()) != 0 && errno != ENOENT)
        fail(pathOf(digest), "replace");
    Fd fd(pathOf(digest), O_RDWR | O_CREAT | O_EXCL);
    if (!fd.ok())
        fail(pathOf(digest), "create");
    unsigned char header[kHeaderBytes];
    putHeader(header, totalBytes);
    struct iovec parts[2] = {{header, sizeof header}, {const_cast<char*>(bytes.data()), bytes.size()}};
    fd.writeAll(0, parts, 2);
    fd.sync();
    syncDir();
}

void PhotoFiles::syncDir() const
{
    Fd dir(m_dir, O_RDONLY | O_DIRECTORY);
    if (!dir.ok() || ::fsync(dir.get()) != 0)
        fail(m_dir, "make the folder's entries durable in");
}

} // namespace crf::gateway
