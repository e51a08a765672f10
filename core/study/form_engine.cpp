#include "form_engine.h"

#include "calculators.h"
#include "conditions.h"
#include "definition.h"
#include "sofa_items.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace crf::study {
namespace {

std::string num(double v)
{
    std::ostringstream os;
    os << v;
    return os.str();
}

std::string rangeText(const v1::Range& r, const std::string& unit)
{
    const std::string u = unit.empty() ? "" : " " + unit;
    if (r.has_min() && r.has_max())
        return "between " + num(r.min()) + " and " + num(r.max()) + u;
    if (r.has_min())
        return "at least " + num(r.min()) + u;
    return "at most " + num(r.max()) + u;
}

bool inRange(const v1::Range& r, double v)
{
    return (!r.has_min() || v >= r.min()) && (!r.has_max() || v <= r.max());
}

bool isDate(const std::string& s)
{
    int y, m, d;
    char extra;
    return s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &extra) == 3 && m >= 1 && m <= 12 &&
           d >= 1 && d <= 31;
}

bool isDateTime(const std::string& s)
{
    int y, mo, d, h, mi;
    return s.size() >= 16 && std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) == 5 && mo >= 1 &&
           mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59;
}

} // namespace

const std::vector<std::pair<std::string, std::string>>& missingReasons()
{
    static const std::vector<std::pair<std::string, std::string>> reasons = {
        {"NOT_DONE", "Not done"}, {"NOT_APPLICABLE", "Not applicable"}, {"UNKNOWN", "Unknown"}};
    return reasons;
}

bool FormState::hasErrors() const
{
    for (const auto& i : issues)
        if (i.level == IssueLevel::Error)
            return true;
    return false;
}

bool FormState::canSave(const std::set<std::string>& confirmed) const
{
    for (const auto& i : issues) {
        if (i.level == IssueLevel::Error || i.level == IssueLevel::MissingReason)
            return false;
        if (i.level == IssueLevel::Warning && !confirmed.count(i.checkId.empty() ? i.item : i.checkId))
            return false;
    }
    return true;
}

std::vector<Issue> checkValue(const v1::StudyDefinition& def, const v1::Item& item, const ItemValue& value)
{
    std::vector<Issue> out;
    const std::string& t = value.text;
    auto issue = [&](IssueLevel level, std::string msg, const char* code, std::vector<std::string> args) {
        args.insert(args.begin(), item.label());
        out.push_back({item.oid(), "", level, std::move(msg), code, std::move(args)});
    };
    auto error = [&](std::string msg, const char* code, std::vector<std::string> args = {}) {
        issue(IssueLevel::Error, std::move(msg), code, std::move(args));
    };
    auto bounds = [](const v1::Range& r, const std::string& unit) {
        return std::vector<std::string>{r.has_min() ? num(r.min()) : "", r.has_max() ? num(r.max()) : "", unit};
    };
    switch (item.type()) {
    case v1::ITEM_TYPE_INTEGER:
    case v1::ITEM_TYPE_DECIMAL: {
        const auto v = sofa::items::parseNumber(t);
        if (!v) {
            error(item.label() + ": \"" + t + "\" is not a number", kIssueNotANumber, {t});
            break;
        }
        if (item.type() == v1::ITEM_TYPE_INTEGER && std::floor(*v) != *v) {
            error(item.label() + " must be a whole number", kIssueWholeNumber);
            break;
        }
        if (item.units_size() == 0)
            break;
        const v1::UnitRanges* ur = nullptr;
        for (const auto& u : item.units())
            if (u.unit() == value.unit || (value.unit.empty() && &u == &item.units(0)))
                ur = &u;
        if (!ur) {
            error(item.label() + ": unit \"" + value.unit + "\" is not accepted here", kIssueUnit, {value.unit});
            break;
        }
        if (ur->has_hard() && !inRange(ur->hard(), *v)) {
            auto args = bounds(ur->hard(), ur->unit());
            args.insert(args.begin(), t);
            error(item.label() + " must be " + rangeText(ur->hard(), ur->unit()) + "; " + t + " is not possible",
                  kIssueImpossible, std::move(args));
        } else if (ur->has_soft() && !inRange(ur->soft(), *v)) {
            auto args = bounds(ur->soft(), ur->unit());
            args.insert(args.begin(), t);
            issue(IssueLevel::Warning,
                  item.label() + " " + t + " " + ur->unit() + " is unusual (expected " +
                      rangeText(ur->soft(), ur->unit()) + "): check and confirm",
                  kIssueUnusual, std::move(args));
        }
        break;
    }
    case v1::ITEM_TYPE_BOOLEAN:
        if (t != "Y" && t != "N")
            error(item.label() + ": answer yes or no", kIssueYesNo);
        break;
    case v1::ITEM_TYPE_DATE:
        if (!isDate(t))
            error(item.label() + ": a date is written YYYY-MM-DD", kIssueDate);
        break;
    case v1::ITEM_TYPE_DATETIME:
        if (!isDateTime(t))
            error(item.label() + ": a date and time is written YYYY-MM-DDTHH:MM", kIssueDateTime);
        break;
    case v1::ITEM_TYPE_CODE: {
        const v1::CodeList* cl = findCodeList(def, item.code_list_oid());
        bool known = false;
        for (int i = 0; cl && i < cl->items_size(); ++i)
            known = known || cl->items(i).code() == t;
        if (!known)
            error(item.label() + ": \"" + t + "\" is not one of the choices", kIssueNotAChoice, {t});
        break;
    }
    case v1::ITEM_TYPE_TEXT:
    case v1::ITEM_TYPE_PHOTO:
    case v1::ITEM_TYPE_UNSPECIFIED:
    default:
        break;
    }
    return out;
}

