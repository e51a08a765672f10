// A storage that can be made full, for tests: a SQLite VFS in front of the platform's that fails the writes of the
// files under a chosen folder with SQLITE_FULL, as the platform's VFS does when the file system reports ENOSPC, or
// their syncs with an I/O error and a chosen system error number.
#pragma once

#include "sqlite.h"

#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

namespace crf::test {

/// Files opened after install() go through it (it becomes SQLite's default VFS); only those under the folder given
/// to fill() are refused their writes and growths, until empty(). Reads, syncs and locks pass untouched, so what a
/// connection already holds stays readable, as on a real full disk.
class FullStorage {
public:
    static void install()
    {
        crf::sql::configureProcess(); // before the first registration, which initialises SQLite
        static std::once_flag once;
        std::call_once(once, [] {
            state().platform = sqlite3_vfs_find(nullptr);
            sqlite3_vfs& v = state().vfs;
            v = *state().platform;
            v.iVersion = std::min(v.iVersion, 2);
            v.szOsFile = static_cast<int>(sizeof(File)) + state().platform->szOsFile;
            v.zName = "crf-test-full-storage";
            v.pNext = nullptr;
            v.xOpen = open;
            v.xSetSystemCall = nullptr;
            v.xGetSystemCall = nullptr;
            v.xNextSystemCall = nullptr;
            sqlite3_vfs_register(&v, 1);
            state().methods = sqlite3_io_methods{
                2, // no memory-mapped reads: every read goes through xRead
                [](sqlite3_file* x) {
                    const int r = real(x)->pMethods->xClose(real(x));
                    x->pMethods = nullptr;
                    return r;
                },
                [](sqlite3_file* x, void* out, int n, sqlite3_int64 at) {
                    return real(x)->pMethods->xRead(real(x), out, n, at);
                },
                [](sqlite3_file* x, const void* in, int n, sqlite3_int64 at) {
                    return refuses(x) ? SQLITE_FULL : real(x)->pMethods->xWrite(real(x), in, n, at);
                },
                [](sqlite3_file* x, sqlite3_int64 size) {
                    sqlite3_int64 now = 0;
                    real(x)->pMethods->xFileSize(real(x), &now);
                    return size > now && refuses(x) ? SQLITE_FULL : real(x)->pMethods->xTruncate(real(x), size);
                },
                [](sqlite3_file* x, int flags) {
                    if (const int e = syncFailure(x); e != 0) {
                        errno = e; // what the platform's VFS reports as the system's error number
                        return SQLITE_IOERR_FSYNC;
                    }
                    return real(x)->pMethods->xSync(real(x), flags);
                },
                [](sqlite3_file* x, sqlite3_int64* size) { return real(x)->pMethods->xFileSize(real(x), size); },
                [](sqlite3_file* x, int level) { return real(x)->pMethods->xLock(real(x), level); },
                [](sqlite3_file* x, int level) { return real(x)->pMethods->xUnlock(real(x), level); },
                [](sqlite3_file* x, int* out) { return real(x)->pMethods->xCheckReservedLock(real(x), out); },
                [](sqlite3_file* x, int op, void* arg) { return real(x)->pMethods->xFileControl(real(x), op, arg); },
                [](sqlite3_file* x) { return real(x)->pMethods->xSectorSize(real(x)); },
                [](sqlite3_file* x) { return real(x)->pMethods->xDeviceCharacteristics(real(x)); },
                [](sqlite3_file* x, int page, int size, int extend, void volatile** out) {
                    return real(x)->pMethods->xShmMap(real(x), page, size, extend, out);
                },
                [](sqlite3_file* x, int offset, int n, int flags) {
                    return real(x)->pMethods->xShmLock(real(x), offset, n, flags);
                },
                [](sqlite3_file* x) { real(x)->pMethods->xShmBarrier(real(x)); },
                [](sqlite3_file* x, int del) { return real(x)->pMethods->xShmUnmap(real(x), del); },
                nullptr,
                nullptr};
        });
    }
    /// Writes under `folder` fail from now on.
    static void fill(const std::string& folder)
    {
        std::lock_guard lock(state().mutex);
        state().full = folder;
    }
    static void empty()
    {
        fill({});
        failSyncs({}, 0);
    }
    /// Syncs under `folder` fail from now on with the system's error number `error` (ENOSPC: a file system that
    /// finds itself full only when it allocates at the sync; EIO: a failing disk), until empty().
    static void failSyncs(const std::string& folder, int error)
    {
        std::lock_guard lock(state().mutex);
        state().syncsFailing = folder;
        state().syncError = error;
    }
    /// Writes refused since install().
    static int refused()
    {
        std::lock_guard lock(state().mutex);
        return state().refused;
    }

private:
    struct File {
        sqlite3_file base;
        sqlite3_file* real;
        char path[512];
    };
    struct State {
        sqlite3_vfs* platform = nullptr;
        sqlite3_vfs vfs{};
        sqlite3_io_methods methods{};
        std::mutex mutex;
        std::string full;
        std::string syncsFailing;
        int syncError = 0;
        int refused = 0;
    };
    static State& state()
    {
        static State s;
        return s;
    }
    static sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }
    static bool refuses(sqlite3_file* f)
    {
        std::lock_guard lock(state().mutex);
        const std::string& full = state().full;
        if (full.empty() || std::strncmp(reinterpret_cast<File*>(f)->path, full.c_str(), full.size()) != 0)
            return false;
        ++state().refused;
        return true;
    }
    static int syncFailure(sqlite3_file* f)
    {
        std::lock_guard lock(state().mutex);
        const std::string& failing = state().syncsFailing;
        if (failing.empty() || std::strncmp(reinterpret_cast<File*>(f)->path, failing.c_str(), failing.size()) != 0)
            return 0;
        ++state().refused;
        return state().syncError;
    }
    static int open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* outFlags)
    {
        auto* f = reinterpret_cast<File*>(file);
        f->real = reinterpret_cast<sqlite3_file*>(f + 1);
        std::strncpy(f->path, name ? name : "", sizeof f->path - 1);
        f->path[sizeof f->path - 1] = '\0';
        const int rc = state().platform->xOpen(state().platform, name, f->real, flags, outFlags);
        if (rc != SQLITE_OK || !f->real->pMethods) {
            f->base.pMethods = nullptr;
            return rc;
        }
        f->base.pMethods = &state().methods;
        return rc;
    }
};

} // namespace crf::test
