#include "coalescing_vfs.h"
#include "sqlite.h"

#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <atomic>
#include <mutex>
#include <new>
#include <string>

namespace crf::sql {
namespace {

constexpr const char* kName = "crf-coalescing";
// A commit's frames are held up to this much; a larger commit is written in several calls. The platform's VFS
// writes at most 128 KiB - 1 bytes a call (unix VFS seekAndWrite: `cnt &= 0x1ffff`) and reports a larger write as a
// full disk: 124 KiB, thirty frames of 4 KiB pages (one of 64 KiB).
constexpr size_t kMaxHeld = 124u * 1024u;

sqlite3_vfs* g_platform = nullptr;
sqlite3_vfs g_vfs;
sqlite3_io_methods g_methods;
std::atomic<uint64_t> g_asked{0}, g_written{0};

/// An open file: ours in front, the platform's right behind it (szOsFile covers both).
struct File {
    sqlite3_file base;
    sqlite3_file* real;
    std::string* held; // a write-ahead log's writes not yet passed on (nullptr for every other file)
    sqlite3_int64 heldAt;
};

sqlite3_file* real(sqlite3_file* f)
{
    return reinterpret_cast<File*>(f)->real;
}

/// Passes the held writes on; every method but xWrite calls this first, so the platform's file is as SQLite wrote it
/// whenever anything else looks at it.
int pass(sqlite3_file* file)
{
    auto* f = reinterpret_cast<File*>(file);
    if (!f->held || f->held->empty())
        return SQLITE_OK;
    const int rc = f->real->pMethods->xWrite(f->real, f->held->data(), static_cast<int>(f->held->size()), f->heldAt);
    f->held->clear();
    g_written.fetch_add(1, std::memory_order_relaxed);
    return rc;
}

int xClose(sqlite3_file* file)
{
    auto* f = reinterpret_cast<File*>(file);
    const int passed = pass(file);
    const int rc = f->real->pMethods->xClose(f->real);
    delete f->held;
    f->held = nullptr;
    return passed != SQLITE_OK ? passed : rc;
}

int xRead(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset)
{
    if (const int rc = pass(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xRead(real(file), out, amount, offset);
}

int xWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset)
{
    auto* f = reinterpret_cast<File*>(file);
    if (!f->held)
        return f->real->pMethods->xWrite(f->real, data, amount, offset);
    g_asked.fetch_add(1, std::memory_order_relaxed);
    const auto n = static_cast<size_t>(amount);
    const bool follows = !f->held->empty() && offset == f->heldAt + static_cast<sqlite3_int64>(f->held->size());
    if (!follows || f->held->size() + n > kMaxHeld) {
        if (const int rc = pass(file); rc != SQLITE_OK)
            return rc;
        f->heldAt = offset;
    }
    try {
        f->held->append(static_cast<const char*>(data), n);
    } catch (const std::bad_alloc&) { // no exception may cross into SQLite: write it through instead
        return f->real->pMethods->xWrite(f->real, data, amount, offset);
    }
    return SQLITE_OK;
}

int xTruncate(sqlite3_file* file, sqlite3_int64 size)
{
    if (const int rc = pass(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xTruncate(real(file), size);
}

int xSync(sqlite3_file* file, int flags)
{
    if (const int rc = pass(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xSync(real(file), flags);
}

int xFileSize(sqlite3_file* file, sqlite3_int64* size)
{
    if (const int rc = pass(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xFileSize(real(file), size);
}

int xLock(sqlite3_file* file, int level)
{
    return real(file)->pMethods->xLock(real(file), level);
}

int xUnlock(sqlite3_file* file, int level)
{
    if (const int rc = pass(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xUnlock(real(file), level);
}

int xCheckReservedLock(sqlite3_file* file, int* out)
{
    return real(file)->pMethods->xCheckReservedLock(real(file), out);
}

int xFileControl(sqlite3_file* file, int op, void* arg)
{
    if (const int rc = pass(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xFileControl(real(file), op, arg);
}

int xSectorSize(sqlite3_file* file)
{
    return real(file)->pMethods->xSectorSize(real(file));
}

int xDeviceCharacteristics(sqlite3_file* file)
{
    return real(file)->pMethods->xDeviceCharacteristics(real(file));
}

// Shared memory and memory mapping only where the platform's file has them (version 2 and 3 methods).
int xShmMap(sqlite3_file* file, int page, int size, int extend, void volatile** out)
{
    if (real(file)->pMethods->iVersion < 2)
        return SQLITE_IOERR_SHMMAP;
    return real(file)->pMethods->xShmMap(real(file), page, size, extend, out);
}

int xShmLock(sqlite3_file* file, int offset, int n, int flags)
{
    if (real(file)->pMethods->iVersion < 2)
        return SQLITE_IOERR_SHMLOCK;
    return real(file)->pMethods->xShmLock(real(file), offset, n, flags);
}

void xShmBarrier(sqlite3_file* file)
{
    if (real(file)->pMethods->iVersion >= 2)
        real(file)->pMethods->xShmBarrier(real(file));
}

int xShmUnmap(sqlite3_file* file, int deleteFlag)
{
    if (real(file)->pMethods->iVersion < 2)
        return SQLITE_OK;
    return real(file)->pMethods->xShmUnmap(real(file), deleteFlag);
}

int xFetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out)
{
    if (const int rc = pass(file); rc != SQLITE_OK)
        return rc;
    if (real(file)->pMethods->iVersion < 3) {
        *out = nullptr;
        return SQLITE_OK;
    }
    return real(file)->pMethods->xFetch(real(file), offset, amount, out);
}

int xUnfetch(sqlite3_file* file, sqlite3_int64 offset, void* p)
{
    if (real(file)->pMethods->iVersion < 3)
        return SQLITE_OK;
    return real(file)->pMethods->xUnfetch(real(file), offset, p);
}

int xOpen(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* outFlags)
{
    auto* f = reinterpret_cast<File*>(file);
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    f->held = nullptr;
    f->heldAt = 0;
    const int rc = g_platform->xOpen(g_platform, name, f->real, flags, outFlags);
    if (rc != SQLITE_OK || !f->real->pMethods) {
        f->base.pMethods = nullptr;
        return rc;
    }
    if (flags & SQLITE_OPEN_WAL)
        f->held = new (std::nothrow) std::string(); // without it the log is written through as by the platform
    f->base.pMethods = &g_methods;
    return SQLITE_OK;
}

// The VFS's own calls go to the platform's, which some read their settings from (mxPathname, pAppData).
int xDelete(sqlite3_vfs*, const char* name, int syncDir)
{
    return g_platform->xDelete(g_platform, name, syncDir);
}
int xAccess(sqlite3_vfs*, const char* name, int flags, int* out)
{
    return g_platform->xAccess(g_platform, name, flags, out);
}
int xFullPathname(sqlite3_vfs*, const char* name, int n, char* out)
{
    return g_platform->xFullPathname(g_platform, name, n, out);
}
void* xDlOpen(sqlite3_vfs*, const char* name)
{
    return g_platform->xDlOpen(g_platform, name);
}
void xDlError(sqlite3_vfs*, int n, char* out)
{
    g_platform->xDlError(g_platform, n, out);
}
void (*xDlSym(sqlite3_vfs*, void* handle, const char* symbol))(void)
{
    return g_platform->xDlSym(g_platform, handle, symbol);
}
void xDlClose(sqlite3_vfs*, void* handle)
{
    g_platform->xDlClose(g_platform, handle);
}
int xRandomness(sqlite3_vfs*, int n, char* out)
{
    return g_platform->xRandomness(g_platform, n, out);
}
int xSleep(sqlite3_vfs*, int us)
{
    return g_platform->xSleep(g_platform, us);
}
int xCurrentTime(sqlite3_vfs*, double* out)
{
    return g_platform->xCurrentTime(g_platform, out);
}
int xGetLastError(sqlite3_vfs*, int n, char* out)
{
    return g_platform->xGetLastError(g_platform, n, out);
}
int xCurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out)
{
    return g_platform->xCurrentTimeInt64(g_platform, out);
}

void registerOnce()
{
    g_platform = sqlite3_vfs_find(nullptr);
    if (!g_platform || g_platform->iVersion < 2)
        return; // not registered: coalescingVfs() then names the default
    g_methods = sqlite3_io_methods{3,
                                   xClose,
                                   xRead,
                                   xWrite,
                                   xTruncate,
                                   xSync,
                                   xFileSize,
                                   xLock,
                                   xUnlock,
                                   xCheckReservedLock,
                                   xFileControl,
                                   xSectorSize,
                                   xDeviceCharacteristics,
                                   xShmMap,
                                   xShmLock,
                                   xShmBarrier,
                                   xShmUnmap,
                                   xFetch,
                                   xUnfetch};
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_platform->szOsFile;
    g_vfs.mxPathname = g_platform->mxPathname;
    g_vfs.zName = kName;
    g_vfs.xOpen = xOpen;
    g_vfs.xDelete = xDelete;
    g_vfs.xAccess = xAccess;
    g_vfs.xFullPathname = xFullPathname;
    g_vfs.xDlOpen = xDlOpen;
    g_vfs.xDlError = xDlError;
    g_vfs.xDlSym = xDlSym;
    g_vfs.xDlClose = xDlClose;
    g_vfs.xRandomness = xRandomness;
    g_vfs.xSleep = xSleep;
    g_vfs.xCurrentTime = xCurrentTime;
    g_vfs.xGetLastError = xGetLastError;
    g_vfs.xCurrentTimeInt64 = xCurrentTimeInt64;
    sqlite3_vfs_register(&g_vfs, 0);
}

} // namespace

const char* coalescingVfs()
{
    configureProcess(); // before the registration, which initialises SQLite
    static std::once_flag once;
    std::call_once(once, registerOnce);
    return sqlite3_vfs_find(kName) ? kName : nullptr;
}

CoalescingCounts coalescingCounts()
{
    return {g_asked.load(), g_written.load()};
}

} // namespace crf::sql
