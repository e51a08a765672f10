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

namespace {

// Bounds of what an event may carry. Each is wide enough for every real entry and narrow enough that nothing in an
// accepted event breaks what reads it later: the ODM export (XML 1.0 has no control characters; xs:dateTime has
// four-digit years and offsets within +/-14:00), the audit trail's ISO times, a tablet's hybrid logical clock.
constexpr size_t kMaxIdBytes = 64;                        // ids and OIDs (user ids: 1-64 characters, Identity::addUser)
constexpr size_t kMaxTextBytes = 10'000;                  // a value or a reason's text
constexpr int64_t kEndOfYear9999Ms = 253'402'300'800'000; // 10000-01-01T00:00:00Z
constexpr int32_t kMaxOffsetMin = 14 * 60;

bool isHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// RFC 9562 text form: 8-4-4-4-12 hexadecimal digits (any version: uuidV4, uuidV7).
bool isUuidText(std::string_view s)
{
    if (s.size() != 36)
        return false;
    for (size_t i = 0; i < s.size(); ++i)
        if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isHex(s[i]))
            return false;
    return true;
}

/// Why `s` cannot be an id or OID, or null: too long, or a control character (never typed, never in XML 1.0).
const char* idProblem(std::string_view s)
{
    if (s.size() > kMaxIdBytes)
        return "longer than 64 bytes";
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f)
            return "holds a control character";
    return nullptr;
}

/// Why `s` cannot be a value or a reason's text, or null: line breaks and tabs are text; other control characters
/// are not (XML 1.0 cannot carry them).
const char* textProblem(std::string_view s)
{
    if (s.size() > kMaxTextBytes)
        return "longer than 10,000 bytes";
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
            return "holds a control character";
    return nullptr;
}

/// Why `ms` cannot be a time of the audit trail, or null (0 is "not given" where `optional`).
const char* timeProblem(int64_t ms, bool optional)
{
    if (ms == 0 && optional)
        return nullptr;
    if (ms <= 0)
        return "missing or before 1970";
    if (ms >= kEndOfYear9999Ms)
        return "after the year 9999: not a time";
    return nullptr;
}

} // namespace

bool isSubjectId(std::string_view s)
{
    if (s.empty() || s.size() > 20)
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

Status validateEventShape(const v1::ChangeEvent& e)
{
    if (e.event_id().empty())
        return Error{"event_id", "missing"};
    if (!isUuidText(e.event_id()))
        return Error{"event_id", "must be a UUID (8-4-4-4-12 hexadecimal digits)"};
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
    if (!isSubjectId(e.form().subject_id()))
        return Error{"form.subject_id", "use 1 to 20 letters, digits or dashes"};
    const std::pair<const char*, const std::string*> ids[] = {{"device_id", &e.device_id()},
                                                              {"user_id", &e.user_id()},
                                                              {"role", &e.role()},
                                                              {"site_id", &e.site_id()},
                                                              {"study_id", &e.study_id()},
                                                              {"definition_version", &e.definition_version()},
                                                              {"form.visit_oid", &e.form().visit_oid()},
                                                              {"form.form_oid", &e.form().form_oid()},
                                                              {"reason.code", &e.reason().code()}};
    for (const auto& [field, value] : ids)
        if (const char* problem = idProblem(*value))
            return Error{field, problem};
    if (const char* problem = textProblem(e.reason().text()))
        return Error{"reason.text", problem};
    if (const char* problem = timeProblem(e.captured_at_ms(), false))
        return Error{"captured_at_ms", problem};
    if (e.captured_utc_offset_min() < -kMaxOffsetMin || e.captured_utc_offset_min() > kMaxOffsetMin)
        return Error{"captured_utc_offset_min", "must be within -14:00 and +14:00"};
    if (const char* problem = timeProblem(e.saved_at_ms(), true))
        return Error{"saved_at_ms", problem};
    if (const char* problem = timeProblem(e.hlc().wall_ms(), true))
        return Error{"hlc.wall_ms", problem};
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
        return Error{"record_status", idProblem(e.record_status()) ? std::string("unknown status")
                                                                   : "unknown status " + e.record_status()};
    if (e.changes_size() == 0 && e.record_status().empty() && !e.has_signature())
        return Error{"changes", "an event must change at least one item or the record status"};
    // Every push checks every event: views of the item OIDs, sorted, find a repeat without copying them.
    std::vector<std::pair<std::string_view, int>> oids;
    oids.reserve(static_cast<size_t>(e.changes_size()));
    for (int i = 0; i < e.changes_size(); ++i) {
        const auto& c = e.changes(i);
        const std::string at = "changes[" + std::to_string(i) + "]";
        if (c.item_oid().empty())
            return Error{at + ".item_oid", "missing"};
        if (const char* problem = idProblem(c.item_oid()))
            return Error{at + ".item_oid", problem};
        if (const char* problem = idProblem(c.unit()))
            return Error{at + ".unit", problem};
        if (const char* problem = textProblem(c.new_value()))
            return Error{at + ".new_value", problem};
        if (const char* problem = textProblem(c.old_value()))
            return Error{at + ".old_value", problem};
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
