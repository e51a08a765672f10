#include "sofa.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace crf::sofa {

const char* organName(Organ organ)
{
    switch (organ) {
    case Organ::Respiration:
        return "respiration";
    case Organ::Coagulation:
        return "coagulation";
    case Organ::Liver:
        return "liver";
    case Organ::Cardiovascular:
        return "cardiovascular";
    case Organ::Cns:
        return "cns";
    case Organ::Renal:
        return "renal";
    }
    return "?";
}

const char* unitCode(MassConcentrationUnit unit)
{
    switch (unit) {
    case MassConcentrationUnit::MgPerDl:
        return "mg/dL";
    case MassConcentrationUnit::UmolPerL:
        return "umol/L";
    }
    return "?";
}

std::optional<MassConcentrationUnit> parseUnit(const std::string& code)
{
    if (code == "mg/dL")
        return MassConcentrationUnit::MgPerDl;
    if (code == "umol/L")
        return MassConcentrationUnit::UmolPerL;
    return std::nullopt;
}

int respirationScore(double pf, bool support)
{
    // Vincent 1996: scores 3 and 4 require respiratory support; without it the score is at most 2.
    if (pf < 100 && support)
        return 4;
    if (pf < 200 && support)
        return 3;
    if (pf < 300)
        return 2;
    if (pf < 400)
        return 1;
    return 0;
}

int coagulationScore(double p)
{
    if (p < 20)
        return 4;
    if (p < 50)
        return 3;
    if (p < 100)
        return 2;
    if (p < 150)
        return 1;
    return 0;
}

int liverScore(double b, MassConcentrationUnit unit)
{
    if (unit == MassConcentrationUnit::MgPerDl) {
        // Lower bound of each band inclusive: 1.2 -> 1, 2.0 -> 2, 6.0 -> 3, 12.0 -> 4.
        if (b >= 12.0)
            return 4;
        if (b >= 6.0)
            return 3;
        if (b >= 2.0)
            return 2;
        if (b >= 1.2)
            return 1;
        return 0;
    }
    // Printed umol/L column: <20, 20-32, 33-101, 102-204, >204. Between printed integers the lower
    // bound of the next band is inclusive (32.5 -> 1), and 204 belongs to band 3 (">204 -> 4").
    if (b > 204)
        return 4;
    if (b >= 102)
        return 3;
    if (b >= 33)
        return 2;
    if (b >= 20)
        return 1;
    return 0;
}

std::optional<int> cardiovascularScore(std::optional<double> map, double dopa, double dobu, double epi, double nore)
{
    // The highest applicable score wins; a zero dose is no drug.
    if (dopa > 15 || epi > 0.1 || nore > 0.1)
        return 4;
    if (dopa > 5 || epi > 0 || nore > 0)
        return 3;
    if (dopa > 0 || dobu > 0)
        return 2;
    if (!map)
        return std::nullopt;
    return *map < 70 ? 1 : 0;
}

int cnsScore(int gcs)
{
    if (gcs >= 15)
        return 0;
    if (gcs >= 13)
        return 1;
    if (gcs >= 10)
        return 2;
    if (gcs >= 6)
        return 3;
    return 4;
}

int renalCreatinineScore(double c, MassConcentrationUnit unit)
{
    if (unit == MassConcentrationUnit::MgPerDl) {
        if (c >= 5.0)
            return 4;
        if (c >= 3.5)
            return 3;
        if (c >= 2.0)
            return 2;
        if (c >= 1.2)
            return 1;
        return 0;
    }
    // Printed umol/L column: <110, 110-170, 171-299, 300-440, >440 (same boundary convention as bilirubin).
    if (c > 440)
        return 4;
    if (c >= 300)
        return 3;
    if (c >= 171)
        return 2;
    if (c >= 110)
        return 1;
    return 0;
}

int renalUrineScore(double urine)
{
    if (urine < 200)
        return 4;
    if (urine < 500)
        return 3;
    return 0;
}

