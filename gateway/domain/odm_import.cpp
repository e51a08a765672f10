#include "odm_import.h"

#include "change_event.h"
#include "odm_export.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <map>
#include <memory>
#include <set>

namespace crf::gateway {
namespace {

using Node = xmlNode*;

std::string where(Node n)
{
    return "line " + std::to_string(xmlGetLineNo(n));
}

bool is(Node n, const char* name)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

std::vector<Node> children(Node n, const char* name)
{
    std::vector<Node> out;
    for (Node c = n ? n->children : nullptr; c; c = c->next)
        if (is(c, name))
            out.push_back(c);
    return out;
}

Node child(Node n, const char* name)
{
    for (Node c = n ? n->children : nullptr; c; c = c->next)
        if (is(c, name))
            return c;
    return nullptr;
}

std::optional<std::string> attr(Node n, const char* name)
{
    xmlChar* v = xmlGetProp(n, BAD_CAST name);
    if (!v)
        return std::nullopt;
    std::string out(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return out;
}

std::string text(Node n)
{
    if (!n)
        return {};
    xmlChar* v = xmlNodeGetContent(n);
    std::string out = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return out;
}

/// Thrown while reading; becomes the import's error (nothing has been stored yet).
struct Bad {
    std::string where, what;
};

std::string need(Node n, const char* name)
{
    auto v = attr(n, name);
    if (!v)
        throw Bad{where(n), std::string("<") + reinterpret_cast<const char*>(n->name) + "> has no " + name};
    return *v;
}

uint64_t number(const std::string& s, const std::string& at, const std::string& what)
{
    if (s.empty() || s.size() > 19 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c); }))
        throw Bad{at, what + " is not a number: " + s};
    return std::stoull(s);
}

int64_t signedNumber(const std::string& s, const std::string& at, const std::string& what)
{
    const bool negative = !s.empty() && s[0] == '-';
    const auto magnitude = static_cast<int64_t>(number(negative ? s.substr(1) : s, at, what));
    return negative ? -magnitude : magnitude;
}

int64_t timeOf(const std::string& s, const std::string& at, const std::string& what)
{
    auto t = parseOdmTime(s);
    if (!t)
        throw Bad{at, what + " is not an ODM date-time: " + s};
    return *t;
}

std::string fromHex(const std::string& hex, const std::string& at, const std::string& what)
{
    auto nibble = [&](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        throw Bad{at, what + " is not hexadecimal"};
    };
    if (hex.size() % 2)
        throw Bad{at, what + " is not hexadecimal"};
    std::string out;
    for (size_t i = 0; i < hex.size(); i += 2)
        out += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
    return out;
}

/// "key=value; key=value" (values percent-encoded where they hold '%', ';' or control characters).
std::map<std::string, std::string> provenance(const std::string& s, const std::string& at)
{
    std::map<std::string, std::string> out;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t end = s.find("; ", pos);
        if (end == std::string::npos)
            end = s.size();
        const std::string part = s.substr(pos, end - pos);
        const auto eq = part.find('=');
        if (eq == std::string::npos)
            throw Bad{at, "SourceID part \"" + part +
                              "\" is not key=value: only archival exports of crf-gateway carry what an import needs"};
        std::string value;
        const std::string raw = part.substr(eq + 1);
        for (size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '%' && i + 2 < raw.size()) {
                value += fromHex(raw.substr(i + 1, 2), at, "a percent-encoded character");
                i += 2;
            } else {
                value += raw[i];
            }
        }
        out[part.substr(0, eq)] = value;
        pos = end + 2;
    }
    return out;
}

