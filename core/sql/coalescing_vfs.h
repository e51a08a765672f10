// A SQLite VFS over the platform's default that writes a write-ahead log's frames in one call per commit.
#pragma once

#include <cstdint>

namespace crf::sql {

/// The name of a VFS (registered on first use, not as the default) that passes every file through to the platform's
/// VFS, except that a write-ahead log's consecutive writes are held and written in one call when the log is synced,
/// read, sized, truncated or closed, or when a write does not follow the ones held. SQLite writes each frame of a
/// commit with two calls (its header, then its page): 368 system calls for a commit of 184 pages, 0.6 ms on this
/// machine against 0.1 ms for one (docs/performance.md item 47).
///
/// Only for databases with `synchronous = FULL`: the log is then synced at every commit, before the commit is made
/// visible to other connections, so no other connection can read a frame still held. Nothing is held across a sync:
/// what a crash loses was never synced, which SQLite's frame checksums already handle.
const char* coalescingVfs();

/// The writes SQLite asked of write-ahead logs opened through coalescingVfs() and those that reached the platform's
/// VFS, since the process started (tests read them).
struct CoalescingCounts {
    uint64_t asked = 0;
    uint64_t written = 0;
};
CoalescingCounts coalescingCounts();

} // namespace crf::sql
