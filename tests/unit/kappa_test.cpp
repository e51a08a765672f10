// Weighted kappa (core/kappa.h), against values worked by hand.
#include "kappa.h"

#include <gtest/gtest.h>

using crf::kappa::weighted;
using crf::kappa::Weights;

TEST(WeightedKappa, perfectAgreementIsOneAndTheHandWorkedExamplesMatch)
{
    EXPECT_DOUBLE_EQ(weighted({{0, 0}, {3, 3}, {5, 5}}, 6).value(), 1.0);
    // 2 categories: linear and quadratic weights both reduce to Cohen's kappa. Pairs: (0,0) (0,1) (1,1) (1,1):
    // po = 3/4; rows 2/4, 2/4; cols 1/4, 3/4; pe = 1/2*1/4 + 1/2*3/4 = 1/2; kappa = (3/4 - 1/2) / (1/2) = 0.5.
    EXPECT_NEAR(weighted({{0, 0}, {0, 1}, {1, 1}, {1, 1}}, 2).value(), 0.5, 1e-12);
    EXPECT_NEAR(weighted({{0, 0}, {0, 1}, {1, 1}, {1, 1}}, 2, Weights::Quadratic).value(), 0.5, 1e-12);
    // 3 categories, linear: pairs (0,0) (1,2) (2,1) (2,2): weights 1, 0.5, 0.5, 1 -> po = 3/4;
    // rows 1/4,1/4,2/4; cols 1/4,1/4,2/4; pe = sum w_ij r_i c_j = 0.5625; kappa = (0.75 - 0.5625)/(0.4375) = 3/7.
    EXPECT_NEAR(weighted({{0, 0}, {1, 2}, {2, 1}, {2, 2}}, 3).value(), 3.0 / 7.0, 1e-12);
}

TEST(WeightedKappa, refusesWhatItCannotCompute)
{
    EXPECT_FALSE(weighted({}, 6).ok());
    EXPECT_FALSE(weighted({{0, 6}}, 6).ok());
    EXPECT_FALSE(weighted({{2, 2}, {2, 2}}, 6).ok()) << "one category only: undefined";
}