/// What the file says about one transaction, read with the study definition and the file's AdminData.
class Reader {
public:
    Reader(const v1::StudyDefinition& def, Node study, Node admin) : m_studyId(def.study_id())
    {
        for (const auto& v : def.visits())
            m_visits["SE." + odmOid(v.oid())] = v.oid();
        for (const auto& f : def.forms()) {
            m_forms["F." + odmOid(f.oid())] = &f;
            for (const auto& s : f.sections())
                for (const auto& i : s.items()) {
                    m_items[f.oid()][odmItemOid(f.oid(), i.oid())] = i.oid();
                    m_items[f.oid()][odmItemOid(f.oid(), i.oid() + "#ND")] = i.oid() + "#ND";
                }
        }
        for (Node b : children(study, "BasicDefinitions"))
            for (Node u : children(b, "MeasurementUnit"))
                m_units[need(u, "OID")] = need(u, "Name");
        for (Node u : children(admin, "User"))
            m_users[need(u, "OID")] = text(child(u, "LoginName"));
        for (Node l : children(admin, "Location")) {
            const std::string name = need(l, "Name");
            m_sites[need(l, "OID")] = name.rfind("Site ", 0) == 0 ? name.substr(5) : name;
        }
        for (Node s : children(admin, "SignatureDef"))
            m_meanings[need(s, "OID")] = text(child(s, "Meaning"));
    }

