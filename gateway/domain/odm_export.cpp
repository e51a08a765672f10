#include "odm_export.h"

#include "definition.h"
#include "photo.h"

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

/// ODM wants an explicit offset (FACTS "Data exchange"): UTC as +00:00.
std::string odmTime(int64_t ms)
{
    std::string t = isoUtc(ms);
    return t.substr(0, t.size() - 1) + "+00:00";
}

/// OIDs from our identifiers: letters, digits, '.', '-', '_' kept, anything else as '_'.
std::string oidPart(const std::string& s)
{
    std::string out;
    for (char c : s)
        out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
    return out.empty() ? "_" : out;
}

std::string itemOid(const std::string& form, const std::string& item)
{
    // A missing-data companion ("GCS#ND") is an item of its own.
    const auto hash = item.find('#');
    if (hash != std::string::npos)
        return "I." + oidPart(form) + "." + oidPart(item.substr(0, hash)) + ".ND";
    return "I." + oidPart(form) + "." + oidPart(item);
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
          << esc(oidPart(options.studyId) + "." + std::to_string(now)) << "\" CreationDateTime=\"" << odmTime(now)
          << "\" SourceSystem=\"crf-gateway\" Description=\""
          << esc(options.afterServerSeq ? "incremental after event " + std::to_string(options.afterServerSeq)
                                        : std::string("complete"))
          << (options.siteId.empty() ? "" : esc(", site " + options.siteId)) << "\">\n";

        // --- metadata, generated from the study definition ---
        x << " <Study OID=\"" << esc(def->study_id()) << "\">\n  <GlobalVariables><StudyName>" << esc(def->study_id())
          << "</StudyName><StudyDescription>" << esc(def->title()) << "</StudyDescription><ProtocolName>"
          << esc(def->protocol_reference()) << "</ProtocolName></GlobalVariables>\n";
        if (!units.empty()) {
            x << "  <BasicDefinitions>\n";
            for (const auto& u : units)
                x << "   <MeasurementUnit OID=\"MU." << esc(oidPart(u)) << "\" Name=\"" << esc(u)
                  << "\"><Symbol><TranslatedText>" << esc(u) << "</TranslatedText></Symbol></MeasurementUnit>\n";
            x << "  </BasicDefinitions>\n";
        }
        x << "  <MetaDataVersion OID=\"" << esc(def->version()) << "\" Name=\""
          << esc(def->study_id() + " " + def->version()) << "\">\n   <Protocol>";
        for (int i = 0; i < def->visits_size(); ++i)
            x << "<StudyEventRef StudyEventOID=\"SE." << esc(oidPart(def->visits(i).oid())) << "\" OrderNumber=\""
              << i + 1 << "\" Mandatory=\"No\"/>";
        x << "</Protocol>\n";
        for (const auto& v : def->visits()) {
            x << "   <StudyEventDef OID=\"SE." << esc(oidPart(v.oid())) << "\" Name=\"" << esc(v.name())
              << "\" Repeating=\"No\" Type=\"Scheduled\">";
            for (const auto& f : v.form_oids())
                x << "<FormRef FormOID=\"F." << esc(oidPart(f)) << "\" Mandatory=\"No\"/>";
            x << "</StudyEventDef>\n";
        }
        for (const auto& f : def->forms())
            x << "   <FormDef OID=\"F." << esc(oidPart(f.oid())) << "\" Name=\"" << esc(f.name()) << "\" Repeating=\""
              << (f.repeating() ? "Yes" : "No") << "\"><ItemGroupRef ItemGroupOID=\"IG." << esc(oidPart(f.oid()))
              << "\" Mandatory=\"Yes\"/></FormDef>\n";
        for (const auto& f : def->forms()) {
            x << "   <ItemGroupDef OID=\"IG." << esc(oidPart(f.oid())) << "\" Name=\"" << esc(f.name())
              << "\" Repeating=\"No\">";
            for (const auto& s : f.sections())
                for (const auto& i : s.items()) {
                    if (i.site_only() || hidden.count(f.oid() + "/" + i.oid()))
                        continue; // never leaves the site / not for blinded readers
                    x << "<ItemRef ItemOID=\"" << esc(itemOid(f.oid(), i.oid())) << "\" Mandatory=\""
                      << (i.required() ? "Yes" : "No") << "\"/>";
                    if (i.required())
                        x << "<ItemRef ItemOID=\"" << esc(itemOid(f.oid(), i.oid() + "#ND")) << "\" Mandatory=\"No\"/>";
                }
            x << "</ItemGroupDef>\n";
        }
        for (const auto& f : def->forms())
            for (const auto& s : f.sections())
                for (const auto& i : s.items()) {
                    if (i.site_only() || hidden.count(f.oid() + "/" + i.oid()))
                        continue;
                    x << "   <ItemDef OID=\"" << esc(itemOid(f.oid(), i.oid())) << "\" Name=\"" << esc(i.oid())
                      << "\" DataType=\"" << dataType(i) << "\"><Question><TranslatedText>" << esc(i.label())
                      << "</TranslatedText></Question>";
                    for (const auto& u : i.units())
                        if (!u.unit().empty())
                            x << "<MeasurementUnitRef MeasurementUnitOID=\"MU." << esc(oidPart(u.unit())) << "\"/>";
                    if (!i.code_list_oid().empty())
                        x << "<CodeListRef CodeListOID=\"CL." << esc(oidPart(i.code_list_oid())) << "\"/>";
                    x << "</ItemDef>\n";
                    if (i.required())
                        x << "   <ItemDef OID=\"" << esc(itemOid(f.oid(), i.oid() + "#ND")) << "\" Name=\""
                          << esc(i.oid()) << "#ND\" DataType=\"text\"><Question><TranslatedText>"
                          << esc("Reason " + i.label() + " is missing (CODE|text)")
                          << "</TranslatedText></Question></ItemDef>\n";
                }
        for (const auto& c : def->code_lists()) {
            x << "   <CodeList OID=\"CL." << esc(oidPart(c.oid())) << "\" Name=\"" << esc(c.oid())
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
            x << "  <User OID=\"U." << esc(oidPart(u)) << "\"><LoginName>" << esc(u) << "</LoginName><FullName>"
              << esc(names.count(u) ? names.at(u) : u) << "</FullName></User>\n";
        for (const auto& [site, firstMs] : siteFirstMs)
            x << "  <Location OID=\"L." << esc(oidPart(site)) << "\" Name=\"Site " << esc(site)
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
            const std::string user = "<UserRef UserOID=\"U." + esc(oidPart(e.user_id())) + "\"/>";
            const std::string site = "<LocationRef LocationOID=\"L." + esc(oidPart(e.site_id())) + "\"/>";
            std::ostringstream audit;
            audit << "<AuditRecord>" << user << site << "<DateTimeStamp>" << odmTime(e.captured_at_ms())
                  << "</DateTimeStamp>";
            if (!e.reason().code().empty() || !e.reason().text().empty())
                audit << "<ReasonForChange>"
                      << esc(e.reason().code() + (e.reason().text().empty() ? "" : ": " + e.reason().text()))
                      << "</ReasonForChange>";
            audit << "<SourceID>"
                  << esc("device " + e.device_id() + " seq " + std::to_string(e.device_seq()) + ", event " +
                         e.event_id() + ", gateway " + std::to_string(se.server_seq()) + " received " +
                         odmTime(se.received_at_ms()))
                  << "</SourceID></AuditRecord>";
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
            x << "<StudyEventData StudyEventOID=\"SE." << esc(oidPart(f.visit_oid())) << "\" TransactionType=\""
              << (newVisit ? "Insert" : "Update") << "\"><FormData FormOID=\"F." << esc(oidPart(f.form_oid())) << "\"";
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
                items << "<ItemData ItemOID=\"" << esc(itemOid(f.form_oid(), c.item_oid())) << "\" TransactionType=\""
                      << (c.old_present() ? "Update" : "Insert") << "\"";
                if (c.new_present())
                    items << " Value=\"" << esc(c.new_value()) << "\"";
                else
                    items << " IsNull=\"Yes\"";
                items << ">";
                if (c.new_present() && !c.unit().empty())
                    items << "<MeasurementUnitRef MeasurementUnitOID=\"MU." << esc(oidPart(c.unit())) << "\"/>";
                if (auto it = held.find(c.item_oid()); it != held.end())
                    items << "<Annotation SeqNum=\"1\"><Comment>"
                          << esc("changed concurrently: the gateway kept the value of event " +
                                 std::to_string(it->second->kept_server_seq()) + " (" + it->second->kept_value() +
                                 "); data query " + std::to_string(it->second->conflict_id()))
                          << "</Comment></Annotation>";
                items << "</ItemData>";
            }
            if (!items.str().empty())
                x << "<ItemGroupData ItemGroupOID=\"IG." << esc(oidPart(f.form_oid())) << "\" TransactionType=\""
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
