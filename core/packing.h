// Event traffic packed with zstd: a batch of events is text-heavy and repetitive (item OIDs, ids, roles) and
// compresses about 2.6 times; zstd at level 1 does it ten times faster than gRPC's gzip (fixed at zlib level 6) for
// the same size, so packing costs the bedside tablet almost nothing (docs/sync.md "Packing", docs/performance.md).
#pragma once

#include "crf/v1/sync.pb.h"
#include "result.h"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace crf::packing {

/// The most a packed frame may unpack to: the size of the largest message a tablet or the gateway accepts, so a
/// small hostile frame cannot make either side allocate without bound.
inline constexpr size_t kMaxUnpackedBytes = 64u * 1024u * 1024u;

/// A zstd frame of `bytes` that records its own size.
std::string pack(std::string_view bytes);

/// The bytes of a frame made by pack(); an error naming `where` for a damaged frame, a frame that does not say its
/// size, or one larger than `limit`.
Result<std::string> unpack(std::string_view frame, const std::string& where, size_t limit = kMaxUnpackedBytes);

/// Moves the request's events into `packed_events` (nothing to do without events).
void packEvents(v1::PushRequest& request);
/// Sets `packed_events` to the frame of these serialized events (v1::ChangeEvent), the frame packEvents() makes of
/// them parsed: the tablet sends each event as it stored it, without parsing and serializing it again (about a
/// tenth of a round of 100 edited forms: docs/performance.md item 48). The request must have no plain events.
void packEventBytes(v1::PushRequest& request, std::span<const std::string> events);
/// Moves `packed_events` back into `events`; a request with events both ways, or whose frame does not unpack to
/// events, is an error naming the place.
Status unpackEvents(v1::PushRequest& request);

/// A push's events as they arrived: the unpacked frame, and each event's bytes in it in the order of `events`.
struct ReceivedEvents {
    ReceivedEvents() = default;
    ReceivedEvents(const ReceivedEvents&) = delete; // the views point into `frame`: it stays where it was made
    ReceivedEvents& operator=(const ReceivedEvents&) = delete;
    std::string frame;
    std::vector<std::string_view> events; // empty when the request was not packed
};
/// The same, keeping each event's bytes as received (the gateway stores them as sent instead of serializing the
/// parsed event again: docs/performance.md item 45).
Status unpackEvents(v1::PushRequest& request, ReceivedEvents& received);

/// The same for a pull page.
void packEvents(v1::PullResponse& page);
Status unpackEvents(v1::PullResponse& page);
/// The same, keeping each event's bytes as received (the tablet stores them instead of serializing the parsed event
/// again: docs/performance.md item 53).
Status unpackEvents(v1::PullResponse& page, ReceivedEvents& received);

} // namespace crf::packing
