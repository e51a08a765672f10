// Store: the gateway's storage interface (SQLite embedded by default, or PostgreSQL). Append-only events.
#pragma once

#include "crf/v1/events.pb.h"
#include "identity_store.h"
#include "result.h"
#include "trial_store.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

/// A field of a form instance: the unit of the three-way merge.
struct FieldKey {
    std::string studyId, subjectId, visitOid, formOid;
    uint32_t repeat = 0;
    std::string itemOid;
};

/// The gateway's current view of a field (a projection of the events; rebuildable from them).
struct FieldState {
    std::string value, unit;
    bool present = false;
    uint64_t valueSeq = 0;  // the event whose value is kept
    uint64_t lastSeq = 0;   // the latest event that touched the field (kept or in conflict)
    std::string lastDevice; // the device of lastSeq
};

/// A field as the merge reads it: views into the transaction's merge state, valid until that field is written.
struct FieldView {
    std::string_view value, unit;
    bool present = false;
    uint64_t valueSeq = 0;
    uint64_t lastSeq = 0;
    std::string_view lastDevice;
};

/// One form instance's merge state inside a write transaction: an event's fields are read and written through it
/// without naming the form again for each field and without copying values out (docs/performance.md item 45).
class FormMergeState {
public:
    virtual ~FormMergeState() = default;
    virtual std::optional<FieldView> field(const std::string& itemOid) = 0;
    /// Sets the field to a new value (adding it when new): value, unit and presence from `state`, both sequences.
    virtual void put(const std::string& itemOid, const FieldView& state) = 0;
    /// Keeps the field's value and records `lastSeq` and `lastDevice` as the latest event that touched it (a
    /// conflict: the first accepted value is kept).
    virtual void touch(const std::string& itemOid, uint64_t lastSeq, const std::string& lastDevice) = 0;
    virtual bool hasOpenConflict(const std::string& itemOid) = 0;
};

/// A data query opened for a conflict.
struct ConflictRow {
    uint64_t id = 0;
    FieldKey field;
    uint64_t keptSeq = 0, otherSeq = 0;
    bool open = true;
    uint64_t resolvedBySeq = 0;
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
    /// `eventBytes`: the bytes its ChangeEvent was parsed from, kept as its record (empty: the event is serialized).
    virtual void append(const v1::ServerEvent& event, std::string_view eventBytes = {}) = 0;
    /// A refused event of a device whose chain link was valid: kept in the audit trail (nothing is lost) and part of
    /// the device chain, so the device's later events are not blocked behind it.
    virtual void appendRefused(const v1::ChangeEvent& event, const std::string& eventHash, const std::string& reason,
                               int64_t receivedAtMs) = 0;
    /// The accepted event that already carries `eventId`, as {device id, device seq}: event ids are unique.
    virtual std::optional<std::pair<std::string, uint64_t>> eventIdHolder(const std::string& eventId) = 0;
    /// The refusal recorded for (device, seq): {event hash, reason}.
    virtual std::optional<std::pair<std::string, std::string>> findRefused(const std::string& deviceId,
                                                                           uint64_t deviceSeq) = 0;
    virtual std::optional<FieldState> fieldState(const FieldKey& key) = 0;
    /// The merge state of the form instance of `form` (its item OID is not used), held until commit.
    virtual FormMergeState& formState(const FieldKey& form) = 0;
    /// Opens a data query for a conflict on `key`; returns its id.
    virtual uint64_t openConflict(const FieldKey& key, uint64_t keptSeq, uint64_t otherSeq) = 0;
    virtual void resolveConflicts(const FieldKey& key, uint64_t resolvedBySeq) = 0;
    /// Device sequence numbers `firstSeq..lastSeq` are not held by this gateway: an import from an export file, which
    /// carries accepted changes of one study only (a device's refused events and other studies' stay at the source).
    /// The audit check then accepts the link across the range and counts it (docs/sponsor.md "Import").
    virtual void recordAbsent(const std::string& deviceId, uint64_t firstSeq, uint64_t lastSeq,
                              const std::string& note) = 0;
    /// Consent status, boxes, trial queries and alerts changed by the events of this transaction.
    virtual TrialWrite& trial() = 0;
    /// Makes everything appended durable (fsync) before returning: only then may the gateway acknowledge.
    virtual void commit() = 0;
};

/// Upload state of one photo.
struct PhotoState {
    uint64_t totalBytes = 0;
    uint64_t receivedBytes = 0;
    bool verified = false;
    bool appended = false; // photoAppend: whether this call stored its chunk
};

