#include "analysis_export.h"

#include "consent.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

namespace crf::gateway {
namespace {

struct Cell {
    std::string value, unit;
};

struct Instance {
    std::string siteId;
    std::map<std::string, Cell> cells;
    bool enteredInError = false;
};

// (subject, visit order, visit, repeat) so rows follow the schedule.
using RowKey = std::tuple<std::string, int, std::string, uint32_t>;

std::string csv(const std::string& field)
{
    if (field.find_first_of(",\"\n\r") == std::string::npos)
        return field;
    std::string out = "\"";
    for (char c : field)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string json(const std::string& s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20)
            continue;
        out += c;
    }
    return out + "\"";
}

bool numeric(const v1::Item& item)
{
    return item.type() == v1::ITEM_TYPE_INTEGER || item.type() == v1::ITEM_TYPE_DECIMAL;
}

std::string reasonFor(consent::State state)
{
    switch (state) {
    case consent::State::Objected:
        return "objection to the use of data (CSP L1122-1-3): left out of analysis, audit trail kept";
    case consent::State::NotIncluded:
        return "no inclusion recorded in the consent form";
    default:
        return std::string(consent::stateLabel(state));
    }
}

} // namespace

Result<AnalysisExportSummary> writeAnalysisExport(Store& store, const StudyRegistry& studies, const Clock& clock,
                                                  const AnalysisExportOptions& options)
{
    const v1::StudyDefinition* def = studies.find(options.studyId);
    if (!def)
        return Error{"--study", "no definition of study " + options.studyId + " is loaded (--definition FILE)"};
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(options.outDir, ec);
    if (ec)
        return Error{options.outDir, "cannot be created: " + ec.message()};

    AnalysisExportSummary summary;
    try {
        // Current values, replayed from the accepted events in server order (the same rule as the tablets: a change
        // the gateway held in conflict does not replace the kept value).
        std::map<std::string, std::map<RowKey, Instance>> byForm;
        std::map<std::string, std::string> siteOf;
        std::map<std::string, int> visitOrder;
        for (int i = 0; i < def->visits_size(); ++i)
            visitOrder[def->visits(i).oid()] = i;
        for (uint64_t after = 0;;) {
            const auto page = store.eventsAfter(after, 1000);
            if (page.empty())
                break;
            for (const auto& se : page) {
                after = se.server_seq();
                summary.lastServerSeq = after;
                const auto& e = se.event();
                if (e.study_id() != options.studyId)
                    continue;
                siteOf.emplace(e.form().subject_id(), e.site_id());
                const RowKey key{e.form().subject_id(),
                                 visitOrder.count(e.form().visit_oid()) ? visitOrder.at(e.form().visit_oid()) : 1000,
                                 e.form().visit_oid(), e.form().repeat()};
                auto& inst = byForm[e.form().form_oid()][key];
                inst.siteId = e.site_id();
                if (e.record_status() == "ENTERED_IN_ERROR")
                    inst.enteredInError = true;
                else if (e.record_status() == "RESTORED")
                    inst.enteredInError = false;
                std::set<std::string> held;
                for (const auto& c : se.conflicts())
                    held.insert(c.item_oid());
                for (const auto& c : e.changes()) {
                    if (held.count(c.item_oid()))
                        continue;
                    if (c.new_present())
                        inst.cells[c.item_oid()] = Cell{c.new_value(), c.unit()};
                    else
                        inst.cells.erase(c.item_oid());
                }
            }
        }

        // Data-use rules of the consent status (core/consent.h): who leaves the analysis, and why.
        std::set<std::string> excluded;
        if (def->has_consent()) {
            std::map<std::string, ConsentRow> rows;
            for (auto& r : store.trial().consentRows(options.studyId, ""))
                rows[r.subjectId] = r;
            for (const auto& [subject, site] : siteOf) {
                auto it = rows.find(subject);
                const auto state = it == rows.end()
                                       ? consent::State::NotIncluded
                                       : consent::parseState(it->second.state).value_or(consent::State::NotIncluded);
                if (!consent::rights(state).excludeFromAnalysis)
                    continue;
                excluded.insert(subject);
                summary.excluded.push_back({subject, site, std::string(consent::stateCode(state)), reasonFor(state)});
            }
        }
        summary.subjects = static_cast<int>(siteOf.size() - excluded.size());

        for (const auto& form : def->forms()) {
            std::vector<const v1::Item*> items;
            for (const auto& section : form.sections())
                for (const auto& item : section.items())
                    if (!item.site_only() && (options.includeArms || !item.unblinded_only()))
                        items.push_back(&item);
            const std::string name = form.oid() + ".csv";
            std::ofstream out(fs::path(options.outDir) / name, std::ios::trunc);
            if (!out)
                return Error{(fs::path(options.outDir) / name).string(), "cannot be written"};
            out << "subject_id,site_id,visit_oid,repeat";
            for (const auto* item : items) {
                out << "," << item->oid();
                if (numeric(*item))
                    out << "," << item->oid() << "_UNIT";
            }
            out << "\n";
            int rows = 0;
            if (auto it = byForm.find(form.oid()); it != byForm.end()) {
                for (const auto& [key, inst] : it->second) {
                    const auto& [subject, order, visit, repeat] = key;
                    if (excluded.count(subject) || inst.enteredInError || inst.cells.empty())
                        continue;
                    out << csv(subject) << "," << csv(inst.siteId) << "," << csv(visit) << "," << repeat;
                    for (const auto* item : items) {
                        auto cell = inst.cells.find(item->oid());
                        out << "," << (cell == inst.cells.end() ? "" : csv(cell->second.value));
                        if (numeric(*item))
                            out << "," << (cell == inst.cells.end() ? "" : csv(cell->second.unit));
                    }
                    out << "\n";
                    ++rows;
                }
            }
            if (!out)
                return Error{(fs::path(options.outDir) / name).string(), "write failed"};
            summary.files.emplace_back(name, rows);
        }

        // Arms: an unblinded export only, from the allocation store (never from events).
        fs::remove(fs::path(options.outDir) / "arms.csv", ec);
        if (options.includeArms && def->has_randomization()) {
            std::ofstream out(fs::path(options.outDir) / "arms.csv", std::ios::trunc);
            out << "subject_id,site_id,number,arm\n";
            int rows = 0;
            for (const auto& [subject, site] : siteOf) {
                if (excluded.count(subject))
                    continue;
                const auto box = store.trial().subjectBox(options.studyId, subject);
                if (!box)
                    continue;
                out << csv(subject) << "," << csv(site) << "," << box->number << ","
                    << csv(store.trial().armOf(options.studyId, box->number).value_or("")) << "\n";
                ++rows;
            }
            summary.files.emplace_back("arms.csv", rows);
        }

        std::ofstream manifest(fs::path(options.outDir) / "manifest.json", std::ios::trunc);
        manifest << "{\n \"study_id\": " << json(def->study_id())
                 << ",\n \"definition_version\": " << json(def->version())
                 << ",\n \"generated_at\": " << json(isoUtc(clock.nowMs()))
                 << ",\n \"last_server_seq\": " << summary.lastServerSeq
                 << ",\n \"blinded\": " << (options.includeArms ? "false" : "true")
                 << ",\n \"subjects\": " << summary.subjects << ",\n \"files\": [";
        for (size_t i = 0; i < summary.files.size(); ++i)
            manifest << (i ? ", " : "") << "{\"file\": " << json(summary.files[i].first)
                     << ", \"rows\": " << summary.files[i].second << "}";
        manifest << "],\n \"excluded_subjects\": [";
        for (size_t i = 0; i < summary.excluded.size(); ++i) {
            const auto& x = summary.excluded[i];
            manifest << (i ? "," : "") << "\n  {\"subject_id\": " << json(x.subjectId)
                     << ", \"site_id\": " << json(x.siteId) << ", \"consent_state\": " << json(x.state)
                     << ", \"reason\": " << json(x.reason) << "}";
        }
        manifest << (summary.excluded.empty() ? "" : "\n ") << "],\n \"notes\": ["
                 << json("site-only items never leave the site and are not in any file") << ", "
                 << json("excluded subjects' data stay in the gateway's audit trail") << ", "
                 << json(options.includeArms ? "unblinded: arms.csv and unblinded-only items included"
                                             : "blinded: no arm and no unblinded-only item")
                 << "]\n}\n";
        if (!manifest)
            return Error{(fs::path(options.outDir) / "manifest.json").string(), "cannot be written"};

        store.identity().log(SecurityEvent{0, clock.nowMs(), options.exportedBy, "export.analysis", options.studyId,
                                           std::string(options.includeArms ? "unblinded" : "blinded") +
                                               ", up to event " + std::to_string(summary.lastServerSeq) + ", " +
                                               std::to_string(summary.excluded.size()) + " subject(s) left out"});
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    return summary;
}

} // namespace crf::gateway
