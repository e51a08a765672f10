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
    // Worded from a template (context "Core") whose first argument is the item's label, so a screen in another language
    // words it (ui::messageText) while `message` keeps the English sentence.
    auto issue = [&](IssueLevel level, const char* tmpl, std::vector<Message> args) {
        args.insert(args.begin(), Message(item.label()));
        Message m = message(tmpl, std::move(args));
        out.push_back({item.oid(), "", level, std::move(m.text), std::move(m.tmpl), std::move(m.args)});
    };
    auto error = [&](const char* tmpl, std::vector<Message> args = {}) {
        issue(IssueLevel::Error, tmpl, std::move(args));
    };
    // A range as its template's arguments: its bounds and " unit" (or "").
    auto outside = [&](IssueLevel level, const v1::Range& r, const std::string& unit, const char* between,
                       const char* atLeast, const char* atMost) {
        const std::string u = unit.empty() ? "" : " " + unit;
        if (r.has_min() && r.has_max())
            issue(level, between, {t, u, num(r.min()), num(r.max())});
        else if (r.has_min())
            issue(level, atLeast, {t, u, num(r.min())});
        else
            issue(level, atMost, {t, u, num(r.max())});
    };
    switch (item.type()) {
    case v1::ITEM_TYPE_INTEGER:
    case v1::ITEM_TYPE_DECIMAL: {
        const auto v = sofa::items::parseNumber(t);
        if (!v) {
            error(QT_TRANSLATE_NOOP("Core", "%1: \"%2\" is not a number"), {t});
            break;
        }
        if (item.type() == v1::ITEM_TYPE_INTEGER && std::floor(*v) != *v) {
            error(QT_TRANSLATE_NOOP("Core", "%1 must be a whole number"));
            break;
        }
        if (item.units_size() == 0)
            break;
        const v1::UnitRanges* ur = nullptr;
        for (const auto& u : item.units())
            if (u.unit() == value.unit || (value.unit.empty() && &u == &item.units(0)))
                ur = &u;
        if (!ur) {
            error(QT_TRANSLATE_NOOP("Core", "%1: unit \"%2\" is not accepted here"), {value.unit});
            break;
        }
        // %1 the label, %2 the value, %3 " unit", %4 and %5 the bounds.
        if (ur->has_hard() && !inRange(ur->hard(), *v))
            outside(IssueLevel::Error, ur->hard(), ur->unit(),
                    QT_TRANSLATE_NOOP("Core", "%1 must be between %4 and %5%3; %2 is not possible"),
                    QT_TRANSLATE_NOOP("Core", "%1 must be at least %4%3; %2 is not possible"),
                    QT_TRANSLATE_NOOP("Core", "%1 must be at most %4%3; %2 is not possible"));
        else if (ur->has_soft() && !inRange(ur->soft(), *v))
            outside(IssueLevel::Warning, ur->soft(), ur->unit(),
                    QT_TRANSLATE_NOOP("Core", "%1 %2%3 is unusual (expected between %4 and %5%3): check and confirm"),
                    QT_TRANSLATE_NOOP("Core", "%1 %2%3 is unusual (expected at least %4%3): check and confirm"),
                    QT_TRANSLATE_NOOP("Core", "%1 %2%3 is unusual (expected at most %4%3): check and confirm"));
        break;
    }
    case v1::ITEM_TYPE_BOOLEAN:
        if (t != "Y" && t != "N")
            error(QT_TRANSLATE_NOOP("Core", "%1: answer yes or no"));
        break;
    case v1::ITEM_TYPE_DATE:
        if (!isDate(t))
            error(QT_TRANSLATE_NOOP("Core", "%1: a date is written YYYY-MM-DD"));
        break;
    case v1::ITEM_TYPE_DATETIME:
        if (!isDateTime(t))
            error(QT_TRANSLATE_NOOP("Core", "%1: a date and time is written YYYY-MM-DDTHH:MM"));
        break;
    case v1::ITEM_TYPE_CODE: {
        const v1::CodeList* cl = findCodeList(def, item.code_list_oid());
        bool known = false;
        for (int i = 0; cl && i < cl->items_size(); ++i)
            known = known || cl->items(i).code() == t;
        if (!known)
            error(QT_TRANSLATE_NOOP("Core", "%1: \"%2\" is not one of the choices"), {t});
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
            if (!reasoned) {
                Message m =
                    message(QT_TRANSLATE_NOOP("Core", "%1 is required: enter it, or give the reason it is missing"),
                            {i->label()});
                s.issues.push_back(
                    {i->oid(), "", IssueLevel::MissingReason, std::move(m.text), std::move(m.tmpl), std::move(m.args)});
            }
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