    v1::ServerEvent transaction(Node subject) const
    {
        v1::ServerEvent se;
        auto* e = se.mutable_event();
        e->set_study_id(m_studyId);
        e->mutable_form()->set_subject_id(need(subject, "SubjectKey"));
        Node holder = subject; // where the AuditRecord and Signature are: the form, or the subject for a casebook
        Node form = nullptr;
        if (Node visit = child(subject, "StudyEventData")) {
            e->mutable_form()->set_visit_oid(lookup(m_visits, need(visit, "StudyEventOID"), visit, "visit"));
            form = child(visit, "FormData");
            if (!form)
                throw Bad{where(visit), "<StudyEventData> has no <FormData>"};
            holder = form;
        } else {
            e->mutable_form()->set_visit_oid("*");
            e->mutable_form()->set_form_oid("*");
        }
        Node audit = child(holder, "AuditRecord");
        if (!audit)
            throw Bad{where(holder), "a transaction without its <AuditRecord> cannot be restored"};
        const std::string at = where(audit);
        e->set_user_id(lookup(m_users, need(child(audit, "UserRef"), "UserOID"), audit, "user"));
        e->set_site_id(lookup(m_sites, need(child(audit, "LocationRef"), "LocationOID"), audit, "location"));
        e->set_captured_at_ms(timeOf(text(child(audit, "DateTimeStamp")), at, "DateTimeStamp"));
        if (Node reason = child(audit, "ReasonForChange")) {
            const std::string r = text(reason);
            const auto colon = r.find(": ");
            e->mutable_reason()->set_code(colon == std::string::npos ? r : r.substr(0, colon));
            if (colon != std::string::npos)
                e->mutable_reason()->set_text(r.substr(colon + 2));
        }
        if (!child(audit, "SourceID"))
            throw Bad{at, "no <SourceID>: only archival exports of crf-gateway carry what an import needs"};
        const auto p = provenance(text(child(audit, "SourceID")), at);
        auto key = [&](const char* k) -> const std::string& {
            auto it = p.find(k);
            if (it == p.end())
                throw Bad{at, std::string("SourceID has no ") + k +
                                  "=: only archival exports of crf-gateway carry what an import needs"};
            return it->second;
        };
        auto optional = [&](const char* k) {
            auto it = p.find(k);
            return it == p.end() ? std::string() : it->second;
        };
        e->set_device_id(key("device"));
        e->set_device_seq(number(key("seq"), at, "seq"));
        e->set_event_id(key("event"));
        e->set_role(key("role"));
        e->set_definition_version(key("definition"));
        se.set_server_seq(number(key("gateway_seq"), at, "gateway_seq"));
        se.set_received_at_ms(timeOf(key("received"), at, "received"));
        e->set_saved_at_ms(timeOf(key("saved"), at, "saved"));
        e->set_captured_utc_offset_min(static_cast<int32_t>(signedNumber(key("offset"), at, "offset")));
        const std::string& hlc = key("hlc");
        const auto dot = hlc.find('.');
        if (dot == std::string::npos)
            throw Bad{at, "hlc is not wall.counter: " + hlc};
        e->mutable_hlc()->set_wall_ms(signedNumber(hlc.substr(0, dot), at, "hlc"));
        e->mutable_hlc()->set_counter(static_cast<uint32_t>(number(hlc.substr(dot + 1), at, "hlc")));
        e->set_base_version(number(key("base"), at, "base"));
        se.set_clock_skew_ms(signedNumber(key("skew"), at, "skew"));
        se.set_clock_flagged(optional("clock_flagged") == "yes");
        e->set_record_status(optional("status"));
        e->set_prev_hash(fromHex(key("prev"), at, "prev"));
        se.set_event_hash(fromHex(key("hash"), at, "hash"));
        for (size_t pos = 0; !optional("resolves").empty() && pos != std::string::npos;) {
            const std::string all = optional("resolves");
            const auto comma = all.find(',', pos);
            se.add_resolved_items(all.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
            pos = comma == std::string::npos ? comma : comma + 1;
        }

        if (Node sig = child(holder, "Signature")) {
            auto* s = e->mutable_signature();
            s->set_meaning(lookup(m_meanings, need(child(sig, "SignatureRef"), "SignatureOID"), sig, "signature"));
            s->set_signed_at_ms(timeOf(text(child(sig, "DateTimeStamp")), where(sig), "signature DateTimeStamp"));
            s->set_scope(key("signature_scope"));
            s->set_printed_name(key("signature_name"));
            s->set_content_hash(fromHex(key("signature_hash"), at, "signature_hash"));
        }

        if (form) {
            const auto fit = m_forms.find(need(form, "FormOID"));
            if (fit == m_forms.end())
                throw Bad{where(form), "FormOID " + need(form, "FormOID") + " is not a form of " + m_studyId};
            const std::string& formOid = fit->second->oid();
            e->mutable_form()->set_form_oid(formOid);
            if (auto key = attr(form, "FormRepeatKey"))
                e->mutable_form()->set_repeat(static_cast<uint32_t>(number(*key, where(form), "FormRepeatKey")));
            const bool removed = attr(form, "TransactionType").value_or("") == "Remove";
            if (removed != (e->record_status() == kEnteredInError))
                throw Bad{where(form), "TransactionType and the status in SourceID disagree"};
            const auto& items = m_items.at(formOid);
            for (Node group : children(form, "ItemGroupData"))
                for (Node item : children(group, "ItemData")) {
                    auto* c = e->add_changes();
                    c->set_item_oid(lookup(items, need(item, "ItemOID"), item, "item of form " + formOid));
                    if (auto v = attr(item, "Value")) {
                        c->set_new_present(true);
                        c->set_new_value(*v);
                    }
                    if (Node unit = child(item, "MeasurementUnitRef"))
                        c->set_unit(lookup(m_units, need(unit, "MeasurementUnitOID"), unit, "measurement unit"));
                    for (Node note : children(item, "Annotation")) {
                        const std::string comment = text(child(note, "Comment"));
                        if (comment.rfind(kOdmPreviousValue, 0) == 0) {
                            c->set_old_present(true);
                            c->set_old_value(comment.substr(std::string(kOdmPreviousValue).size()));
                        } else if (comment.rfind(kOdmConflictNote, 0) == 0) {
                            const std::string rest = comment.substr(std::string(kOdmConflictNote).size());
                            auto* n = se.add_conflicts();
                            n->set_item_oid(c->item_oid());
                            n->set_kept_server_seq(
                                number(rest.substr(0, rest.find(' ')), where(note), "the kept event"));
                        }
                    }
                }
        }
        return se;
    }

private:
    template <typename Map>
    static typename Map::mapped_type lookup(const Map& map, const std::string& oid, Node n, const std::string& what)
    {
        auto it = map.find(oid);
        if (it == map.end())
            throw Bad{where(n), oid + " is not a known " + what};
        return it->second;
    }

    std::string m_studyId;
    std::map<std::string, std::string> m_visits, m_units, m_users, m_sites, m_meanings;
    std::map<std::string, const v1::Form*> m_forms;
    std::map<std::string, std::map<std::string, std::string>> m_items; // form -> ItemOID -> item
};

} // namespace