FormState evaluateForm(const v1::StudyDefinition& def, const v1::Form& form, const FormValues& entered)
{
    FormState s;
    const auto items = itemsOf(form);
    for (const auto& [oid, v] : entered) {
        const v1::Item* item = findItem(form, oid);
        if (!item || !item->has_derived())
            s.values[oid] = v; // includes "#ND" companions
    }

    // Derived items: the definition is acyclic (validated), so as many passes as derived items settle them all.
    size_t derivedCount = 0;
    for (const auto* i : items)
        derivedCount += i->has_derived();
    for (size_t pass = 0; pass < derivedCount; ++pass) {
        bool changed = false;
        for (const auto* i : items) {
            if (!i->has_derived())
                continue;
            const Calculator* calc = findCalculator(i->derived().calculator());
            if (!calc)
                continue;
            CalculatorInputs in;
            for (const auto& [input, oid] : i->derived().inputs()) {
                auto it = s.values.find(oid);
                if (it != s.values.end() && present(s.values, oid))
                    in.items[input] = it->second;
            }
            for (const auto& [input, value] : i->derived().constants())
                in.constants[input] = value;
            const auto outputs = calc->compute(in);
            const auto out = outputs.find(i->derived().output());
            const std::string text = out == outputs.end() ? std::string() : out->second;
            auto& slot = s.values[i->oid()];
            if (slot.text != text) {
                slot.text = text;
                slot.unit = i->units_size() ? i->units(0).unit() : std::string();
                changed = true;
            }
        }
        if (!changed)
            break;
    }

    // Visibility: an undecided condition hides (the item appears once the controlling answer is given).
    for (const auto& section : form.sections()) {
        const bool sectionVisible =
            !section.has_visible_when() || evaluate(section.visible_when(), s.values) == Tri::True;
        for (const auto& i : section.items()) {
            if (!sectionVisible || (i.has_visible_when() && evaluate(i.visible_when(), s.values) != Tri::True))
                s.hidden.insert(i.oid());
        }
    }

    for (const auto* i : items) {
        if (s.hidden.count(i->oid()) || i->has_derived())
            continue;
        if (present(s.values, i->oid())) {
            for (auto& issue : checkValue(def, *i, s.values.at(i->oid())))
                s.issues.push_back(std::move(issue));
        } else if (i->required()) {
            const std::string nd = i->oid() + kMissingSuffix;
            bool reasoned = false;
            if (present(s.values, nd)) {
                const std::string& r = s.values.at(nd).text;
                const std::string code = r.substr(0, r.find('|'));
                for (const auto& [c, label] : missingReasons())
                    reasoned = reasoned || c == code;
            }
            if (!reasoned)
                s.issues.push_back({i->oid(),
                                    "",
                                    IssueLevel::MissingReason,
                                    i->label() + " is required: enter it, or give the reason it is missing",
                                    kIssueRequired,
                                    {i->label()}});
        }
    }

    for (const auto& c : form.checks()) {
        // Checks read only visible values: a hidden answer does not count.
        FormValues visible;
        for (const auto& [oid, v] : s.values)
            if (!s.hidden.count(oid))
                visible[oid] = v;
        if (evaluate(c.violated_when(), visible) == Tri::True)
            s.issues.push_back({c.item_oids_size() ? c.item_oids(0) : std::string(),
                                c.id(),
                                c.severity() == v1::SEVERITY_WARNING ? IssueLevel::Warning : IssueLevel::Error,
                                c.message(),
                                "",
                                {}});
    }

    if (def.has_eligibility() && def.eligibility().form_oid() == form.oid())
        s.eligibility = evaluateEligibility(def.eligibility(), s.values);
    return s;
}

bool isUrgent(const v1::Form& form, const FormValues& values)
{
    return form.has_urgent_when() && evaluate(form.urgent_when(), values) == Tri::True;
}

} // namespace crf::study
