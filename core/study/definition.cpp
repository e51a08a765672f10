#include "definition.h"
#include "translation.h"

#include "calculators.h"
#include "conditions.h"
#include "consent.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <google/protobuf/util/json_util.h>
#include <map>
#include <set>
#include <sstream>

namespace crf::study {

Result<v1::StudyDefinition> parseDefinition(const std::string& json, const std::string& source)
{
    v1::StudyDefinition def;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    const auto status = google::protobuf::util::JsonStringToMessage(json, &def, options);
    if (!status.ok())
        return Error{source, "not a valid study definition: " + std::string(status.message())};
    return def;
}

Result<v1::StudyDefinition> loadDefinition(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        return Error{path, "cannot be read"};
    std::stringstream ss;
    ss << in.rdbuf();
    auto def = parseDefinition(ss.str(), path);
    if (!def)
        return def;
    const auto problems = validate(*def);
    if (!problems.empty()) {
        std::string all;
        for (const auto& p : problems)
            all += (all.empty() ? "" : "\n") + p.text();
        return Error{path, std::to_string(problems.size()) + " problem(s):\n" + all};
    }
    return def;
}

const v1::Form* findForm(const v1::StudyDefinition& def, const std::string& oid)
{
    for (const auto& f : def.forms())
        if (f.oid() == oid)
            return &f;
    return nullptr;
}

const v1::Visit* findVisit(const v1::StudyDefinition& def, const std::string& oid)
{
    for (const auto& v : def.visits())
        if (v.oid() == oid)
            return &v;
    return nullptr;
}

const v1::CodeList* findCodeList(const v1::StudyDefinition& def, const std::string& oid)
{
    for (const auto& c : def.code_lists())
        if (c.oid() == oid)
            return &c;
    return nullptr;
}

std::vector<const v1::Item*> itemsOf(const v1::Form& form)
{
    std::vector<const v1::Item*> out;
    for (const auto& s : form.sections())
        for (const auto& i : s.items())
            out.push_back(&i);
    return out;
}

const v1::Item* findItem(const v1::Form& form, const std::string& oid)
{
    for (const auto* i : itemsOf(form))
        if (i->oid() == oid)
            return i;
    return nullptr;
}

bool isNumeric(const v1::Item& item)
{
    return item.type() == v1::ITEM_TYPE_INTEGER || item.type() == v1::ITEM_TYPE_DECIMAL;
}

namespace {

class Validator {
public:
    explicit Validator(const v1::StudyDefinition& def) : m_def(def) {}

    std::vector<Error> run()
    {
        if (m_def.study_id().empty())
            add("study_id", "missing");
        if (m_def.version().empty())
            add("version", "missing: the definition version is stamped on every event");
        codeLists();
        std::set<std::string> forms;
        for (const auto& f : m_def.forms()) {
            if (!forms.insert(f.oid()).second)
                add("forms[" + f.oid() + "]", "duplicate form OID");
            form(f);
        }
        visits();
        eligibility();
        consentRules();
        randomization();
        std::set<std::string> arms;
        for (const auto& a : m_def.arms())
            if (!arms.insert(a.id()).second)
                add("arms[" + a.id() + "]", "duplicate arm id");
        return m_errors;
    }

private:
    void add(std::string where, std::string what) { m_errors.push_back({std::move(where), std::move(what)}); }

    void codeLists()
    {
        std::set<std::string> oids;
        for (const auto& c : m_def.code_lists()) {
            const std::string at = "code_lists[" + c.oid() + "]";
            if (c.oid().empty())
                add("code_lists", "a code list without OID");
            if (!oids.insert(c.oid()).second)
                add(at, "duplicate code list OID");
            if (c.items_size() == 0)
                add(at, "has no codes");
            std::set<std::string> codes;
            for (const auto& i : c.items())
                if (!codes.insert(i.code()).second)
                    add(at, "duplicate code " + i.code());
        }
    }

    void range(const std::string& at, const v1::Range& r)
    {
        if (r.has_min() && r.has_max() && r.min() > r.max())
            add(at, "min " + num(r.min()) + " is above max " + num(r.max()));
    }

