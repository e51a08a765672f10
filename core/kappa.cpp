#include "kappa.h"

#include <cmath>
#include <string>

namespace crf::kappa {

Result<double> weighted(const std::vector<std::pair<int, int>>& pairs, int categories, Weights w)
{
    if (pairs.empty())
        return Error{"kappa", "no pair of scores"};
    if (categories < 2)
        return Error{"kappa", "at least two categories"};
    const size_t k = static_cast<size_t>(categories);
    std::vector<double> observed(k * k, 0), rowSum(k, 0), colSum(k, 0);
    for (const auto& [a, b] : pairs) {
        if (a < 0 || b < 0 || a >= categories || b >= categories)
            return Error{"kappa", "score " + std::to_string(a < 0 || a >= categories ? a : b) + " outside 0-" +
                                      std::to_string(categories - 1)};
        observed[static_cast<size_t>(a) * k + static_cast<size_t>(b)] += 1;
        rowSum[static_cast<size_t>(a)] += 1;
        colSum[static_cast<size_t>(b)] += 1;
    }
    const double n = static_cast<double>(pairs.size());
    double po = 0, pe = 0;
    for (size_t i = 0; i < k; ++i)
        for (size_t j = 0; j < k; ++j) {
            const double d = (static_cast<double>(i) - static_cast<double>(j)) / static_cast<double>(k - 1);
            const double weight = w == Weights::Linear ? 1 - std::fabs(d) : 1 - d * d;
            po += weight * observed[i * k + j] / n;
            pe += weight * (rowSum[i] / n) * (colSum[j] / n);
        }
    if (std::fabs(1 - pe) < 1e-12)
        return Error{"kappa", "undefined: every rating falls in one category"};
    return (po - pe) / (1 - pe);
}

} // namespace crf::kappa
