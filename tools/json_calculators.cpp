#include "json_calculators.h"

#include "definition.h"
#include "dosing.h"
#include "outcomes.h"
#include "sofa.h"
#include "translation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <map>
#include <set>

namespace crf::tools {
namespace {

/// A refusal naming the field; thrown inside a calculator, turned into exit status 2 at its boundary.
struct Refusal {
    std::string field;
    std::string message;
};

QJsonObject parseObject(const std::string& input)
{
    QJsonParseError err{};
    const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(input), &err);
    if (err.error != QJsonParseError::NoError)
        throw Refusal{"input",
                      "not JSON: " + err.errorString().toStdString() + " at offset " + std::to_string(err.offset)};
    if (!doc.isObject())
        throw Refusal{"input", "expected one JSON object"};
    return doc.object();
}

void onlyKnownFields(const QJsonObject& o, const std::set<std::string>& known)
{
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!known.count(it.key().toStdString()))
            throw Refusal{it.key().toStdString(), "unknown field"};
}

std::optional<double> optNumber(const QJsonObject& o, const char* field, bool nonNegative = true)
{
    if (!o.contains(field) || o.value(field).isNull())
        return std::nullopt;
    const auto v = o.value(field);
    if (!v.isDouble())
        throw Refusal{field, "must be a number"};
    const double d = v.toDouble();
    if (!std::isfinite(d))
        throw Refusal{field, "must be a finite number"};
    if (nonNegative && d < 0)
        throw Refusal{field, "must not be negative"};
    return d;
}

double number(const QJsonObject& o, const char* field)
{
    auto v = optNumber(o, field);
    if (!v)
        throw Refusal{field, "is required"};
    return *v;
}

std::optional<int> optInteger(const QJsonObject& o, const char* field)
{
    auto v = optNumber(o, field);
    if (!v)
        return std::nullopt;
    if (std::floor(*v) != *v || std::fabs(*v) > 1e6)
        throw Refusal{field, "must be a whole number"};
    return static_cast<int>(*v);
}

/// {"value": n, "unit": "mg/dL"|"umol/L"}
std::optional<std::pair<double, sofa::MassConcentrationUnit>> quantity(const QJsonObject& o, const char* field)
{
    if (!o.contains(field) || o.value(field).isNull())
        return std::nullopt;
    if (!o.value(field).isObject())
        throw Refusal{field, "must be an object {\"value\": number, \"unit\": \"mg/dL\" or \"umol/L\"}"};
    const auto q = o.value(field).toObject();
    onlyKnownFields(q, {"value", "unit"});
    const std::string f = field;
    if (!q.value("value").isDouble())
        throw Refusal{f + ".value", "must be a number"};
    const double v = q.value("value").toDouble();
    if (!std::isfinite(v) || v < 0)
        throw Refusal{f + ".value", "must not be negative"};
    if (!q.value("unit").isString())
        throw Refusal{f + ".unit", "must be \"mg/dL\" or \"umol/L\""};
    const auto unit = sofa::parseUnit(q.value("unit").toString().toStdString());
    if (!unit)
        throw Refusal{f + ".unit", "unknown unit \"" + q.value("unit").toString().toStdString() +
                                       "\" (use \"mg/dL\" or \"umol/L\")"};
    return std::pair{v, *unit};
}

std::string dump(const QJsonObject& o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString() + "\n";
}

template <typename F> CliResult guarded(F&& f)
{
    try {
        return {0, f(), {}};
    } catch (const Refusal& r) {
        return {2, {}, r.field + ": " + r.message + "\n"};
    }
}

std::set<int> dayList(const QJsonObject& o, const char* field)
{
    std::set<int> out;
    if (!o.contains(field) || o.value(field).isNull())
        return out;
    if (!o.value(field).isArray())
        throw Refusal{field, "must be an array of study days (1-28)"};
    const auto a = o.value(field).toArray();
    for (int i = 0; i < a.size(); ++i) {
        const std::string f = std::string(field) + "[" + std::to_string(i) + "]";
        if (!a[i].isDouble() || std::floor(a[i].toDouble()) != a[i].toDouble())
            throw Refusal{f, "must be a whole study day"};
        const int d = static_cast<int>(a[i].toDouble());
        if (d < 1 || d > outcomes::kHorizonDays)
            throw Refusal{f, "study day " + std::to_string(d) + " is outside 1-28"};
        if (!out.insert(d).second)
            throw Refusal{f, "day " + std::to_string(d) + " is listed twice"};
    }
    return out;
}

} // namespace