    static std::string num(double v)
    {
        std::ostringstream os;
        os << v;
        return os.str();
    }

    void item(const std::string& formAt, const v1::Form& f, const v1::Item& i, std::set<std::string>& seen)
    {
        const std::string at = formAt + ".items[" + i.oid() + "]";
        if (i.oid().empty())
            add(formAt + ".items", "an item without OID");
        if (i.oid().find('#') != std::string::npos)
            add(at, "'#' is reserved in item OIDs");
        if (!seen.insert(i.oid()).second)
            add(at, "duplicate item OID in the form");
        if (i.type() == v1::ITEM_TYPE_UNSPECIFIED)
            add(at + ".type", "missing");
        if (i.label().empty())
            add(at + ".label", "missing");
        if (!isNumeric(i) && i.units_size() > 0)
            add(at + ".units", "only numeric items have units and ranges");
        std::set<std::string> units;
        for (int u = 0; u < i.units_size(); ++u) {
            const auto& ur = i.units(u);
            const std::string uat = at + ".units[" + (ur.unit().empty() ? std::to_string(u) : ur.unit()) + "]";
            if (!units.insert(ur.unit()).second)
                add(uat, "duplicate unit");
            range(uat + ".hard", ur.hard());
            range(uat + ".soft", ur.soft());
            // The soft (plausible) range must lie inside the hard (possible) range.
            if (ur.has_hard() && ur.has_soft()) {
                if (ur.hard().has_min() && ur.soft().has_min() && ur.soft().min() < ur.hard().min())
                    add(uat + ".soft",
                        "soft min " + num(ur.soft().min()) + " is below hard min " + num(ur.hard().min()));
                if (ur.hard().has_max() && ur.soft().has_max() && ur.soft().max() > ur.hard().max())
                    add(uat + ".soft",
                        "soft max " + num(ur.soft().max()) + " is above hard max " + num(ur.hard().max()));
            }
        }
        if (i.type() == v1::ITEM_TYPE_CODE) {
            if (i.code_list_oid().empty())
                add(at + ".code_list_oid", "a coded item needs a code list");
            else if (!findCodeList(m_def, i.code_list_oid()))
                add(at + ".code_list_oid", "unknown code list " + i.code_list_oid());
        }
        if (i.has_visible_when())
            references(at + ".visible_when", f, i.visible_when());
        if (i.has_derived())
            derivation(at + ".derived", f, i.derived());
        if (i.has_capture())
            capture(at + ".capture", f, i);
    }

    /// Bedside instruments: known by name, outputs bound to items of the same form of the right kind.
    void capture(const std::string& at, const v1::Form& f, const v1::Item& i)
    {
        const v1::Capture& c = i.capture();
        if (c.instrument() == "mottling_reference") {
            // The six reference drawings of the Ait-Oufella scale (2011): a code item over codes 0..5 exactly.
            const v1::CodeList* list = findCodeList(m_def, i.code_list_oid());
            std::set<std::string> codes;
            if (list)
                for (const auto& item : list->items())
                    codes.insert(item.code());
            if (i.type() != v1::ITEM_TYPE_CODE || codes != std::set<std::string>{"0", "1", "2", "3", "4", "5"})
                add(at, "mottling_reference needs a coded item whose code list is 0 to 5");
            if (c.outputs_size() || c.settings_size())
                add(at, "mottling_reference has no outputs or settings");
            return;
        }
        if (c.instrument() != "crt_stopwatch") {
            add(at + ".instrument",
                "unknown instrument \"" + c.instrument() + "\" (known: crt_stopwatch, mottling_reference)");
            return;
        }
        if (i.type() != v1::ITEM_TYPE_DECIMAL)
            add(at, "crt_stopwatch records seconds: the item must be decimal");
        const std::map<std::string, v1::ItemType> outputs = {{"site", v1::ITEM_TYPE_CODE},
                                                             {"pressure", v1::ITEM_TYPE_DECIMAL},
                                                             {"time", v1::ITEM_TYPE_DATETIME},
                                                             {"method", v1::ITEM_TYPE_CODE}};
        for (const auto& [output, oid] : c.outputs()) {
            const auto kind = outputs.find(output);
            if (kind == outputs.end()) {
                add(at + ".outputs." + output,
                    "crt_stopwatch has no output \"" + output + "\" (site, pressure, time, method)");
                continue;
            }
            const v1::Item* target = findItem(f, oid);
            if (!target)
                add(at + ".outputs." + output, "unknown item " + oid + " (not in form " + f.oid() + ")");
            else if (target->type() != kind->second)
                add(at + ".outputs." + output, "item " + oid + " has the wrong type for the " + output);
        }
        if (!c.outputs().count("site"))
            add(at + ".outputs", "crt_stopwatch needs the site item (finger or knee sets the countdown and threshold)");
        for (const auto& [setting, value] : c.settings()) {
            (void)value;
            if (setting != "method_code")
                add(at + ".settings." + setting, "crt_stopwatch has no setting \"" + setting + "\" (method_code)");
        }
    }

