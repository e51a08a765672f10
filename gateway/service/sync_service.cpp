#include "sync_service.h"

#include "auth_service.h"
#include "packing.h"

#include <google/protobuf/arena.h>

namespace crf::gateway {

grpc::Status SyncService::Push(grpc::ServerContext* context, const v1::PushRequest* packed, v1::PushResponse* response)
{
    // Packed events are unpacked only for a caller already admitted (a stranger cannot make the gateway unpack),
    // then checked again event by event (access control looks at each event's site and user) for the same caller:
    // the session is resolved once per call.
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::Push, *packed, &who); !denied.ok())
        return denied;
    // The batch's turn among the device's batches in progress is taken before the unpacking (a millisecond in which
    // the tablet's next batch, sent ahead, could otherwise overtake it), from the first sequence the request names.
    std::unique_ptr<DeviceBatchOrder::Turn> turn;
    if (!packed->device_id().empty() && packed->first_device_seq() > 0)
        turn = m_domain.takeTurn(packed->device_id(), packed->first_device_seq());
    // A batch is a few hundred events of a few dozen values each: parsed into one arena, it is allocated in a few
    // large blocks and freed at once instead of value by value.
    google::protobuf::ArenaOptions blocks;
    blocks.start_block_size = 64 * 1024;
    blocks.max_block_size = 1024 * 1024;
    google::protobuf::Arena arena(blocks);
    v1::PushRequest* unpacked = nullptr;
    packing::ReceivedEvents received; // each event's bytes as sent: stored as they came
    if (!packed->packed_events().empty()) {
        unpacked = google::protobuf::Arena::CreateMessage<v1::PushRequest>(&arena);
        unpacked->CopyFrom(*packed);
        if (auto ok = packing::unpackEvents(*unpacked, received); !ok)
            return refusal(context, grpc::StatusCode::INVALID_ARGUMENT, ok.error());
        if (auto denied = authorize(m_access, context, who, Rpc::Push, *unpacked); !denied.ok())
            return denied;
    }
    const v1::PushRequest* request = unpacked ? unpacked : packed;
    auto result = turn ? m_domain.pushInTurn(*request, received.events) : m_domain.push(*request, received.events);
    if (!result) {
        // Storage failed: UNAVAILABLE tells the tablet to keep its outbox and retry (nothing was acknowledged).
        return storageFailure(context, result.error().sentence());
    }
    *response = std::move(result).value();
    return grpc::Status::OK;
}

grpc::Status SyncService::Pull(grpc::ServerContext* context, const v1::PullRequest* request, v1::PullResponse* response)
{
    Principal who;
    if (auto denied = admit(m_access, context, Rpc::Pull, *request, &who); !denied.ok())
        return denied;
    auto result = m_domain.pull(*request);
    if (!result)
        return storageFailure(context, result.error().sentence());
    *response = std::move(result).value();
    m_access.filterPull(who, *request, *response);
    // A page travels compressed when the tablet asks (SyncTransport::compression, for a slow ward link): packed with
    // zstd (packing.h), or gzip for a tablet that asks the older way.
    const auto& metadata = context->client_metadata();
    if (request->accept_packed())
        packing::packEvents(*response);
    else if (auto it = metadata.find("crf-compress"); it != metadata.end() && it->second == "gzip")
        context->set_compression_algorithm(GRPC_COMPRESS_GZIP);
    return grpc::Status::OK;
}

} // namespace crf::gateway
