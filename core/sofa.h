// SOFA calculator (Vincent 1996) with the conventions of docs/clinical.md (shared FACTS "SOFA").
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace crf::sofa {

enum class Organ { Respiration = 0, Coagulation, Liver, Cardiovascular, Cns, Renal };
constexpr int kOrganCount = 6;
const char* organName(Organ organ);

/// Units are persisted by their text code (stable), see unitCode().
enum class MassConcentrationUnit { MgPerDl, UmolPerL };
const char* unitCode(MassConcentrationUnit unit);
std::optional<MassConcentrationUnit> parseUnit(const std::string& code);

/// Raw bedside values. Absent means not measured; absence is never read as normal.
struct Inputs {
    std::optional<double> pfRatio; // PaO2/FiO2 given directly (mmHg); otherwise computed from PaO2 and FiO2
    std::optional<double> pao2MmHg;
    std::optional<double> fio2Percent; // 21 - 100 %, as read on the ventilator
    bool respiratorySupport = false;   // invasive or non-invasive ventilation
    std::optional<double> plateletsK;  // x10^3 / uL
    std::optional<double> bilirubin;
    MassConcentrationUnit bilirubinUnit = MassConcentrationUnit::UmolPerL;
    std::optional<double> mapMmHg;
    // Vasoactive doses in ug/kg/min, each given for at least 1 h. A zero dose means no drug.
    std::optional<double> dopamine;
    std::optional<double> dobutamine;
    std::optional<double> epinephrine;
    std::optional<double> norepinephrine;
    std::optional<int> gcs; // 3 - 15
    std::optional<double> creatinine;
    MassConcentrationUnit creatinineUnit = MassConcentrationUnit::UmolPerL;
    std::optional<double> urineMlPer24h;
};

/// A refused input: which item (its OID, as in sofa_items.h) and why, in words for a clinician.
struct InputError {
    std::string field;
    std::string message;
};

struct Result {
    std::array<std::optional<int>, kOrganCount> organs{};
    std::optional<double> pfRatio;
    int total = 0;         // sum of the organs present
    bool complete = false; // all six organs scored
    std::vector<InputError> errors;

    std::optional<int> organ(Organ o) const { return organs[static_cast<size_t>(o)]; }
};

/// Scores each organ from raw values. An organ whose inputs are missing or refused is missing (not 0).
Result compute(const Inputs& in);

// Single-organ scores, exposed for the table-driven tests of every cut-point.
int respirationScore(double pfRatio, bool respiratorySupport);
int coagulationScore(double plateletsK);
int liverScore(double bilirubin, MassConcentrationUnit unit);
std::optional<int> cardiovascularScore(std::optional<double> map, double dopamine, double dobutamine,
                                       double epinephrine, double norepinephrine);
int cnsScore(int gcs);
int renalCreatinineScore(double creatinine, MassConcentrationUnit unit);
int renalUrineScore(double urineMlPer24h);

} // namespace crf::sofa