    void references(const std::string& at, const v1::Form& f, const v1::Condition& c)
    {
        std::set<std::string> refs;
        referencedItems(c, refs);
        for (const auto& r : refs)
            if (!findItem(f, r))
                add(at, "unknown item " + r + " (not in form " + f.oid() + ")");
        checkOperators(at, c);
    }

    void checkOperators(const std::string& at, const v1::Condition& c)
    {
        switch (c.kind_case()) {
        case v1::Condition::kCompare:
            if (c.compare().op() == v1::OPERATOR_UNSPECIFIED)
                add(at, "comparison on " + c.compare().item_oid() + " has no operator");
            break;
        case v1::Condition::kAll:
            for (const auto& s : c.all().of())
                checkOperators(at, s);
            break;
        case v1::Condition::kAny:
            for (const auto& s : c.any().of())
                checkOperators(at, s);
            break;
        case v1::Condition::kNot:
            checkOperators(at, c.not_());
            break;
        case v1::Condition::KIND_NOT_SET:
            break;
        }
    }

    void derivation(const std::string& at, const v1::Form& f, const v1::Derivation& d)
    {
        const Calculator* calc = findCalculator(d.calculator());
        if (!calc) {
            add(at + ".calculator", "unknown calculator \"" + d.calculator() + "\"");
            return;
        }
        auto known = [](const std::vector<std::string>& list, const std::string& name) {
            return std::find(list.begin(), list.end(), name) != list.end();
        };
        if (!known(calc->outputs, d.output()))
            add(at + ".output", "calculator " + calc->name + " has no output \"" + d.output() + "\"");
        for (const auto& [input, oid] : d.inputs()) {
            if (!known(calc->inputs, input))
                add(at + ".inputs." + input, "calculator " + calc->name + " has no input \"" + input + "\"");
            if (!findItem(f, oid))
                add(at + ".inputs." + input, "unknown item " + oid + " (not in form " + f.oid() + ")");
        }
        for (const auto& [input, value] : d.constants()) {
            (void)value;
            if (!known(calc->inputs, input))
                add(at + ".constants." + input, "calculator " + calc->name + " has no input \"" + input + "\"");
        }
    }

    void cycles(const std::string& formAt, const v1::Form& f)
    {
        // Depth-first search over derived items -> their derived inputs; a back edge is a cycle.
        std::map<std::string, int> state; // 0 new, 1 on stack, 2 done
        std::vector<std::string> stack;
        std::function<bool(const std::string&)> visit = [&](const std::string& oid) {
            const v1::Item* i = findItem(f, oid);
            if (!i || !i->has_derived())
                return false;
            if (state[oid] == 1) {
                std::string path;
                auto from = std::find(stack.begin(), stack.end(), oid);
                for (auto it = from; it != stack.end(); ++it)
                    path += *it + " -> ";
                add(formAt + ".items[" + oid + "].derived", "cycle between derived items: " + path + oid);
                return true;
            }
            if (state[oid] == 2)
                return false;
            state[oid] = 1;
            stack.push_back(oid);
            for (const auto& [input, ref] : i->derived().inputs()) {
                (void)input;
                if (visit(ref))
                    return true;
            }
            stack.pop_back();
            state[oid] = 2;
            return false;
        };
        for (const auto* i : itemsOf(f))
            if (visit(i->oid()))
                return;
    }

