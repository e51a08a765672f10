#include "odm_export.h"

#include "crypto.h"
#include "definition.h"
#include "photo.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace crf::gateway {
namespace {

std::string esc(const std::string& s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n')
                out += c;
        }
    }
    return out;
}

} // namespace

std::string odmTime(int64_t ms)
{
    const std::string t = isoUtc(ms);
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(((ms % 1000) + 1000) % 1000));
    return t.substr(0, t.size() - 1) + frac + "+00:00";
}

std::optional<int64_t> parseOdmTime(const std::string& s)
{
    // YYYY-MM-DDTHH:MM:SS[.fff](Z|+00:00|+HH:MM|-HH:MM)
    int y, mo, d, h, mi, sec, n = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        return std::nullopt;
    size_t pos = 19;
    int64_t ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        int digits = 0;
        for (++pos; pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])); ++pos, ++digits)
            if (digits < 3)
                ms = ms * 10 + (s[pos] - '0');
        if (digits == 0)
            return std::nullopt;
        for (; digits < 3; ++digits)
            ms *= 10;
    }
    int offsetMin = 0;
    const std::string zone = s.substr(pos);
    if (zone != "Z") {
        int oh, om;
        if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') ||
            std::sscanf(zone.c_str() + 1, "%2d:%2d", &oh, &om) != 2)
            return std::nullopt;
        offsetMin = (zone[0] == '-' ? -1 : 1) * (oh * 60 + om);
    }
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return (static_cast<int64_t>(timegm(&tm)) - offsetMin * 60) * 1000 + ms;
}

/// OIDs from our identifiers: letters, digits, '.', '-', '_' kept, anything else as '_'.
std::string odmOid(const std::string& s)
{
    std::string out;
    for (char c : s)
        out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
    return out.empty() ? "_" : out;
}

std::string odmItemOid(const std::string& form, const std::string& item)
{
    // A missing-data companion ("GCS#ND") is an item of its own.
    const auto hash = item.find('#');
    if (hash != std::string::npos)
        return "I." + odmOid(form) + "." + odmOid(item.substr(0, hash)) + ".ND";
    return "I." + odmOid(form) + "." + odmOid(item);
}

namespace {

/// A provenance value: '%' and ';' (the separators) and control characters percent-encoded.
std::string provenanceValue(const std::string& v)
{
    std::string out;
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '%' || c == ';' || u < 0x20) {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}

/// The AuditRecord's SourceID: where the change came from and every part of the original event that ODM has no
/// element for, so that an import rebuilds the very same event and checks it against its recorded hash
/// (docs/sponsor.md "Import"). Readable: "device=T-01; seq=4; event=...; role=investigator; ...".
std::string provenance(const v1::ServerEvent& se)
{
    const auto& e = se.event();
    std::vector<std::pair<std::string, std::string>> kv{
        {"device", e.device_id()},
        {"seq", std::to_string(e.device_seq())},
        {"event", e.event_id()},
        {"role", e.role()},
        {"definition", e.definition_version()},
        {"gateway_seq", std::to_string(se.server_seq())},
        {"received", odmTime(se.received_at_ms())},
        {"saved", odmTime(e.saved_at_ms())},
        {"offset", std::to_string(e.captured_utc_offset_min())},
        {"hlc", std::to_string(e.hlc().wall_ms()) + "." + std::to_string(e.hlc().counter())},
        {"base", std::to_string(e.base_version())},
        {"skew", std::to_string(se.clock_skew_ms())},
    };
    if (se.clock_flagged())
        kv.emplace_back("clock_flagged", "yes");
    if (!e.record_status().empty())
        kv.emplace_back("status", e.record_status());
    if (e.has_signature()) {
        kv.emplace_back("signature_scope", e.signature().scope());
        kv.emplace_back("signature_name", e.signature().printed_name());
        kv.emplace_back("signature_hash", toHex(e.signature().content_hash()));
    }
    if (se.resolved_items_size() > 0) {
        std::string items;
        for (const auto& i : se.resolved_items())
            items += (items.empty() ? "" : ",") + i;
        kv.emplace_back("resolves", items);
    }
    kv.emplace_back("prev", toHex(e.prev_hash()));
    kv.emplace_back("hash", toHex(se.event_hash()));
    std::string out;
    for (const auto& [k, v] : kv)
        out += (out.empty() ? "" : "; ") + k + "=" + provenanceValue(v);
    return out;
}

const char* dataType(const v1::Item& item)
{
    switch (item.type()) {
    case v1::ITEM_TYPE_INTEGER:
        return "integer";
    case v1::ITEM_TYPE_DECIMAL:
        return "float";
    case v1::ITEM_TYPE_DATE:
        return "date";
    case v1::ITEM_TYPE_DATETIME:
        return "datetime";
    default:
        return "text"; // booleans travel as "Y"/"N", codes with their code list, photos as their SHA-256
    }
}

} // namespace

