// Store: the gateway's storage interface (SQLite embedded by default; PostgreSQL later). Append-only events.
#pragma once

#include "crf/v1/events.pb.h"
#include "result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace crf::gateway {

/// Where a device's hash chain stands at the gateway.
struct DeviceHead {
    uint64_t lastSeq = 0;
    std::string lastHash; // event hash of the device's last accepted event
};

/// Where the gateway's own chain stands.
struct ServerHead {
    uint64_t lastSeq = 0;
    std::string lastHash;
};

/// One write unit of work. Implementations serialise writers (SQLite: BEGIN IMMEDIATE). Destroying it without
/// commit() rolls back. Methods throw on storage failure; the domain catches at its boundary.
class WriteTransaction {
public:
    virtual ~WriteTransaction() = default;
    virtual std::optional<v1::ServerEvent> findEvent(const std::string& deviceId, uint64_t deviceSeq) = 0;
    virtual DeviceHead deviceHead(const std::string& deviceId) = 0;
    virtual ServerHead serverHead() = 0;
    /// Appends an accepted event whose server_seq and hashes the caller has set (server_seq = head + 1).
    virtual void append(const v1::ServerEvent& event) = 0;
    /// Makes everything appended durable (fsync) before returning: only then may the gateway acknowledge.
    virtual void commit() = 0;
};

/// The gateway's storage. Thread-safe: any gRPC thread may call it.
class Store {
public:
    virtual ~Store() = default;
    virtual std::unique_ptr<WriteTransaction> beginWrite() = 0;
    /// Accepted events with server_seq > afterSeq, in server order, at most `limit`.
    virtual std::vector<v1::ServerEvent> eventsAfter(uint64_t afterSeq, uint32_t limit) = 0;
    virtual uint64_t eventCount() = 0;
    /// Distinct subjects and devices seen in accepted events.
    virtual uint64_t subjectCount() = 0;
    virtual uint64_t deviceCount() = 0;
    virtual std::string describe() const = 0;
};

/// Opens (creating if needed) the embedded SQLite store in `dataDir` (file `gateway.db`).
Result<std::unique_ptr<Store>> openSqliteStore(const std::string& dataDir);

} // namespace crf::gateway