    void form(const v1::Form& f)
    {
        const std::string at = "forms[" + f.oid() + "]";
        if (f.oid().empty())
            add("forms", "a form without OID");
        if (f.name().empty())
            add(at + ".name", "missing");
        std::set<std::string> seen;
        for (const auto& s : f.sections()) {
            if (s.has_visible_when())
                references(at + ".sections[" + s.title() + "].visible_when", f, s.visible_when());
            for (const auto& i : s.items())
                item(at, f, i, seen);
        }
        if (f.has_urgent_when())
            references(at + ".urgent_when", f, f.urgent_when());
        cycles(at, f);
        std::set<std::string> ids;
        for (const auto& c : f.checks()) {
            const std::string cat = at + ".checks[" + c.id() + "]";
            if (!ids.insert(c.id()).second)
                add(cat, "duplicate check id");
            if (c.message().empty())
                add(cat + ".message", "missing");
            if (c.severity() == v1::SEVERITY_UNSPECIFIED)
                add(cat + ".severity", "missing (SEVERITY_ERROR or SEVERITY_WARNING)");
            if (!c.has_violated_when())
                add(cat + ".violated_when", "missing");
            else
                references(cat + ".violated_when", f, c.violated_when());
            for (const auto& oid : c.item_oids())
                if (!findItem(f, oid))
                    add(cat + ".item_oids", "unknown item " + oid);
        }
    }

    void visits()
    {
        std::set<std::string> oids;
        for (const auto& v : m_def.visits()) {
            const std::string at = "visits[" + v.oid() + "]";
            if (!oids.insert(v.oid()).second)
                add(at, "duplicate visit OID");
            if (v.window_before_days() < 0 || v.window_after_days() < 0)
                add(at, "visit windows are counted in days and cannot be negative");
            for (const auto& f : v.form_oids())
                if (!findForm(m_def, f))
                    add(at + ".form_oids", "unknown form " + f);
        }
        if (m_def.visits_size() == 0)
            add("visits", "a study needs a schedule");
    }

    void eligibility()
    {
        if (!m_def.has_eligibility())
            return;
        const auto& e = m_def.eligibility();
        const v1::Form* f = findForm(m_def, e.form_oid());
        if (!f) {
            add("eligibility.form_oid", "unknown form " + e.form_oid());
            return;
        }
        if (!findVisit(m_def, e.visit_oid()))
            add("eligibility.visit_oid", "unknown visit " + e.visit_oid());
        std::set<std::string> ids;
        for (const auto* list : {&e.inclusion(), &e.exclusion()}) {
            for (const auto& c : *list) {
                const std::string at = "eligibility.criteria[" + c.id() + "]";
                if (!ids.insert(c.id()).second)
                    add(at, "duplicate criterion id");
                if (!c.has_condition())
                    add(at + ".condition", "missing");
                else
                    references(at + ".condition", *f, c.condition());
            }
        }
    }

    // A form of the definition scheduled at `visitOid`; adds an error and returns null otherwise.
    const v1::Form* scheduledForm(const std::string& at, const std::string& formOid, const std::string& visitOid)
    {
        const v1::Form* f = findForm(m_def, formOid);
        if (!f) {
            add(at + ".form_oid", "unknown form '" + formOid + "'");
            return nullptr;
        }
        const v1::Visit* v = findVisit(m_def, visitOid);
        if (!v)
            add(at + ".visit_oid", "unknown visit '" + visitOid + "'");
        else if (std::find(v->form_oids().begin(), v->form_oids().end(), formOid) == v->form_oids().end())
            add(at + ".visit_oid", "form " + formOid + " is not scheduled at visit " + visitOid);
        return f;
    }