Result<OdmImportSummary> importOdm132(SyncDomain& domain, Store& store, const Clock& clock, const std::string& xml,
                                      const std::string& source, const std::string& importedBy)
{
    // No network, no entity expansion: a file is read, never followed.
    std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> doc(
        xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR),
        xmlFreeDoc);
    if (!doc) {
        const xmlError* err = xmlGetLastError();
        return Error{source,
                     err ? "not XML: line " + std::to_string(err->line) + ": " + err->message : std::string("not XML")};
    }
    std::vector<v1::ServerEvent> events;
    std::string studyId;
    std::set<std::string> subjects;
    try {
        Node root = xmlDocGetRootElement(doc.get());
        if (!is(root, "ODM"))
            throw Bad{"line 1", "the root element is not <ODM>"};
        if (attr(root, "FileType").value_or("") != "Transactional" || attr(root, "Archival").value_or("") != "Yes")
            throw Bad{where(root), "not an archival, transactional ODM file (FileType=\"Transactional\" "
                                   "Archival=\"Yes\")"};
        const std::string description = attr(root, "Description").value_or("");
        if (description.find("incremental") != std::string::npos)
            throw Bad{where(root), "an incremental export (" + description +
                                       "): an empty gateway is rebuilt from a complete export"};
        if (description.find("blinded") != std::string::npos)
            throw Bad{where(root), "a blinded export leaves unblinded-only items out: import a complete export "
                                   "made with --unblinded"};
        Node study = child(root, "Study");
        if (!study)
            throw Bad{where(root), "no <Study>"};
        studyId = need(study, "OID");
        const v1::StudyDefinition* def = domain.studies().find(studyId);
        if (!def)
            throw Bad{where(study), "no definition of study " + studyId + " is loaded (--definition FILE)"};
        Node admin = nullptr;
        for (Node a : children(root, "AdminData"))
            if (attr(a, "StudyOID").value_or("") == studyId)
                admin = a;
        const Reader reader(*def, study, admin);
        for (Node clinical : children(root, "ClinicalData")) {
            if (need(clinical, "StudyOID") != studyId)
                throw Bad{where(clinical), "clinical data of another study (" + need(clinical, "StudyOID") + ")"};
            for (Node subject : children(clinical, "SubjectData")) {
                events.push_back(reader.transaction(subject));
                subjects.insert(events.back().event().form().subject_id());
            }
        }
    } catch (const Bad& bad) {
        return Error{source + ", " + bad.where, bad.what};
    } catch (const std::exception& ex) {
        return Error{source, ex.what()};
    }
    auto restored = domain.restore(events, source);
    if (!restored)
        return Error{source + ", " + restored.error().where, restored.error().what};
    OdmImportSummary summary;
    summary.events = restored->events;
    summary.subjects = static_cast<int>(subjects.size());
    summary.absentRanges = restored->absentRanges;
    summary.lastServerSeq = restored->lastServerSeq;
    try {
        store.identity().log(SecurityEvent{0, clock.nowMs(), importedBy, "import.odm132", studyId,
                                           std::to_string(summary.events) + " events from " + source});
    } catch (const std::exception& ex) {
        return Error{"gateway store", std::string("imported, but the security log refused the entry: ") + ex.what()};
    }
    return summary;
}

} // namespace crf::gateway
