#include "analysis_export.h"

#include "consent.h"
#include "outcomes.h"
#include "sofa.h"
#include "sofa_items.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
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

const char* typeName(v1::ItemType t)
{
    switch (t) {
    case v1::ITEM_TYPE_INTEGER:
        return "integer";
    case v1::ITEM_TYPE_DECIMAL:
        return "decimal";
    case v1::ITEM_TYPE_TEXT:
        return "text";
    case v1::ITEM_TYPE_BOOLEAN:
        return "boolean Y/N";
    case v1::ITEM_TYPE_DATE:
        return "date (ISO 8601)";
    case v1::ITEM_TYPE_DATETIME:
        return "date-time (ISO 8601 with offset)";
    case v1::ITEM_TYPE_CODE:
        return "code";
    case v1::ITEM_TYPE_PHOTO:
        return "photo (SHA-256 of the image)";
    default:
        return "?";
    }
}

std::optional<int> integer(const std::map<std::string, Cell>& cells, const char* item)
{
    auto it = cells.find(item);
    if (it == cells.end() || it->second.value.empty())
        return std::nullopt;
    char* end = nullptr;
    const long v = std::strtol(it->second.value.c_str(), &end, 10);
    return *end == '\0' ? std::optional<int>(static_cast<int>(v)) : std::nullopt;
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

        // One row of derived outcomes per subject (FACTS "Day-28 outcomes" and "SOFA": core/outcomes.h, core/sofa.h),
        // computed from the raw values like the tablet's derived items; an outcome whose inputs are missing is empty.
        if (byForm.count(sofa::items::kForm) || byForm.count("OUTCOMES")) {
            std::ofstream out(fs::path(options.outDir) / "outcomes.csv", std::ios::trunc);
            out << "subject_id,site_id,sofa_d0,sofa_d7,delta_sofa,dead_d28,death_day,ventilation_free_days,"
                   "rrt_free_days,vasopressor_free_days,icu_free_days,mottling_d1\n";
            int rows = 0;
            auto instance = [&](const std::string& form, const std::string& subject,
                                const std::string& visit) -> const Instance* {
                auto f = byForm.find(form);
                if (f == byForm.end())
                    return nullptr;
                auto it =
                    f->second.find(RowKey{subject, visitOrder.count(visit) ? visitOrder.at(visit) : 1000, visit, 0});
                return it == f->second.end() || it->second.enteredInError ? nullptr : &it->second;
            };
            auto sofaTotal = [&](const std::string& subject, const std::string& visit) -> std::optional<int> {
                const Instance* inst = instance(sofa::items::kForm, subject, visit);
                if (!inst)
                    return std::nullopt;
                std::map<std::string, sofa::items::Value> raw;
                for (const auto& [item, cell] : inst->cells)
                    raw[item] = {cell.value, cell.unit};
                const auto r = sofa::compute(sofa::items::read(raw).inputs);
                return r.complete ? std::optional<int>(r.total) : std::nullopt; // an incomplete total is missing
            };
            auto text = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string(); };
            for (const auto& [subject, site] : siteOf) {
                if (excluded.count(subject))
                    continue;
                outcomes::Inputs in;
                if (auto d0 = sofaTotal(subject, "D0"))
                    in.sofaByDay[0] = *d0;
                if (auto d7 = sofaTotal(subject, "D7"))
                    in.sofaByDay[7] = *d7;
                std::string dead, ventFree, rrtFree, vasoFree, icuFree, deathDay;
                if (const Instance* o = instance("OUTCOMES", subject, "D28")) {
                    const auto alive = o->cells.count("ALIVE_D28") ? o->cells.at("ALIVE_D28").value : "";
                    if (alive == "N")
                        in.deathDay = integer(o->cells, "DEATH_DAY");
                    auto days = [&](const char* item, std::set<int>& into) {
                        if (auto n = integer(o->cells, item))
                            for (int d = 1; d <= std::min(*n, outcomes::kHorizonDays); ++d)
                                into.insert(d);
                    };
                    days("VENT_DAYS", in.ventilationDays);
                    days("RRT_DAYS", in.rrtDays);
                    days("VASO_DAYS", in.vasopressorDays);
                    in.icuDischargeDay = integer(o->cells, "ICU_DISCHARGE_DAY");
                    if (!alive.empty() && (alive == "Y" || in.deathDay)) {
                        if (auto r = outcomes::compute(in)) {
                            dead = r->deadAtDay28 ? "Y" : "N";
                            deathDay = text(in.deathDay);
                            ventFree = std::to_string(r->ventilationFreeDays);
                            rrtFree = std::to_string(r->rrtFreeDays);
                            vasoFree = std::to_string(r->vasopressorFreeDays);
                            icuFree = std::to_string(r->icuFreeDays);
                        }
                    }
                }
                std::optional<int> delta;
                if (auto r = outcomes::compute(in))
                    delta = r->deltaSofa;
                std::string mottling;
                if (const Instance* m = instance("MOTTLING", subject, "D1"))
                    if (m->cells.count("MOTTLING_SCORE"))
                        mottling = m->cells.at("MOTTLING_SCORE").value;
                out << csv(subject) << "," << csv(site) << ","
                    << (in.sofaByDay.count(0) ? std::to_string(in.sofaByDay.at(0)) : "") << ","
                    << (in.sofaByDay.count(7) ? std::to_string(in.sofaByDay.at(7)) : "") << "," << text(delta) << ","
                    << dead << "," << deathDay << "," << ventFree << "," << rrtFree << "," << vasoFree << "," << icuFree
                    << "," << csv(mottling) << "\n";
                ++rows;
            }
            summary.files.emplace_back("outcomes.csv", rows);
        }

        // The data dictionary: every column of every file, from the study definition.
        {
            std::ofstream out(fs::path(options.outDir) / "dictionary.csv", std::ios::trunc);
            out << "file,column,label,type,units,codes\n";
            for (const auto& form : def->forms())
                for (const auto& section : form.sections())
                    for (const auto& item : section.items()) {
                        if (item.site_only() || (!options.includeArms && item.unblinded_only()))
                            continue;
                        std::string units, codes;
                        for (const auto& u : item.units())
                            units += (units.empty() ? "" : " | ") + u.unit();
                        for (const auto& list : def->code_lists())
                            if (list.oid() == item.code_list_oid())
                                for (const auto& c : list.items())
                                    codes += (codes.empty() ? "" : " | ") + c.code() + "=" + c.label();
                        out << csv(form.oid() + ".csv") << "," << csv(item.oid()) << "," << csv(item.label()) << ","
                            << csv(std::string(typeName(item.type())) + (item.has_derived() ? ", derived" : "")) << ","
                            << csv(units) << "," << csv(codes) << "\n";
                    }
            const char* derived[][2] = {
                {"sofa_d0", "SOFA total at D0 (complete scores only; Vincent 1996)"},
                {"sofa_d7", "SOFA total at D7 (complete scores only)"},
                {"delta_sofa", "SOFA(D7) - SOFA(D0); death on or before D7 counts as SOFA 24 (NCT03788837)"},
                {"dead_d28", "died on or before day 28 (Y/N)"},
                {"death_day", "study day of death"},
                {"ventilation_free_days", "28 - days ventilated (1-28); 0 if dead by D28"},
                {"rrt_free_days", "28 - days on renal replacement therapy; 0 if dead by D28"},
                {"vasopressor_free_days", "28 - days on vasopressors; 0 if dead by D28"},
                {"icu_free_days", "28 - ICU discharge day for survivors discharged by D28, else 0"},
                {"mottling_d1", "mottling score at D1 (0-5, Ait-Oufella 2011)"}};
            for (const auto& [column, label] : derived)
                out << "outcomes.csv," << column << "," << csv(label) << ",derived,,\n";
            summary.files.emplace_back("dictionary.csv", 0);
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
