#include "sofa_items.h"

#include <cmath>
#include <cstdlib>

namespace crf::sofa::items {

const std::vector<std::string>& all()
{
    static const std::vector<std::string> items = {kPao2, kFio2,       kRespSupport, kPlatelets,   kBilirubin,
                                                   kMap,  kDopamine,   kDobutamine,  kEpinephrine, kNorepinephrine,
                                                   kGcs,  kCreatinine, kUrine};
    return items;
}

std::string fixedUnit(const std::string& item)
{
    if (item == kPao2 || item == kMap)
        return "mmHg";
    if (item == kFio2)
        return "%";
    if (item == kPlatelets)
        return "10^3/uL";
    if (item == kDopamine || item == kDobutamine || item == kEpinephrine || item == kNorepinephrine)
        return "ug/kg/min";
    if (item == kUrine)
        return "mL/24h";
    return "";
}

std::optional<double> parseNumber(const std::string& text)
{
    size_t b = text.find_first_not_of(" \t");
    size_t e = text.find_last_not_of(" \t");
    if (b == std::string::npos)
        return std::nullopt;
    std::string s = text.substr(b, e - b + 1);
    for (char& c : s) {
        if (c == ',')
            c = '.'; // French sites type a decimal comma
        else if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+'))
            return std::nullopt;
    }
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

Reading read(const std::map<std::string, Value>& values)
{
    Reading r;
    auto blank = [](const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; };
    auto number = [&](const char* item) -> std::optional<double> {
        auto it = values.find(item);
        if (it == values.end() || blank(it->second.text))
            return std::nullopt;
        auto v = parseNumber(it->second.text);
        if (!v)
            r.errors.push_back({item, "\"" + it->second.text + "\" is not a number"});
        return v;
    };
    auto unit = [&](const char* item, MassConcentrationUnit& out) {
        auto it = values.find(item);
        if (it == values.end() || it->second.unit.empty())
            return;
        if (auto u = parseUnit(it->second.unit))
            out = *u;
        else
            r.errors.push_back({item, "unknown unit \"" + it->second.unit + "\" (use mg/dL or umol/L)"});
    };

    r.inputs.pao2MmHg = number(kPao2);
    r.inputs.fio2Percent = number(kFio2);
    if (auto it = values.find(kRespSupport); it != values.end())
        r.inputs.respiratorySupport = it->second.text == "Y";
    r.inputs.plateletsK = number(kPlatelets);
    r.inputs.bilirubin = number(kBilirubin);
    unit(kBilirubin, r.inputs.bilirubinUnit);
    r.inputs.mapMmHg = number(kMap);
    r.inputs.dopamine = number(kDopamine);
    r.inputs.dobutamine = number(kDobutamine);
    r.inputs.epinephrine = number(kEpinephrine);
    r.inputs.norepinephrine = number(kNorepinephrine);
    if (auto gcs = number(kGcs)) {
        if (std::floor(*gcs) != *gcs)
            r.errors.push_back({kGcs, "Glasgow Coma Scale must be a whole number from 3 to 15"});
        else
            r.inputs.gcs = static_cast<int>(*gcs);
    }
    r.inputs.creatinine = number(kCreatinine);
    unit(kCreatinine, r.inputs.creatinineUnit);
    r.inputs.urineMlPer24h = number(kUrine);
    return r;
}

} // namespace crf::sofa::items