CliResult sofaJson(const std::string& input)
{
    return guarded([&] {
        const auto o = parseObject(input);
        onlyKnownFields(o, {"pao2_fio2_mmhg", "respiratory_support", "platelets_10e3_per_ul", "bilirubin", "map_mmhg",
                            "dopamine_ug_kg_min", "dobutamine_ug_kg_min", "epinephrine_ug_kg_min",
                            "norepinephrine_ug_kg_min", "gcs", "creatinine", "urine_output_ml_24h"});
        sofa::Inputs in;
        in.pfRatio = optNumber(o, "pao2_fio2_mmhg");
        if (o.contains("respiratory_support") && !o.value("respiratory_support").isNull()) {
            if (!o.value("respiratory_support").isBool())
                throw Refusal{"respiratory_support", "must be true or false"};
            in.respiratorySupport = o.value("respiratory_support").toBool();
        }
        in.plateletsK = optNumber(o, "platelets_10e3_per_ul");
        if (auto b = quantity(o, "bilirubin")) {
            in.bilirubin = b->first;
            in.bilirubinUnit = b->second;
        }
        in.mapMmHg = optNumber(o, "map_mmhg");
        in.dopamine = optNumber(o, "dopamine_ug_kg_min");
        in.dobutamine = optNumber(o, "dobutamine_ug_kg_min");
        in.epinephrine = optNumber(o, "epinephrine_ug_kg_min");
        in.norepinephrine = optNumber(o, "norepinephrine_ug_kg_min");
        if (o.contains("gcs") && !o.value("gcs").isNull()) {
            const auto v = o.value("gcs");
            if (!v.isDouble() || std::floor(v.toDouble()) != v.toDouble() || v.toDouble() < 3 || v.toDouble() > 15)
                throw Refusal{"gcs", "must be a whole number from 3 to 15"};
            in.gcs = static_cast<int>(v.toDouble());
        }
        if (auto c = quantity(o, "creatinine")) {
            in.creatinine = c->first;
            in.creatinineUnit = c->second;
        }
        in.urineMlPer24h = optNumber(o, "urine_output_ml_24h");

        const auto r = sofa::compute(in);
        if (!r.errors.empty()) {
            // Core names items by OID; report the JSON field the caller wrote.
            static const std::map<std::string, std::string> field = {{"PF_RATIO", "pao2_fio2_mmhg"},
                                                                     {"PLATELETS", "platelets_10e3_per_ul"},
                                                                     {"BILI", "bilirubin.value"},
                                                                     {"MAP", "map_mmhg"},
                                                                     {"DOPAMINE", "dopamine_ug_kg_min"},
                                                                     {"DOBUTAMINE", "dobutamine_ug_kg_min"},
                                                                     {"EPINEPHRINE", "epinephrine_ug_kg_min"},
                                                                     {"NOREPINEPHRINE", "norepinephrine_ug_kg_min"},
                                                                     {"GCS", "gcs"},
                                                                     {"CREAT", "creatinine.value"},
                                                                     {"URINE_24H", "urine_output_ml_24h"}};
            const auto& e = r.errors.front();
            const auto f = field.find(e.field);
            throw Refusal{f == field.end() ? e.field : f->second, e.message};
        }
        QJsonObject out;
        for (int i = 0; i < sofa::kOrganCount; ++i) {
            const auto organ = static_cast<sofa::Organ>(i);
            const auto s = r.organ(organ);
            out.insert(sofa::organName(organ), s ? QJsonValue(*s) : QJsonValue(QJsonValue::Null));
        }
        out.insert("total", r.total);
        out.insert("complete", r.complete);
        return dump(out);
    });
}

CliResult doseJson(const std::string& input)
{
    return guarded([&] {
        const auto o = parseObject(input);
        onlyKnownFields(o, {"sex", "height_cm", "concentration_ug_ml", "levels_ng_kg_min"});
        if (!o.value("sex").isString())
            throw Refusal{"sex", "must be \"male\" or \"female\""};
        const auto sexText = o.value("sex").toString();
        if (sexText != "male" && sexText != "female")
            throw Refusal{"sex", "must be \"male\" or \"female\""};
        const double height = number(o, "height_cm");
        const double concentration = number(o, "concentration_ug_ml");
        if (!o.value("levels_ng_kg_min").isArray())
            throw Refusal{"levels_ng_kg_min", "must be an array of doses in ng/kg/min"};
        std::vector<double> levels;
        const auto a = o.value("levels_ng_kg_min").toArray();
        for (int i = 0; i < a.size(); ++i) {
            const std::string f = "levels_ng_kg_min[" + std::to_string(i) + "]";
            if (!a[i].isDouble() || !std::isfinite(a[i].toDouble()))
                throw Refusal{f, "must be a number"};
            if (a[i].toDouble() < 0)
                throw Refusal{f, "must not be negative"};
            levels.push_back(a[i].toDouble());
        }
        auto table = dosing::doseTable(sexText == "male" ? dosing::Sex::Male : dosing::Sex::Female, height,
                                       concentration, levels);
        if (!table)
            throw Refusal{table.error().where, table.error().what};
        QJsonObject out;
        out.insert("ibw_kg", dosing::roundTo(table->ibwKg, 1));
        QJsonArray rates;
        for (double r : table->ratesMlH)
            rates.append(dosing::roundTo(r, 2));
        out.insert("rates_ml_h", rates);
        return dump(out);
    });
}

