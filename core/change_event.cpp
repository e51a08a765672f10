#include "change_event.h"
#include "tr.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <endian.h>
#include <string_view>
#include <vector>

namespace crf {
namespace {

/// The bytes a hash is taken over: lengths and numbers as 8 bytes big-endian, strings length-prefixed.
class CanonicalWriter {
public:
    CanonicalWriter() = default;
    CanonicalWriter(const CanonicalWriter&) = delete;
    CanonicalWriter& operator=(const CanonicalWriter&) = delete;
    void str(std::string_view s)
    {
        u64(s.size());
        write(s.data(), s.size());
    }
    void u64(uint64_t v)
    {
        const uint64_t big = htobe64(v);
        write(reinterpret_cast<const char*>(&big), sizeof big);
    }
    void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
    void boolean(bool b) { write(b ? "\1" : "\0", 1); }
    std::string_view bytes() const { return {m_p, m_len}; }

private:
    // Written into a buffer on the stack, sized for a form of a few dozen values: an event's hash allocates nothing,
    // and each value costs a copy rather than a string append (a tenth of the gateway's push, docs/performance.md
    // item 45). A larger event moves on to the heap.
    [[gnu::always_inline]] void write(const char* p, size_t n)
    {
        if (n > m_cap - m_len)
            grow(n);
        std::memcpy(m_p + m_len, p, n);
        m_len += n;
    }
    void grow(size_t n)
    {
        std::string larger(std::max(m_cap * 2, m_len + n), '\0');
        std::memcpy(larger.data(), m_p, m_len);
        m_heap.swap(larger);
        m_p = m_heap.data();
        m_cap = m_heap.size();
    }
    char m_stack[4096];
    std::string m_heap;
    char* m_p = m_stack;
    size_t m_len = 0, m_cap = sizeof m_stack;
};

} // namespace

Digest eventHash(const v1::ChangeEvent& e)
{
    CanonicalWriter w;
    w.str("crf.v1.ChangeEvent/1"); // domain separation + encoding version
    w.str(e.event_id());
    w.str(e.device_id());
    w.u64(e.device_seq());
    w.str(e.user_id());
    w.str(e.role());
    w.str(e.site_id());
    w.str(e.study_id());
    w.str(e.definition_version());
    w.str(e.form().subject_id());
    w.str(e.form().visit_oid());
    w.str(e.form().form_oid());
    w.u64(e.form().repeat());
    w.u64(static_cast<uint64_t>(e.changes_size()));
    for (const auto& c : e.changes()) {
        w.str(c.item_oid());
        w.boolean(c.old_present());
        w.str(c.old_value());
        w.boolean(c.new_present());
        w.str(c.new_value());
        w.str(c.unit());
    }
    w.str(e.reason().code());
    w.str(e.reason().text());
    w.u64(e.base_version());
    w.i64(e.hlc().wall_ms());
    w.u64(e.hlc().counter());
    w.i64(e.captured_at_ms());
    w.i64(e.captured_utc_offset_min());
    w.i64(e.saved_at_ms());
    w.str(e.prev_hash());
    // Appended only when set, so the hashes of ordinary events are unchanged.
    if (!e.record_status().empty()) {
        w.str("record_status");
        w.str(e.record_status());
    }
    if (e.has_signature()) {
        w.str("signature");
        w.str(e.signature().meaning());
        w.str(e.signature().printed_name());
        w.i64(e.signature().signed_at_ms());
        w.str(e.signature().scope());
        w.str(e.signature().content_hash());
    }
    return sha256(w.bytes());
}

Digest serverChainHash(const std::string& prevServerHash, const v1::ServerEvent& se)
{
    CanonicalWriter w;
    w.str("crf.v1.ServerChain/2");
    w.str(prevServerHash);
    w.str(se.event_hash());
    w.u64(se.server_seq());
    w.i64(se.received_at_ms());
    w.i64(se.clock_skew_ms());
    w.boolean(se.clock_flagged());
    w.u64(static_cast<uint64_t>(se.conflicts_size()));
    for (const auto& c : se.conflicts()) {
        w.str(c.item_oid());
        w.str(c.kept_value());
        w.str(c.kept_unit());
        w.boolean(c.kept_present());
        w.u64(c.kept_server_seq());
        w.u64(c.conflict_id());
    }
    w.u64(static_cast<uint64_t>(se.resolved_items_size()));
    for (const auto& r : se.resolved_items())
        w.str(r);
    return sha256(w.bytes());
}

Digest serverChainHashV1(const std::string& prevServerHash, const v1::ServerEvent& se)
{
    CanonicalWriter w;
    w.str("crf.v1.ServerChain/1");
    w.str(prevServerHash);
    w.str(se.event_hash());
    w.u64(se.server_seq());
    w.i64(se.received_at_ms());
    return sha256(w.bytes());
}

std::string genesisHash()
{
    return std::string(32, '\0');
}

Status validateEventShape(const v1::ChangeEvent& e)
{
    if (e.event_id().empty())
        return Error{"event_id", "missing"};
    if (e.device_id().empty())
        return Error{"device_id", "missing"};
    if (e.device_seq() == 0)
        return Error{"device_seq", "must start at 1"};
    if (e.user_id().empty())
        return Error{"user_id", "missing: every value must be attributable (ALCOA+)"};
    if (e.site_id().empty())
        return Error{"site_id", "missing"};
    if (e.study_id().empty())
        return Error{"study_id", "missing"};
    if (e.form().subject_id().empty())
        return Error{"form.subject_id", "missing"};
    if (e.has_signature()) {
        const auto& sig = e.signature();
        if (sig.scope() != "FORM" && sig.scope() != "CASEBOOK")
            return Error{"signature.scope", "must be FORM or CASEBOOK"};
        if (sig.meaning().empty() || sig.printed_name().empty() || sig.signed_at_ms() <= 0)
            return Error{"signature", "needs its meaning, printed name and time (21 CFR 11.50)"};
        if (sig.content_hash().size() != 32)
            return Error{"signature.content_hash", "must be 32 bytes (SHA-256 of what was signed)"};
        if (e.changes_size() != 0 || !e.record_status().empty())
            return Error{"signature", "a signature event changes nothing else"};
        const bool whole = e.form().visit_oid() == "*" && e.form().form_oid() == "*";
        if ((sig.scope() == "CASEBOOK") != whole)
            return Error{"signature.scope", "a casebook signature names visit and form \"*\", a form signature a form"};
    }
    if (e.form().visit_oid().empty())
        return Error{"form.visit_oid", "missing"};
    if (e.form().form_oid().empty())
        return Error{"form.form_oid", "missing"};
    if (e.prev_hash().size() != 32)
        return Error{"prev_hash", "must be 32 bytes (SHA-256)"};
    if (!e.record_status().empty() && e.record_status() != kEnteredInError && e.record_status() != kRestored)
        return Error{"record_status", "unknown status " + e.record_status()};
    if (e.changes_size() == 0 && e.record_status().empty() && !e.has_signature())
        return Error{"changes", "an event must change at least one item or the record status"};
    if (e.captured_at_ms() <= 0)
        return Error{"captured_at_ms", "missing capture time"};
    // Every push checks every event: views of the item OIDs, sorted, find a repeat without copying them.
    std::vector<std::pair<std::string_view, int>> oids;
    oids.reserve(static_cast<size_t>(e.changes_size()));
    for (int i = 0; i < e.changes_size(); ++i) {
        if (e.changes(i).item_oid().empty())
            return Error{"changes[" + std::to_string(i) + "].item_oid", "missing"};
        oids.emplace_back(e.changes(i).item_oid(), i);
    }
    std::sort(oids.begin(), oids.end());
    for (size_t k = 1; k < oids.size(); ++k)
        if (oids[k].first == oids[k - 1].first) // the second change of the item, as the event lists them
            return Error{"changes[" + std::to_string(oids[k].second) + "].item_oid",
                         "item " + std::string(oids[k].first) + " changed twice in one event"};
    return {};
}

Status checkReasonForChange(const v1::ChangeEvent& e)
{
    if (!e.record_status().empty() && (e.reason().code().empty() || e.reason().text().empty()))
        return messageError(
            "record_status",
            QT_TRANSLATE_NOOP(
                "Core", "marking a record %1 needs a reason (code and text); nothing is deleted (21 CFR 11.10(e))"),
            {e.record_status()});
    for (const auto& c : e.changes()) {
        const bool changesSavedValue = c.old_present() && (!c.new_present() || c.old_value() != c.new_value());
        if (changesSavedValue && (e.reason().code().empty() || e.reason().text().empty()))
            return messageError("item " + c.item_oid(),
                                QT_TRANSLATE_NOOP("Core",
                                                  "a previously saved value is changed: a reason (code and text) is "
                                                  "required (21 CFR 11.10(e))"));
    }
    return {};
}

std::string isoTimestamp(int64_t utcMs, int32_t offsetMinutes)
{
    const std::time_t local = static_cast<std::time_t>(utcMs / 1000 + int64_t(offsetMinutes) * 60);
    std::tm tm{};
    gmtime_r(&local, &tm);
    char buf[64];
    const int off = offsetMinutes < 0 ? -offsetMinutes : offsetMinutes;
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offsetMinutes < 0 ? '-' : '+', off / 60, off % 60);
    return buf;
}

} // namespace crf
