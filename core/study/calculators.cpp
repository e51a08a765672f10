#include "calculators.h"

#include "dosing.h"
#include "outcomes.h"
#include "sofa.h"
#include "sofa_items.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace crf::study {
namespace {

/// Derived values are stored unrounded (10 significant digits): conditions must see 99.6, not a "100" rounded for
/// display (a P/F ratio of 99.6 is exclusion E8 of I-MICRO). Display rounding is the item's `decimals`.
std::string precise(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

std::optional<double> num(const CalculatorInputs& in, const std::string& name)
{
    if (auto c = in.constants.find(name); c != in.constants.end())
        return c->second;
    auto it = in.items.find(name);
    if (it == in.items.end())
        return std::nullopt;
    return sofa::items::parseNumber(it->second.text);
}

std::string text(const CalculatorInputs& in, const std::string& name)
{
    auto it = in.items.find(name);
    return it == in.items.end() ? std::string() : it->second.text;
}

} // namespace

std::optional<int64_t> parseDateTime(const std::string& s)
{
    int y, mo, d, h, mi, sec = 0;
    char rest[16] = {0};
    int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &sec, rest);
    if (n < 6) {
        sec = 0;
        rest[0] = 0;
        n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d%15s", &y, &mo, &d, &h, &mi, rest);
        if (n < 5)
            return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    int64_t t = timegm(&tm);
    const std::string r = rest;
    if (r.empty() || r == "Z")
        return t;
    int oh = 0, om = 0;
    if ((r[0] == '+' || r[0] == '-') && std::sscanf(r.c_str() + 1, "%2d:%2d", &oh, &om) == 2) {
        const int64_t off = (oh * 60 + om) * 60;
        return r[0] == '+' ? t - off : t + off;
    }
    return std::nullopt;
}

namespace {

std::vector<Calculator> makeRegistry()
{
    std::vector<Calculator> r;

    r.push_back(
        {"sofa",
         {"pao2", "fio2", "respiratory_support", "platelets", "bilirubin", "map", "dopamine", "dobutamine",
          "epinephrine", "norepinephrine", "gcs", "creatinine", "urine"},
         {"respiration", "coagulation", "liver", "cardiovascular", "cns", "renal", "total", "complete", "pf_ratio"},
         "Vincent 1996; shared FACTS 'SOFA'",
         [](const CalculatorInputs& in) {
             namespace it = sofa::items;
             const std::map<std::string, const char*> bind = {{"pao2", it::kPao2},
                                                              {"fio2", it::kFio2},
                                                              {"respiratory_support", it::kRespSupport},
                                                              {"platelets", it::kPlatelets},
                                                              {"bilirubin", it::kBilirubin},
                                                              {"map", it::kMap},
                                                              {"dopamine", it::kDopamine},
                                                              {"dobutamine", it::kDobutamine},
                                                              {"epinephrine", it::kEpinephrine},
                                                              {"norepinephrine", it::kNorepinephrine},
                                                              {"gcs", it::kGcs},
                                                              {"creatinine", it::kCreatinine},
                                                              {"urine", it::kUrine}};
             std::map<std::string, it::Value> values;
             for (const auto& [input, oid] : bind) {
                 auto v = in.items.find(input);
                 if (v != in.items.end())
                     values[oid] = {v->second.text, v->second.unit};
             }
             const auto reading = it::read(values);
             const auto s = sofa::compute(reading.inputs);
             CalculatorOutputs out;
             for (int i = 0; i < sofa::kOrganCount; ++i) {
                 const auto organ = static_cast<sofa::Organ>(i);
                 const auto score = s.organ(organ);
                 out[sofa::organName(organ)] = score ? std::to_string(*score) : "";
             }
             out["total"] = std::to_string(s.total);
             out["complete"] = s.complete ? "Y" : "N";
             out["pf_ratio"] = s.pfRatio ? precise(*s.pfRatio) : "";
             return out;
         }});

    r.push_back({"pf_ratio",
                 {"pao2", "fio2"},
                 {"ratio"},
                 "PaO2 (mmHg) / FiO2 (fraction; entered in %)",
                 [](const CalculatorInputs& in) {
                     CalculatorOutputs out{{"ratio", ""}};
                     const auto pao2 = num(in, "pao2"), fio2 = num(in, "fio2");
                     if (pao2 && fio2 && *fio2 >= 21 && *fio2 <= 100 && *pao2 > 0)
                         out["ratio"] = precise(*pao2 / (*fio2 / 100.0));
                     return out;
                 }});

    r.push_back({"ibw",
                 {"sex", "height"},
                 {"ibw_kg"},
                 "Devine, ARDSNet constants; shared FACTS 'Ideal body weight'",
                 [](const CalculatorInputs& in) {
                     CalculatorOutputs out{{"ibw_kg", ""}};
                     const auto h = num(in, "height");
                     const std::string sex = text(in, "sex");
                     if (h && (sex == "M" || sex == "F")) {
                         auto ibw = dosing::idealBodyWeightKg(sex == "M" ? dosing::Sex::Male : dosing::Sex::Female, *h);
                         if (ibw)
                             out["ibw_kg"] = precise(*ibw);
                     }
                     return out;
                 }});

    r.push_back({"infusion_rate",
                 {"sex", "height", "concentration_ug_ml", "dose_ng_kg_min"},
                 {"rate_ml_h"},
                 "rate = dose x IBW x 60 / (concentration x 1000), unrounded IBW; shared FACTS",
                 [](const CalculatorInputs& in) {
                     CalculatorOutputs out{{"rate_ml_h", ""}};
                     const auto h = num(in, "height"), c = num(in, "concentration_ug_ml"),
                                d = num(in, "dose_ng_kg_min");
                     const std::string sex = text(in, "sex");
                     if (!h || !c || !d || (sex != "M" && sex != "F"))
                         return out;
                     auto ibw = dosing::idealBodyWeightKg(sex == "M" ? dosing::Sex::Male : dosing::Sex::Female, *h);
                     if (!ibw)
                         return out;
                     if (auto rate = dosing::infusionRateMlPerHour(*d, *ibw, *c))
                         out["rate_ml_h"] = precise(*rate);
                     return out;
                 }});

    r.push_back({"hours_between",
                 {"start", "end"},
                 {"hours"},
                 "elapsed hours between two ISO 8601 date-times",
                 [](const CalculatorInputs& in) {
                     CalculatorOutputs out{{"hours", ""}};
                     const auto a = parseDateTime(text(in, "start")), b = parseDateTime(text(in, "end"));
                     if (a && b)
                         out["hours"] = precise(double(*b - *a) / 3600.0);
                     return out;
                 }});

    r.push_back({"free_days",
                 {"days_used", "death_day"},
                 {"free_days"},
                 "28 - days on the support (1-28), 0 if dead on or before D28; shared FACTS 'Day-28 outcomes'",
                 [](const CalculatorInputs& in) {
                     CalculatorOutputs out{{"free_days", ""}};
                     const auto used = num(in, "days_used");
                     if (!used || *used < 0 || *used > outcomes::kHorizonDays || std::floor(*used) != *used)
                         return out;
                     outcomes::Inputs o;
                     for (int d = 1; d <= static_cast<int>(*used); ++d)
                         o.ventilationDays.insert(d);
                     if (auto death = num(in, "death_day"))
                         o.deathDay = static_cast<int>(*death);
                     if (auto r = outcomes::compute(o))
                         out["free_days"] = std::to_string(r->ventilationFreeDays);
                     return out;
                 }});

    r.push_back({"icu_free_days",
                 {"discharge_day", "death_day"},
                 {"icu_free_days"},
                 "28 - ICU discharge day for survivors discharged by D28, else 0; shared FACTS 'Day-28 outcomes'",
                 [](const CalculatorInputs& in) {
                     CalculatorOutputs out{{"icu_free_days", ""}};
                     outcomes::Inputs o;
                     if (auto d = num(in, "discharge_day"))
                         o.icuDischargeDay = static_cast<int>(*d);
                     if (auto death = num(in, "death_day"))
                         o.deathDay = static_cast<int>(*death);
                     if (auto r = outcomes::compute(o))
                         out["icu_free_days"] = std::to_string(r->icuFreeDays);
                     return out;
                 }});

    r.push_back({"quotient",
                 {"numerator", "denominator", "scale"},
                 {"value"},
                 "numerator / denominator x scale (e.g. dose mg/kg / concentration mg/mL = volume mL/kg)",
                 [](const CalculatorInputs& in) {
                     CalculatorOutputs out{{"value", ""}};
                     const auto n = num(in, "numerator"), d = num(in, "denominator");
                     const double scale = num(in, "scale").value_or(1.0);
                     if (n && d && *d != 0)
                         out["value"] = precise(*n / *d * scale);
                     return out;
                 }});
    return r;
}

} // namespace

const std::vector<Calculator>& calculators()
{
    static const std::vector<Calculator> registry = makeRegistry();
    return registry;
}

const Calculator* findCalculator(const std::string& name)
{
    for (const auto& c : calculators()) {
        if (c.name == name)
            return &c;
    }
    return nullptr;
}

} // namespace crf::study
