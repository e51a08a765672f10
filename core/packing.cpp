#include "packing.h"

#include "tr.h"
#include "wire.h"

#include <memory>
#include <zstd.h>

namespace crf::packing {

namespace {

// Level 1: the fastest ratio of zstd; higher levels gain a few percent on these batches for several times the CPU.
constexpr int kLevel = 1;

template <typename M> void packInto(M& message)
{
    if (message.events().empty())
        return;
    M only;
    only.mutable_events()->Swap(message.mutable_events());
    message.set_packed_events(pack(only.SerializeAsString()));
}

/// Each top-level length-delimited field `number` of `bytes`, in order; nothing when `bytes` does not read as a
/// message to the end (the parse that comes first has refused it then).
std::vector<std::string_view> fieldsOf(std::string_view bytes, int number)
{
    std::vector<std::string_view> out;
    wire::Reader in(bytes);
    int n = 0;
    uint32_t type = 0;
    while (!in.atEnd()) {
        if (!in.tag(n, type))
            return {};
        std::string_view value;
        if (n == number && type == wire::kLength) {
            if (!in.bytes(value))
                return {};
            out.push_back(value);
        } else if (!in.skip(type)) {
            return {};
        }
    }
    return out;
}

template <typename M> Status unpackFrom(M& message, const std::string& where, ReceivedEvents* received = nullptr)
{
    if (message.packed_events().empty())
        return {};
    if (!message.events().empty())
        return messageError(where, QT_TRANSLATE_NOOP("Core", "events come both packed and unpacked"));
    auto bytes = unpack(message.packed_events(), where);
    if (!bytes)
        return bytes.error();
    // Parsed on the message's own arena when it has one, so the events move into it without a copy.
    std::unique_ptr<M> owned;
    M* only = message.GetArena() ? google::protobuf::Arena::CreateMessage<M>(message.GetArena())
                                 : (owned = std::make_unique<M>()).get();
    if (!only->ParseFromString(*bytes))
        return messageError(where, QT_TRANSLATE_NOOP("Core", "the packed events cannot be read"));
    message.mutable_events()->Swap(only->mutable_events());
    message.clear_packed_events();
    if (received) {
        received->frame = std::move(bytes).value();
        received->events = fieldsOf(received->frame, M::kEventsFieldNumber);
        if (received->events.size() != static_cast<size_t>(message.events_size()))
            received->events.clear(); // cannot happen for a frame that parsed; the events are then serialized again
    }
    return {};
}

// One context per thread, kept: ZSTD_compress and ZSTD_decompress would allocate and clear a new one (hundreds of KiB
// of tables) for every batch and every page.
ZSTD_CCtx* compressor()
{
    thread_local std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), &ZSTD_freeCCtx);
    return cctx.get();
}

ZSTD_DCtx* decompressor()
{
    thread_local std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
    return dctx.get();
}

} // namespace

std::string pack(std::string_view bytes)
{
    std::string out(ZSTD_compressBound(bytes.size()), '\0');
    ZSTD_CCtx* cctx = compressor();
    const size_t n = cctx ? ZSTD_compressCCtx(cctx, out.data(), out.size(), bytes.data(), bytes.size(), kLevel)
                          : ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), kLevel);
    // Compressing into a buffer of ZSTD_compressBound cannot fail short of memory exhaustion.
    out.resize(ZSTD_isError(n) ? 0 : n);
    return out;
}

Result<std::string> unpack(std::string_view frame, const std::string& where, size_t limit)
{
    const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
    if (size == ZSTD_CONTENTSIZE_ERROR)
        return messageError(where, QT_TRANSLATE_NOOP("Core", "the packed events are damaged"));
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size > limit)
        return messageError(where, QT_TRANSLATE_NOOP("Core", "the packed events are larger than %1 bytes"),
                            {std::to_string(limit)});
    std::string out(static_cast<size_t>(size), '\0');
    ZSTD_DCtx* dctx = decompressor();
    const size_t n = dctx ? ZSTD_decompressDCtx(dctx, out.data(), out.size(), frame.data(), frame.size())
                          : ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
    if (ZSTD_isError(n) || n != size)
        return messageError(where, QT_TRANSLATE_NOOP("Core", "the packed events are damaged"));
    return out;
}

void packEvents(v1::PushRequest& request)
{
    packInto(request);
}

void packEventBytes(v1::PushRequest& request, std::span<const std::string> events)
{
    if (events.empty())
        return;
    size_t size = 0;
    for (const auto& e : events)
        size += wire::fieldSize(v1::PushRequest::kEventsFieldNumber, e.size());
    std::string frame;
    frame.reserve(size);
    for (const auto& e : events)
        wire::appendField(frame, v1::PushRequest::kEventsFieldNumber, e);
    request.set_packed_events(pack(frame));
}

Status unpackEvents(v1::PushRequest& request)
{
    return unpackFrom(request, "push");
}

Status unpackEvents(v1::PushRequest& request, ReceivedEvents& received)
{
    received.frame.clear();
    received.events.clear();
    return unpackFrom(request, "push", &received);
}

void packEvents(v1::PullResponse& page)
{
    packInto(page);
}

Status unpackEvents(v1::PullResponse& page)
{
    return unpackFrom(page, "pull page");
}

Status unpackEvents(v1::PullResponse& page, ReceivedEvents& received)
{
    received.frame.clear();
    received.events.clear();
    return unpackFrom(page, "pull page", &received);
}

} // namespace crf::packing
