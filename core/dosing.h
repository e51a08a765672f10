// Ideal body weight (Devine, ARDSNet constants) and weight-based infusion rates (shared FACTS "Ideal body weight").
#pragma once

#include "result.h"

#include <string>
#include <vector>

namespace crf::dosing {

enum class Sex { Male, Female };

/// Accepted heights (FACTS: 100-250 cm); outside is refused, naming the field.
inline constexpr double kMinHeightCm = 100;
inline constexpr double kMaxHeightCm = 250;

/// IBW kg: male 50 + 0.91 x (height - 152.4); female 45.5 + 0.91 x (height - 152.4). No floor below 152.4 cm
/// (ARDS Network protocol constants; the Devine formula in cm).
Result<double> idealBodyWeightKg(Sex sex, double heightCm);

/// Rate mL/h = dose ng/kg/min x IBW kg x 60 / (concentration ug/mL x 1000), from the unrounded IBW.
/// The rate never depends on the arm (blinding, I-MICRO protocol "Ilomedin").
Result<double> infusionRateMlPerHour(double doseNgPerKgMin, double ibwKg, double concentrationUgPerMl);

struct DoseTable {
    double ibwKg = 0;             // unrounded
    std::vector<double> ratesMlH; // unrounded, one per level
};
Result<DoseTable> doseTable(Sex sex, double heightCm, double concentrationUgPerMl, const std::vector<double>& levels);

/// Rounds half away from zero to `decimals` places (display: IBW 0.1 kg, rates 0.01 mL/h).
double roundTo(double value, int decimals);

} // namespace crf::dosing