/// The gateway's storage. Thread-safe: any gRPC thread may call it.
class Store {
public:
    virtual ~Store() = default;
    virtual std::unique_ptr<WriteTransaction> beginWrite() = 0;
    /// Accepted events with server_seq > afterSeq, in server order, at most `limit`.
    virtual std::vector<v1::ServerEvent> eventsAfter(uint64_t afterSeq, uint32_t limit) = 0;
    virtual uint64_t eventCount() = 0;
    /// The server hash of the event at `serverSeq` (none when the store holds no such event).
    virtual std::optional<std::string> serverHashAt(uint64_t serverSeq) = 0;
    virtual std::vector<ConflictRow> conflicts(bool openOnly) = 0;
    // Photos (content-addressed). Each call is its own durable transaction.
    virtual std::optional<PhotoState> photoState(const std::string& digest) = 0;
    /// Appends `data` at `offset` (must equal the bytes received so far; creates the upload at offset 0).
    /// `verified`: the caller checked that the photo, completed by this chunk, matches its digest; it is marked
    /// verified in the same commit.
    virtual PhotoState photoAppend(const std::string& digest, uint64_t offset, uint64_t totalBytes,
                                   const std::string& data, bool verified = false) = 0;
    /// All bytes received so far.
    virtual std::string photoBytes(const std::string& digest) = 0;
    virtual std::string photoRead(const std::string& digest, uint64_t offset, uint32_t maxBytes) = 0;
    virtual void photoMarkVerified(const std::string& digest) = 0;
    /// Discards an unverified upload (a corrupted one): the next upload starts again from 0.
    virtual void photoDiscard(const std::string& digest) = 0;
    virtual uint64_t photosVerified() = 0;
    /// The digests of every verified photo, in order.
    virtual std::vector<std::string> verifiedPhotos() = 0;
    virtual uint64_t refusedCount() = 0;
    struct RefusedRow {
        v1::ChangeEvent event;
        std::string eventHash, reason;
        int64_t receivedAtMs = 0;
    };
    /// Refused events of a device in device order (all devices when `deviceId` is empty).
    virtual std::vector<RefusedRow> refused(const std::string& deviceId) = 0;
    struct AbsentRange {
        std::string deviceId;
        uint64_t firstSeq = 0, lastSeq = 0;
        std::string note;
    };
    /// Every range recorded by recordAbsent, by device and sequence.
    virtual std::vector<AbsentRange> absentRanges() = 0;
    /// Distinct subjects and devices seen in accepted events.
    virtual uint64_t subjectCount() = 0;
    virtual uint64_t deviceCount() = 0;
    /// The sites a photo was uploaded for (content-addressed: the same bytes may come from two sites).
    virtual void addPhotoSite(const std::string& digest, const std::string& siteId) = 0;
    virtual std::vector<std::string> photoSites(const std::string& digest) = 0;
    /// Accounts, grants, devices and sessions (same database, same durability).
    virtual IdentityStore& identity() = 0;
    /// Consent, randomization, trial queries and sponsor alerts (same database, same durability).
    virtual TrialStore& trial() = 0;
    virtual std::string describe() const = 0;
};

/// Opens (creating if needed) the embedded SQLite store in `dataDir` (file `gateway.db`).
Result<std::unique_ptr<Store>> openSqliteStore(const std::string& dataDir);

/// Opens the PostgreSQL store at `uri` (libpq URI) with up to `connections` connections. The schema must be current
/// and the role must not be able to update or delete the audit trail (pg_schema.cpp, docs/operations.md).
Result<std::unique_ptr<Store>> openPostgresStore(const std::string& uri, int connections = 8);

/// Creates or upgrades the PostgreSQL schema step by step as its owner (`ownerUri`) and grants `appRole` what the
/// gateway needs (insert and read of the audit tables, no update or delete). Returns the schema version. `upTo`
/// (> 0) stops at that version (upgrade tests).
Result<int> migratePostgresStore(const std::string& ownerUri, const std::string& appRole, int upTo = 0);

/// Whether `spec` names a PostgreSQL store (`postgresql://` or `postgres://`) rather than an SQLite data folder.
bool isPostgresUri(const std::string& spec);

/// `openPostgresStore` for a PostgreSQL URI, else `openSqliteStore` for a data folder.
Result<std::unique_ptr<Store>> openStore(const std::string& spec);

} // namespace crf::gateway