namespace {

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// Hard ranges: values outside are physiologically impossible or a unit mix-up; they are refused.
bool inRange(Result& r, const char* field, const std::optional<double>& v, double lo, double hi, const char* unit)
{
    if (!v)
        return false;
    if (!std::isfinite(*v) || *v < lo || *v > hi) {
        r.errors.push_back({field, "must be between " + number(lo) + " and " + number(hi) + " " + unit});
        return false;
    }
    return true;
}

void set(Result& r, Organ o, std::optional<int> score)
{
    r.organs[static_cast<size_t>(o)] = score;
}

} // namespace

Result compute(const Inputs& in)
{
    Result r;

    if (in.pfRatio) {
        if (inRange(r, "PF_RATIO", in.pfRatio, 10, 1000, "mmHg"))
            r.pfRatio = *in.pfRatio;
    } else {
        const bool pao2Ok = inRange(r, "PAO2", in.pao2MmHg, 20, 800, "mmHg");
        const bool fio2Ok = inRange(r, "FIO2", in.fio2Percent, 21, 100, "%");
        if (pao2Ok && fio2Ok)
            r.pfRatio = *in.pao2MmHg / (*in.fio2Percent / 100.0);
    }
    if (r.pfRatio)
        set(r, Organ::Respiration, respirationScore(*r.pfRatio, in.respiratorySupport));

    if (inRange(r, "PLATELETS", in.plateletsK, 0, 2000, "x10^3/uL"))
        set(r, Organ::Coagulation, coagulationScore(*in.plateletsK));

    const bool biliMg = in.bilirubinUnit == MassConcentrationUnit::MgPerDl;
    if (inRange(r, "BILI", in.bilirubin, 0, biliMg ? 60 : 1000, biliMg ? "mg/dL" : "umol/L"))
        set(r, Organ::Liver, liverScore(*in.bilirubin, in.bilirubinUnit));

    const bool mapOk = inRange(r, "MAP", in.mapMmHg, 10, 250, "mmHg");
    const size_t errorsBefore = r.errors.size();
    auto dose = [&](const char* field, const std::optional<double>& v, double hi) {
        return inRange(r, field, v, 0, hi, "ug/kg/min") ? *v : 0.0;
    };
    const double dopa = dose("DOPAMINE", in.dopamine, 50);
    const double dobu = dose("DOBUTAMINE", in.dobutamine, 40);
    const double epi = dose("EPINEPHRINE", in.epinephrine, 10);
    const double nore = dose("NOREPINEPHRINE", in.norepinephrine, 10);
    const bool anyDrug = in.dopamine || in.dobutamine || in.epinephrine || in.norepinephrine;
    // A refused dose makes the organ missing: scoring around it could understate shock severity.
    if (r.errors.size() == errorsBefore && (mapOk || anyDrug))
        set(r, Organ::Cardiovascular, cardiovascularScore(mapOk ? in.mapMmHg : std::nullopt, dopa, dobu, epi, nore));

    if (in.gcs) {
        if (*in.gcs < 3 || *in.gcs > 15)
            r.errors.push_back({"GCS", "Glasgow Coma Scale must be a whole number from 3 to 15"});
        else
            set(r, Organ::Cns, cnsScore(*in.gcs));
    }

    const bool creaMg = in.creatinineUnit == MassConcentrationUnit::MgPerDl;
    std::optional<int> renal;
    if (inRange(r, "CREAT", in.creatinine, 0, creaMg ? 30 : 2700, creaMg ? "mg/dL" : "umol/L"))
        renal = renalCreatinineScore(*in.creatinine, in.creatinineUnit);
    if (inRange(r, "URINE_24H", in.urineMlPer24h, 0, 20000, "mL/24 h"))
        renal = std::max(renal.value_or(0), renalUrineScore(*in.urineMlPer24h));
    set(r, Organ::Renal, renal);

    int present = 0;
    for (const auto& o : r.organs) {
        if (o) {
            r.total += *o;
            ++present;
        }
    }
    r.complete = present == kOrganCount;
    return r;
}

} // namespace crf::sofa
