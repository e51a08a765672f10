#include "dosing.h"

#include <cmath>

namespace crf::dosing {

Result<double> idealBodyWeightKg(Sex sex, double heightCm)
{
    if (!std::isfinite(heightCm) || heightCm < kMinHeightCm || heightCm > kMaxHeightCm)
        return Error{"height_cm", "must be between 100 and 250 cm"};
    const double base = sex == Sex::Male ? 50.0 : 45.5;
    return base + 0.91 * (heightCm - 152.4);
}

Result<double> infusionRateMlPerHour(double dose, double ibwKg, double concentration)
{
    if (!std::isfinite(dose) || dose < 0)
        return Error{"dose", "must be zero or more ng/kg/min"};
    if (!std::isfinite(concentration) || concentration <= 0)
        return Error{"concentration_ug_ml", "must be more than 0 ug/mL"};
    if (!std::isfinite(ibwKg) || ibwKg <= 0)
        return Error{"ibw_kg", "must be more than 0 kg"};
    return dose * ibwKg * 60.0 / (concentration * 1000.0);
}

Result<DoseTable> doseTable(Sex sex, double heightCm, double concentration, const std::vector<double>& levels)
{
    auto ibw = idealBodyWeightKg(sex, heightCm);
    if (!ibw)
        return ibw.error();
    DoseTable t;
    t.ibwKg = *ibw;
    for (size_t i = 0; i < levels.size(); ++i) {
        auto rate = infusionRateMlPerHour(levels[i], t.ibwKg, concentration);
        if (!rate) {
            Error e = rate.error();
            if (e.where == "dose")
                e.where = "levels_ng_kg_min[" + std::to_string(i) + "]";
            return e;
        }
        t.ratesMlH.push_back(*rate);
    }
    return t;
}

double roundTo(double value, int decimals)
{
    const double f = std::pow(10.0, decimals);
    // The small nudge keeps 2.1 * 100 = 209.99999... from rounding down (binary representation).
    return std::round(value * f + (value >= 0 ? 1e-9 : -1e-9)) / f;
}

} // namespace crf::dosing