    // Consent (docs/consent.md): the repeating decision form with the items core/consent.h reads, and codes it knows.
    void consentRules()
    {
        if (!m_def.has_consent())
            return;
        const auto& c = m_def.consent();
        const v1::Form* f = scheduledForm("consent", c.form_oid(), c.visit_oid());
        if (f) {
            if (!f->repeating())
                add("consent.form_oid", "the consent form must be repeating (one repeat per decision)");
            for (const char* oid : {"CONSENT_EVENT", "DECIDED_BY", "DECISION_TIME", "OBTAINED_BY"})
                if (!findItem(*f, oid))
                    add("consent.form_oid", "form " + f->oid() + " lacks the item " + oid);
            const struct {
                const char* item;
                bool (*known)(const std::string&);
            } lists[] = {
                {"CONSENT_EVENT", [](const std::string& code) { return consent::parseEvent(code).has_value(); }},
                {"DECIDED_BY", [](const std::string& code) { return consent::parseDecider(code).has_value(); }},
            };
            for (const auto& l : lists) {
                const v1::Item* item = findItem(*f, l.item);
                const v1::CodeList* list = item ? findCodeList(m_def, item->code_list_oid()) : nullptr;
                if (item && !list)
                    add("consent", std::string(l.item) + " needs a code list");
                if (list)
                    for (const auto& code : list->items())
                        if (!l.known(code.code()))
                            add("code_lists[" + list->oid() + "]", "code " + code.code() + " is not a consent code");
            }
        }
        for (const auto& open : c.always_open_form_oids())
            if (!findForm(m_def, open))
                add("consent.always_open_form_oids", "unknown form '" + open + "'");
        if (c.overdue_hours() <= 0)
            add("consent.overdue_hours", "must be positive (hours after inclusion)");
        if (c.reminder_hours() < 0)
            add("consent.reminder_hours", "must not be negative");
    }

    // Randomization (docs/randomization.md): the form, the confirmed number and, for a list, where the arm goes.
    void randomization()
    {
        if (!m_def.has_randomization())
            return;
        const auto& r = m_def.randomization();
        if (r.scheme() == v1::Randomization::SCHEME_UNSPECIFIED)
            add("randomization.scheme", "missing: SCHEME_TREATMENT_BOXES or SCHEME_ALLOCATION_LIST");
        const v1::Form* f = scheduledForm("randomization", r.form_oid(), r.visit_oid());
        if (!f)
            return;
        const v1::Item* number = findItem(*f, r.number_item_oid());
        if (!number || number->type() != v1::ITEM_TYPE_INTEGER)
            add("randomization.number_item_oid", "must name an integer item of form " + f->oid());
        if (r.scheme() == v1::Randomization::SCHEME_ALLOCATION_LIST) {
            const v1::Item* arm = findItem(*f, r.arm_item_oid());
            if (!arm || arm->type() != v1::ITEM_TYPE_CODE)
                add("randomization.arm_item_oid",
                    "an allocation list needs a code item of form " + f->oid() + " for the revealed arm");
        } else if (!r.arm_item_oid().empty()) {
            add("randomization.arm_item_oid", "treatment boxes keep the arm hidden: no arm item on the form");
        }
        if (r.resupply_at() < 0)
            add("randomization.resupply_at", "must not be negative");
        if (!r.time_item_oid().empty()) {
            const v1::Item* time = findItem(*f, r.time_item_oid());
            if (!time || time->type() != v1::ITEM_TYPE_DATETIME)
                add("randomization.time_item_oid", "must name a datetime item of form " + f->oid());
        }
    }

    const v1::StudyDefinition& m_def;
    std::vector<Error> m_errors;
};

} // namespace

std::vector<Error> validate(const v1::StudyDefinition& def)
{
    auto errors = Validator(def).run();
    for (auto& e : validateTranslations(def))
        errors.push_back(std::move(e));
    return errors;
}

} // namespace crf::study
