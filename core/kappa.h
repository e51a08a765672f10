// Weighted Cohen's kappa for ordinal scores (site versus central mottling scores, 0-5; docs/sponsor.md).
#pragma once

#include "result.h"

#include <utility>
#include <vector>

namespace crf::kappa {

enum class Weights { Linear, Quadratic };

/// Agreement beyond chance between two raters over `categories` ordered scores (0..categories-1): 1 perfect, 0 chance.
/// Linear weights 1 - |i-j|/(k-1) (Cicchetti-Allison) or quadratic 1 - ((i-j)/(k-1))^2 (Fleiss-Cohen). Refused: no
/// pairs, a score outside the range, or every rating in one category (kappa undefined).
Result<double> weighted(const std::vector<std::pair<int, int>>& pairs, int categories, Weights w = Weights::Linear);

} // namespace crf::kappa
