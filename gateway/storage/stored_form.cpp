#include "stored_form.h"

#include "wire.h"

#include <algorithm>
#include <stdexcept>

namespace crf::gateway {
namespace {

constexpr int kFields = v1::StoredForm::kFieldsFieldNumber;
constexpr int kDevices = v1::StoredForm::kDevicesFieldNumber;
constexpr int kEntries = v1::StoredForm::kEntriesFieldNumber;
using wire::kLength;
using Wire = wire::Reader;

/// The item OID of a stored entry, read without parsing it: the first field, as every serializer writes it (field
/// order); an entry written otherwise is parsed to find it. False when it does not read.
bool scanEntry(std::string_view bytes, std::string_view& oid)
{
    Wire in(bytes);
    int number = 0;
    uint32_t type = 0;
    if (!in.atEnd() && in.tag(number, type) && number == v1::StoredEntry::kItemOidFieldNumber && type == kLength)
        return in.bytes(oid);
    v1::StoredEntry e;
    if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return false;
    const std::string& found = e.item_oid();
    const auto at = bytes.find(found); // a view into the stored bytes, which hold the OID's bytes
    if (found.empty() || at == std::string_view::npos)
        return found.empty() && (oid = {}, true);
    oid = bytes.substr(at, found.size());
    return true;
}

} // namespace

bool StoredFormBytes::read(std::string bytes, bool& rewrite)
{
    m_bytes = std::move(bytes);
    m_devices.clear();
    m_entries.clear();
    m_unknown.clear();
    const std::string_view all = m_bytes;
    Wire in(all);
    bool older = false;
    int number = 0;
    uint32_t type = 0;
    while (!in.atEnd()) {
        const auto* start = in.p;
        if (!in.tag(number, type))
            return false;
        if ((number == kDevices || number == kEntries) && type == kLength) {
            std::string_view value;
            if (!in.bytes(value))
                return false;
            if (number == kDevices) {
                m_devices.emplace_back(value);
                continue;
            }
            Entry e;
            if (!scanEntry(value, e.oid))
                return false;
            e.bytes = value;
            m_entries.push_back(e);
            continue;
        }
        if (!in.skip(type))
            return false;
        if (number == kFields)
            older = true;
        else
            m_unknown.append(reinterpret_cast<const char*>(start), static_cast<size_t>(in.p - start));
    }
    if (older)
        return readOlder(rewrite);
    // Each entry's device index is checked when the entry is first read (parse()).
    for (size_t i = 1; i < m_entries.size(); ++i)
        if (!(m_entries[i - 1].oid < m_entries[i].oid))
            return false;
    return true;
}

bool StoredFormBytes::readOlder(bool& rewrite)
{
    // Once per form instance after an upgrade: parsed whole, converted, then read again in the compact form.
    v1::StoredForm form;
    if (!form.ParseFromString(m_bytes))
        return false;
    std::vector<std::string> oids;
    for (const auto& [oid, field] : form.fields())
        oids.push_back(oid);
    std::sort(oids.begin(), oids.end());
    for (const auto& oid : oids) {
        const v1::StoredField& f = form.fields().at(oid);
        for (const auto& e : form.entries())
            if (e.item_oid() == oid)
                return false; // both forms in one row
        v1::StoredEntry& e = *form.add_entries();
        e.set_item_oid(oid);
        e.set_value(f.value());
        e.set_unit(f.unit());
        e.set_present(f.present());
        e.set_value_seq(f.value_seq());
        e.set_last_seq(f.last_seq());
        auto d = std::find(form.devices().begin(), form.devices().end(), f.last_device());
        if (d == form.devices().end()) {
            form.add_devices(f.last_device());
            d = form.devices().end() - 1;
        }
        e.set_last_device(static_cast<uint32_t>(d - form.devices().begin()));
    }
    form.clear_fields();
    // Rows of the older form held either form only; entries already there would now be out of order.
    std::stable_sort(form.mutable_entries()->pointer_begin(), form.mutable_entries()->pointer_end(),
                     [](const v1::StoredEntry* a, const v1::StoredEntry* b) { return a->item_oid() < b->item_oid(); });
    rewrite = true;
    bool again = false;
    return read(form.SerializeAsString(), again);
}

size_t StoredFormBytes::at(std::string_view itemOid) const
{
    return static_cast<size_t>(std::lower_bound(m_entries.begin(), m_entries.end(), itemOid,
                                                [](const Entry& e, std::string_view oid) { return e.oid < oid; }) -
                               m_entries.begin());
}

v1::StoredEntry& StoredFormBytes::parse(Entry& e)
{
    if (!e.parsed) {
        auto* parsed = google::protobuf::Arena::CreateMessage<v1::StoredEntry>(m_arena);
        if (!parsed->ParseFromArray(e.bytes.data(), static_cast<int>(e.bytes.size())))
            throw std::runtime_error("the merge state of item " + std::string(e.oid) + " cannot be parsed");
        if (parsed->last_device() >= m_devices.size())
            throw std::runtime_error("the merge state of item " + std::string(e.oid) + " names no known device");
        e.parsed = parsed;
    }
    return *e.parsed;
}

const v1::StoredEntry* StoredFormBytes::find(const std::string& itemOid)
{
    // A new form's fields come in item order (the tablet saves them so): each is found missing with one comparison.
    if (m_entries.empty() || m_entries.back().oid < itemOid)
        return nullptr;
    const size_t i = at(itemOid);
    if (i == m_entries.size() || m_entries[i].oid != itemOid)
        return nullptr;
    return &parse(m_entries[i]);
}

v1::StoredEntry& StoredFormBytes::edit(const std::string& itemOid)
{
    const size_t i = m_entries.empty() || m_entries.back().oid < itemOid ? m_entries.size() : at(itemOid);
    if (i < m_entries.size() && m_entries[i].oid == itemOid) {
        m_entries[i].changed = true;
        return parse(m_entries[i]);
    }
    Entry e;
    e.parsed = google::protobuf::Arena::CreateMessage<v1::StoredEntry>(m_arena);
    e.parsed->set_item_oid(itemOid);
    e.oid = e.parsed->item_oid();
    e.changed = true;
    return *m_entries.insert(m_entries.begin() + static_cast<std::ptrdiff_t>(i), e)->parsed;
}

uint32_t StoredFormBytes::deviceIndex(std::string_view deviceId)
{
    for (size_t i = 0; i < m_devices.size(); ++i)
        if (m_devices[i] == deviceId)
            return static_cast<uint32_t>(i);
    m_devices.emplace_back(deviceId);
    return static_cast<uint32_t>(m_devices.size() - 1);
}

void StoredFormBytes::write(std::string& out) const
{
    out.clear();
    out.reserve(m_bytes.size() + 256);
    for (const auto& d : m_devices)
        wire::appendField(out, kDevices, d);
    for (const auto& e : m_entries) {
        if (!e.changed) {
            wire::appendField(out, kEntries, e.bytes);
            continue;
        }
        const size_t n = e.parsed->ByteSizeLong();
        wire::appendFieldHead(out, kEntries, n);
        const size_t from = out.size();
        out.resize(from + n);
        e.parsed->SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out.data() + from));
    }
    out.append(m_unknown);
}

} // namespace crf::gateway