Result<OdmExportSummary> buildOdm132(Store& store, const StudyRegistry& studies, const Clock& clock,
                                     const OdmExportOptions& options)
{
    const v1::StudyDefinition* def = studies.find(options.studyId);
    if (!def)
        return Error{"--study", "no definition of study " + options.studyId + " is loaded (--definition FILE)"};
    OdmExportSummary summary;
    try {
        std::set<std::string> hidden; // unblinded_only items, for a blinded export
        std::set<std::string> units;
        for (const auto& f : def->forms())
            for (const auto& s : f.sections())
                for (const auto& i : s.items()) {
                    if (i.unblinded_only() && !options.includeArms)
                        hidden.insert(f.oid() + "/" + i.oid());
                    for (const auto& u : i.units())
                        if (!u.unit().empty())
                            units.insert(u.unit());
                }

        // The events of this export, and what came before them (for Insert versus Update of containers).
        std::vector<v1::ServerEvent> events;
        std::set<std::string> seenSubjects, seenVisits, seenForms;
        std::map<std::string, int64_t> siteFirstMs;
        std::set<std::string> users;
        for (uint64_t after = 0;;) {
            auto page = store.eventsAfter(after, 1000);
            if (page.empty())
                break;
            for (auto& se : page) {
                after = se.server_seq();
                const auto& e = se.event();
                if (e.study_id() != options.studyId || (!options.siteId.empty() && e.site_id() != options.siteId))
                    continue;
                if (se.server_seq() <= options.afterServerSeq) {
                    seenSubjects.insert(e.form().subject_id());
                    seenVisits.insert(e.form().subject_id() + "/" + e.form().visit_oid());
                    seenForms.insert(e.form().subject_id() + "/" + e.form().visit_oid() + "/" + e.form().form_oid() +
                                     "/" + std::to_string(e.form().repeat()));
                    continue;
                }
                siteFirstMs.emplace(e.site_id(), se.received_at_ms());
                users.insert(e.user_id());
                for (const auto& c : e.changes())
                    if (!c.unit().empty())
                        units.insert(c.unit()); // a unit the definition no longer lists still needs its definition
                events.push_back(std::move(se));
            }
        }
        std::map<std::string, std::string> names;
        for (const auto& u : store.identity().users())
            names[u.userId] = u.printedName;
        std::map<std::string, std::string> meanings; // meaning -> SignatureDef OID
        for (const auto& se : events)
            if (se.event().has_signature() && !meanings.count(se.event().signature().meaning()))
                meanings.emplace(se.event().signature().meaning(), "SD." + std::to_string(meanings.size() + 1));

        std::ostringstream x;
        const int64_t now = clock.nowMs();
        x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          << "<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\" ODMVersion=\"1.3.2\" FileType=\"Transactional\" "
             "Granularity=\"All\" Archival=\"Yes\" FileOID=\""
          << esc(odmOid(options.studyId) + "." + std::to_string(now)) << "\" CreationDateTime=\"" << odmTime(now)
          << "\" SourceSystem=\"crf-gateway\" Description=\""
          << esc(options.afterServerSeq ? "incremental after event " + std::to_string(options.afterServerSeq)
                                        : std::string("complete"))
          << (options.siteId.empty() ? "" : esc(", site " + options.siteId))
          << (hidden.empty() ? "" : ", blinded (unblinded-only items left out)") << "\">\n";

        // --- metadata, generated from the study definition ---
        x << " <Study OID=\"" << esc(def->study_id()) << "\">\n  <GlobalVariables><StudyName>" << esc(def->study_id())
          << "</StudyName><StudyDescription>" << esc(def->title()) << "</StudyDescription><ProtocolName>"
          << esc(def->protocol_reference()) << "</ProtocolName></GlobalVariables>\n";
        if (!units.empty()) {
            x << "  <BasicDefinitions>\n";
            for (const auto& u : units)
                x << "   <MeasurementUnit OID=\"MU." << esc(odmOid(u)) << "\" Name=\"" << esc(u)
                  << "\"><Symbol><TranslatedText>" << esc(u) << "</TranslatedText></Symbol></MeasurementUnit>\n";
            x << "  </BasicDefinitions>\n";
        }
        x << "  <MetaDataVersion OID=\"" << esc(def->version()) << "\" Name=\""
          << esc(def->study_id() + " " + def->version()) << "\">\n   <Protocol>";
        for (int i = 0; i < def->visits_size(); ++i)
            x << "<StudyEventRef StudyEventOID=\"SE." << esc(odmOid(def->visits(i).oid())) << "\" OrderNumber=\""
              << i + 1 << "\" Mandatory=\"No\"/>";
        x << "</Protocol>\n";
        for (const auto& v : def->visits()) {
            x << "   <StudyEventDef OID=\"SE." << esc(odmOid(v.oid())) << "\" Name=\"" << esc(v.name())
              << "\" Repeating=\"No\" Type=\"Scheduled\">";
            for (const auto& f : v.form_oids())
                x << "<FormRef FormOID=\"F." << esc(odmOid(f)) << "\" Mandatory=\"No\"/>";
            x << "</StudyEventDef>\n";
        }
        for (const auto& f : def->forms())
            x << "   <FormDef OID=\"F." << esc(odmOid(f.oid())) << "\" Name=\"" << esc(f.name()) << "\" Repeating=\""
              << (f.repeating() ? "Yes" : "No") << "\"><ItemGroupRef ItemGroupOID=\"IG." << esc(odmOid(f.oid()))
              << "\" Mandatory=\"Yes\"/></FormDef>\n";
        for (const auto& f : def->forms()) {
            x << "   <ItemGroupDef OID=\"IG." << esc(odmOid(f.oid())) << "\" Name=\"" << esc(f.name())
              << "\" Repeating=\"No\">";
            for (const auto& s : f.sections())
                for (const auto& i : s.items()) {
                    if (i.site_only() || hidden.count(f.oid() + "/" + i.oid()))
                        continue; // never leaves the site / not for blinded readers
                    x << "<ItemRef ItemOID=\"" << esc(odmItemOid(f.oid(), i.oid())) << "\" Mandatory=\""
                      << (i.required() ? "Yes" : "No") << "\"/>";
                    if (i.required())
                        x << "<ItemRef ItemOID=\"" << esc(odmItemOid(f.oid(), i.oid() + "#ND"))
                          << "\" Mandatory=\"No\"/>";
                }
            x << "</ItemGroupDef>\n";
        }
        for (const auto& f : def->forms())
            for (const auto& s : f.sections())
                for (const auto& i : s.items()) {
                    if (i.site_only() || hidden.count(f.oid() + "/" + i.oid()))
                        continue;
                    x << "   <ItemDef OID=\"" << esc(odmItemOid(f.oid(), i.oid())) << "\" Name=\"" << esc(i.oid())
                      << "\" DataType=\"" << dataType(i) << "\"><Question><TranslatedText>" << esc(i.label())
                      << "</TranslatedText></Question>";
                    for (const auto& u : i.units())
                        if (!u.unit().empty())
                            x << "<MeasurementUnitRef MeasurementUnitOID=\"MU." << esc(odmOid(u.unit())) << "\"/>";
                    if (!i.code_list_oid().empty())
                        x << "<CodeListRef CodeListOID=\"CL." << esc(odmOid(i.code_list_oid())) << "\"/>";
                    x << "</ItemDef>\n";
                    if (i.required())
                        x << "   <ItemDef OID=\"" << esc(odmItemOid(f.oid(), i.oid() + "#ND")) << "\" Name=\""
                          << esc(i.oid()) << "#ND\" DataType=\"text\"><Question><TranslatedText>"
                          << esc("Reason " + i.label() + " is missing (CODE|text)")
                          << "</TranslatedText></Question></ItemDef>\n";
                }
        for (const auto& c : def->code_lists()) {
            x << "   <CodeList OID=\"CL." << esc(odmOid(c.oid())) << "\" Name=\"" << esc(c.oid())
              << "\" DataType=\"text\">";
            for (const auto& i : c.items())
                x << "<CodeListItem CodedValue=\"" << esc(i.code()) << "\"><Decode><TranslatedText>" << esc(i.label())
                  << "</TranslatedText></Decode></CodeListItem>";
            x << "</CodeList>\n";
        }
        x << "  </MetaDataVersion>\n </Study>\n";

        // --- users, sites and signature meanings ---
        x << " <AdminData StudyOID=\"" << esc(def->study_id()) << "\">\n";
        for (const auto& u : users)
            x << "  <User OID=\"U." << esc(odmOid(u)) << "\"><LoginName>" << esc(u) << "</LoginName><FullName>"
              << esc(names.count(u) ? names.at(u) : u) << "</FullName></User>\n";
        for (const auto& [site, firstMs] : siteFirstMs)
            x << "  <Location OID=\"L." << esc(odmOid(site)) << "\" Name=\"Site " << esc(site)
              << "\" LocationType=\"Site\"><MetaDataVersionRef StudyOID=\"" << esc(def->study_id())
              << "\" MetaDataVersionOID=\"" << esc(def->version()) << "\" EffectiveDate=\""
              << isoUtc(firstMs).substr(0, 10) << "\"/></Location>\n";
        for (const auto& [meaning, oid] : meanings)
            x << "  <SignatureDef OID=\"" << oid << "\" Methodology=\"Electronic\"><Meaning>" << esc(meaning)
              << "</Meaning><LegalReason>21 CFR 11.50 (printed name, date and time, meaning) and 11.70 (linked to the "
                 "signed values by their hash)</LegalReason></SignatureDef>\n";
        x << " </AdminData>\n";

        // --- every change, in server order, with its audit record ---
        x << " <ClinicalData StudyOID=\"" << esc(def->study_id()) << "\" MetaDataVersionOID=\"" << esc(def->version())
          << "\">\n";
        std::set<std::string> subjectsHere;
        for (const auto& se : events) {
            const auto& e = se.event();
            const auto& f = e.form();
            const std::string formKey =
                f.subject_id() + "/" + f.visit_oid() + "/" + f.form_oid() + "/" + std::to_string(f.repeat());
            const bool newSubject = seenSubjects.insert(f.subject_id()).second;
            const bool newForm = seenForms.insert(formKey).second;
            const bool newVisit = seenVisits.insert(f.subject_id() + "/" + f.visit_oid()).second;
            subjectsHere.insert(f.subject_id());
            const std::string user = "<UserRef UserOID=\"U." + esc(odmOid(e.user_id())) + "\"/>";
            const std::string site = "<LocationRef LocationOID=\"L." + esc(odmOid(e.site_id())) + "\"/>";
            std::ostringstream audit;
            audit << "<AuditRecord>" << user << site << "<DateTimeStamp>" << odmTime(e.captured_at_ms())
                  << "</DateTimeStamp>";
            if (!e.reason().code().empty() || !e.reason().text().empty())
                audit << "<ReasonForChange>"
                      << esc(e.reason().code() + (e.reason().text().empty() ? "" : ": " + e.reason().text()))
                      << "</ReasonForChange>";
            audit << "<SourceID>" << esc(provenance(se)) << "</SourceID></AuditRecord>";
            std::string signature;
            if (e.has_signature()) {
                signature = "<Signature>" + user + site + "<SignatureRef SignatureOID=\"" +
                            meanings.at(e.signature().meaning()) + "\"/><DateTimeStamp>" +
                            odmTime(e.signature().signed_at_ms()) + "</DateTimeStamp></Signature>";
            }
            x << "  <SubjectData SubjectKey=\"" << esc(f.subject_id()) << "\" TransactionType=\""
              << (newSubject ? "Insert" : "Update") << "\">";
            if (f.visit_oid() == "*") { // a casebook signature: of the subject as a whole
                x << audit.str() << signature << "</SubjectData>\n";
                ++summary.events;
                continue;
            }
            const char* formTx = e.record_status() == "ENTERED_IN_ERROR" ? "Remove" : (newForm ? "Insert" : "Update");
            x << "<StudyEventData StudyEventOID=\"SE." << esc(odmOid(f.visit_oid())) << "\" TransactionType=\""
              << (newVisit ? "Insert" : "Update") << "\"><FormData FormOID=\"F." << esc(odmOid(f.form_oid())) << "\"";
            const v1::Form* form = nullptr;
            for (const auto& candidate : def->forms())
                if (candidate.oid() == f.form_oid())
                    form = &candidate;
            if (form && form->repeating())
                x << " FormRepeatKey=\"" << f.repeat() << "\"";
            x << " TransactionType=\"" << formTx << "\">" << audit.str() << signature;
            std::map<std::string, const v1::ConflictNote*> held;
            for (const auto& c : se.conflicts())
                held[c.item_oid()] = &c;
            std::ostringstream items;
            for (const auto& c : e.changes()) {
                if (hidden.count(f.form_oid() + "/" + c.item_oid()))
                    continue;
                items << "<ItemData ItemOID=\"" << esc(odmItemOid(f.form_oid(), c.item_oid()))
                      << "\" TransactionType=\"" << (c.old_present() ? "Update" : "Insert") << "\"";
                if (c.new_present())
                    items << " Value=\"" << esc(c.new_value()) << "\"";
                else
                    items << " IsNull=\"Yes\"";
                items << ">";
                if (!c.unit().empty())
                    items << "<MeasurementUnitRef MeasurementUnitOID=\"MU." << esc(odmOid(c.unit())) << "\"/>";
                // ODM keeps only new values; the value the device saw before its change is part of the audit trail
                // (21 CFR 11.10(e): previously recorded information) and of the event's hash.
                int seqNum = 0;
                if (c.old_present())
                    items << "<Annotation SeqNum=\"" << ++seqNum << "\"><Comment SponsorOrSite=\"Site\">"
                          << esc(kOdmPreviousValue + c.old_value()) << "</Comment></Annotation>";
                if (auto it = held.find(c.item_oid()); it != held.end())
                    items << "<Annotation SeqNum=\"" << ++seqNum << "\"><Comment>"
                          << esc(kOdmConflictNote + std::to_string(it->second->kept_server_seq()) + " (" +
                                 it->second->kept_value() + "); data query " +
                                 std::to_string(it->second->conflict_id()))
                          << "</Comment></Annotation>";
                items << "</ItemData>";
            }
            if (!items.str().empty())
                x << "<ItemGroupData ItemGroupOID=\"IG." << esc(odmOid(f.form_oid())) << "\" TransactionType=\""
                  << (newForm ? "Insert" : "Update") << "\">" << items.str() << "</ItemGroupData>";
            x << "</FormData></StudyEventData></SubjectData>\n";
            ++summary.events;
            summary.lastServerSeq = se.server_seq();
        }
        x << " </ClinicalData>\n</ODM>\n";
        summary.xml = x.str();
        summary.subjects = static_cast<int>(subjectsHere.size());
        if (!events.empty())
            summary.lastServerSeq = events.back().server_seq();
        summary.lastServerSeq = std::max(summary.lastServerSeq, options.afterServerSeq);
        store.identity().log(SecurityEvent{
            0, now, options.exportedBy, "export.odm132", options.studyId,
            (options.siteId.empty() ? std::string("all sites") : "site " + options.siteId) + ", events " +
                std::to_string(options.afterServerSeq + 1) + ".." + std::to_string(summary.lastServerSeq)});
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    return summary;
}

Result<SiteArchiveSummary> writeSiteArchive(Store& store, const StudyRegistry& studies, const Clock& clock,
                                            const std::string& studyId, const std::string& siteId,
                                            const std::string& outDir, const std::string& exportedBy)
{
    namespace fs = std::filesystem;
    if (siteId.empty() || siteId == "*")
        return Error{"--site", "name the investigator's site"};
    std::error_code ec;
    fs::create_directories(fs::path(outDir) / "photos", ec);
    if (ec)
        return Error{outDir, "cannot be created: " + ec.message()};
    OdmExportOptions options;
    options.studyId = studyId;
    options.siteId = siteId;
    options.exportedBy = exportedBy;
    auto odm = buildOdm132(store, studies, clock, options);
    if (!odm)
        return odm.error();
    SiteArchiveSummary summary;
    summary.events = odm->events;
    std::vector<std::pair<std::string, std::string>> files; // name -> sha256
    auto write = [&](const std::string& name, const std::string& bytes) -> Status {
        std::ofstream out(fs::path(outDir) / name, std::ios::binary | std::ios::trunc);
        out << bytes;
        if (!out)
            return Error{(fs::path(outDir) / name).string(), "cannot be written"};
        files.emplace_back(name, photo::digestHex(bytes));
        return Status::success();
    };
    if (auto st = write("odm.xml", odm->xml); !st)
        return st.error();
    try {
        const v1::StudyDefinition* def = studies.find(studyId);
        std::set<std::string> digests;
        std::ostringstream signatures;
        signatures << "subject_id,visit_oid,form_oid,repeat,scope,user_id,printed_name,meaning,signed_at\n";
        for (uint64_t after = 0;;) {
            const auto page = store.eventsAfter(after, 1000);
            if (page.empty())
                break;
            for (const auto& se : page) {
                after = se.server_seq();
                const auto& e = se.event();
                if (e.study_id() != studyId || e.site_id() != siteId)
                    continue;
                if (e.has_signature()) {
                    ++summary.signatures;
                    const auto& sig = e.signature();
                    signatures << e.form().subject_id() << "," << e.form().visit_oid() << "," << e.form().form_oid()
                               << "," << e.form().repeat() << "," << sig.scope() << "," << e.user_id() << ",\""
                               << sig.printed_name() << "\",\"" << sig.meaning() << "\"," << isoUtc(sig.signed_at_ms())
                               << "\n";
                }
                const v1::Form* form = def ? study::findForm(*def, e.form().form_oid()) : nullptr;
                for (const auto& c : e.changes()) {
                    const v1::Item* item = form ? study::findItem(*form, c.item_oid()) : nullptr;
                    if (item && item->type() == v1::ITEM_TYPE_PHOTO && c.new_present())
                        digests.insert(c.new_value());
                }
            }
        }
        if (auto st = write("signatures.csv", signatures.str()); !st)
            return st.error();
        for (const auto& d : digests) {
            const auto state = store.photoState(d);
            if (!state || !state->verified) {
                ++summary.photosMissing; // named by an event, not yet received whole: listed in the manifest
                continue;
            }
            if (auto st = write("photos/" + d + ".jpg", store.photoBytes(d)); !st)
                return st.error();
            ++summary.photos;
        }
        std::ostringstream manifest;
        manifest << "{\n \"study_id\": \"" << esc(studyId) << "\",\n \"site_id\": \"" << esc(siteId)
                 << "\",\n \"generated_at\": \"" << isoUtc(clock.nowMs())
                 << "\",\n \"last_server_seq\": " << odm->lastServerSeq
                 << ",\n \"photos_not_yet_received\": " << summary.photosMissing << ",\n \"files\": [";
        for (size_t i = 0; i < files.size(); ++i)
            manifest << (i ? "," : "") << "\n  {\"file\": \"" << esc(files[i].first) << "\", \"sha256\": \""
                     << files[i].second << "\"}";
        manifest << "\n ]\n}\n";
        std::ofstream out(fs::path(outDir) / "manifest.json", std::ios::trunc);
        out << manifest.str();
        if (!out)
            return Error{(fs::path(outDir) / "manifest.json").string(), "cannot be written"};
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    return summary;
}

} // namespace crf::gateway