CliResult outcomesJson(const std::string& input)
{
    return guarded([&] {
        const auto o = parseObject(input);
        onlyKnownFields(
            o, {"sofa_by_day", "death_day", "ventilation_days", "rrt_days", "vasopressor_days", "icu_discharge_day"});
        outcomes::Inputs in;
        if (o.contains("sofa_by_day") && !o.value("sofa_by_day").isNull()) {
            if (!o.value("sofa_by_day").isObject())
                throw Refusal{"sofa_by_day", "must be an object: study day -> SOFA total"};
            const auto s = o.value("sofa_by_day").toObject();
            for (auto it = s.begin(); it != s.end(); ++it) {
                const std::string f = "sofa_by_day." + it.key().toStdString();
                bool ok = false;
                const int day = it.key().toInt(&ok);
                if (!ok || day < 0 || day > outcomes::kHorizonDays)
                    throw Refusal{f, "the key must be a study day 0-28"};
                const auto v = it.value();
                if (!v.isDouble() || std::floor(v.toDouble()) != v.toDouble() || v.toDouble() < 0 || v.toDouble() > 24)
                    throw Refusal{f, "a SOFA total is a whole number 0-24"};
                in.sofaByDay[day] = static_cast<int>(v.toDouble());
            }
        }
        in.deathDay = optInteger(o, "death_day");
        in.icuDischargeDay = optInteger(o, "icu_discharge_day");
        in.ventilationDays = dayList(o, "ventilation_days");
        in.rrtDays = dayList(o, "rrt_days");
        in.vasopressorDays = dayList(o, "vasopressor_days");
        auto r = outcomes::compute(in);
        if (!r)
            throw Refusal{r.error().where, r.error().what};
        QJsonObject out;
        out.insert("delta_sofa", r->deltaSofa ? QJsonValue(*r->deltaSofa) : QJsonValue(QJsonValue::Null));
        out.insert("ventilation_free_days", r->ventilationFreeDays);
        out.insert("rrt_free_days", r->rrtFreeDays);
        out.insert("vasopressor_free_days", r->vasopressorFreeDays);
        out.insert("icu_free_days", r->icuFreeDays);
        out.insert("dead_at_day28", r->deadAtDay28);
        return dump(out);
    });
}

CliResult studyCheck(const std::string& path)
{
    auto def = study::loadDefinition(path);
    if (!def)
        return {2, {}, def.error().text() + "\n"};
    int items = 0, derived = 0, siteOnly = 0, checks = 0;
    for (const auto& f : def->forms()) {
        checks += f.checks_size();
        for (const auto* i : study::itemsOf(f)) {
            ++items;
            derived += i->has_derived();
            siteOnly += i->site_only();
        }
    }
    const auto& e = def->eligibility();
    std::string out = def->study_id() + " version " + def->version() + ": valid\n  " +
                      std::to_string(def->visits_size()) + " visits, " + std::to_string(def->forms_size()) +
                      " forms, " + std::to_string(items) + " items (" + std::to_string(derived) + " derived, " +
                      std::to_string(siteOnly) + " site-only), " + std::to_string(checks) + " edit checks, " +
                      std::to_string(def->code_lists_size()) + " code lists, " + std::to_string(def->arms_size()) +
                      " arms, eligibility " + std::to_string(e.inclusion_size()) + " inclusion / " +
                      std::to_string(e.exclusion_size()) + " exclusion criteria\n";
    // Translations: how many of the definition's texts each language gives, and the first missing ones.
    const size_t texts = study::untranslated(*def, "").size();
    std::map<std::string, std::pair<size_t, size_t>> languages; // texts, unit labels
    for (const auto& [language, block] : def->translations())
        for (const auto& [key, text] : block.texts())
            ++(key.rfind("unit.", 0) == 0 ? languages[language].second : languages[language].first);
    for (const auto& [language, given] : languages) {
        const auto missing = study::untranslated(*def, language);
        out += "  translations " + language + ": " + std::to_string(given.first) + " of " + std::to_string(texts) +
               " texts, " + std::to_string(given.second) + " unit labels";
        for (size_t i = 0; i < missing.size() && i < 5; ++i)
            out += (i ? ", " : "; missing: ") + missing[i];
        out += missing.size() > 5 ? ", ...\n" : "\n";
    }
    return {0, out, {}};
}

} // namespace crf::tools
