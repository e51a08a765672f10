// StoredFormBytes: one form instance's merge state (crf.v1.StoredForm, compact) edited in its stored bytes.
#pragma once

#include "crf/v1/gateway_store.pb.h"

#include <cstdint>
#include <deque>
#include <google/protobuf/arena.h>
#include <string>
#include <string_view>
#include <vector>

namespace crf::gateway {

/// A form instance's merge state read from its stored bytes without parsing them: each entry is found in place, only
/// the entries a batch reads or changes are parsed, and the unchanged ones are written back byte for byte. An edit of
/// one field of a 30-field form parsed and serialized all 30 (most of the gateway's work for an edited form:
/// docs/performance.md item 46).
///
/// Not movable: the entries point into the bytes it holds.
class StoredFormBytes {
public:
    /// Parsed entries are allocated on `arena` (the transaction's), which must outlive this.
    explicit StoredFormBytes(google::protobuf::Arena* arena) : m_arena(arena) {}
    StoredFormBytes(const StoredFormBytes&) = delete;
    StoredFormBytes& operator=(const StoredFormBytes&) = delete;

    /// Reads a stored row. A row of the older form (a map naming the device in every field) is converted and
    /// `rewrite` set. False when the bytes do not read as a StoredForm or its entries are not sorted by item OID.
    bool read(std::string bytes, bool& rewrite);

    /// The entry of `itemOid`, or nullptr. Throws std::runtime_error for an entry that does not parse or names a
    /// device the row does not hold (entries are checked as they are first read).
    const v1::StoredEntry* find(const std::string& itemOid);
    /// The entry of `itemOid` to change, added in its place when new (the entries stay sorted). Throws as find().
    v1::StoredEntry& edit(const std::string& itemOid);
    std::string_view device(uint32_t index) const { return m_devices.at(index); }
    /// The index of `deviceId`, added when new (a form is edited by a few devices).
    uint32_t deviceIndex(std::string_view deviceId);

    /// The StoredForm's bytes: the devices, then the entries in item order (changed ones serialized again), then any
    /// field this version does not know, as it was read.
    void write(std::string& out) const;

private:
    struct Entry {
        std::string_view oid;   // into m_bytes, or the parsed entry's
        std::string_view bytes; // the entry as stored (empty when new)
        v1::StoredEntry* parsed = nullptr;
        bool changed = false;
    };
    /// Where `itemOid` is, or where it would go.
    size_t at(std::string_view itemOid) const;
    v1::StoredEntry& parse(Entry& e);
    bool readOlder(bool& rewrite);

    google::protobuf::Arena* m_arena;
    std::string m_bytes;
    std::deque<std::string> m_devices; // a device's name stays in place as devices are added (views of it)
    std::vector<Entry> m_entries;      // sorted by item OID
    std::string m_unknown;             // top-level fields of a later version, kept as read
};

} // namespace crf::gateway
