// The tablet's own limit on wrong passwords (core/password.h OfflineAttempts): table-driven, on an injected time.
#include "password.h"

#include <gtest/gtest.h>

namespace crf::password {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kAt = 1'800'000'000'000; // when the last wrong password was given

struct WaitCase {
    uint32_t failures;
    int64_t sinceLastMs;
    int64_t expectedWaitMs;
};

class OfflineAttemptsWait : public ::testing::TestWithParam<WaitCase> {};

TEST_P(OfflineAttemptsWait, isTheDoublingWaitLeftAfterTheFreeFailures)
{
    const auto& c = GetParam();
    const OfflineAttempts a{c.failures, kAt};
    EXPECT_EQ(a.waitMs(kAt + c.sinceLastMs), c.expectedWaitMs)
        << c.failures << " failures, " << c.sinceLastMs << " ms after the last";
}

INSTANTIATE_TEST_SUITE_P(CutPoints, OfflineAttemptsWait,
                         ::testing::Values(WaitCase{0, 0, 0},                         // none yet
                                           WaitCase{4, 0, 0},                         // four typos: free
                                           WaitCase{5, 0, kMinute},                   // the fifth: a minute
                                           WaitCase{5, kMinute - 1, 1},               // a millisecond short
                                           WaitCase{5, kMinute, 0},                   // waited: checked again
                                           WaitCase{6, 0, 2 * kMinute},               // doubling
                                           WaitCase{7, 30'000, 4 * kMinute - 30'000}, // part of it waited
                                           WaitCase{8, 0, 8 * kMinute},               //
                                           WaitCase{9, 0, 15 * kMinute},              // 16 min capped at 15
                                           WaitCase{9, 15 * kMinute, 0},              //
                                           WaitCase{5, -3 * 24 * 60 * kMinute,
                                                    kMinute},               // clock set back 3 days: the wait, no more
                                           WaitCase{30, 0, 15 * kMinute})); // far past the cap

TEST(OfflineAttempts, tenWrongPasswordsInARowLeaveOnlyAnOnlineLogin)
{
    OfflineAttempts a;
    for (uint32_t n = 1; n < OfflineAttempts::kMaxFailures; ++n) {
        a = a.failedAt(kAt + n);
        EXPECT_FALSE(a.onlineOnly()) << n;
    }
    a = a.failedAt(kAt + 100);
    EXPECT_TRUE(a.onlineOnly());
    EXPECT_EQ(a.failures, 10u);
    EXPECT_EQ(a.lastFailureMs, kAt + 100);
}

struct AfterWrongCase {
    uint32_t failures;
    const char* said; // "" for nothing
};

class OfflineAttemptsAfterWrong : public ::testing::TestWithParam<AfterWrongCase> {};

TEST_P(OfflineAttemptsAfterWrong, tellsWhatTheNextWrongPasswordsCost)
{
    const auto& c = GetParam();
    EXPECT_EQ((OfflineAttempts{c.failures, kAt}.afterWrong().text), c.said) << c.failures << " failures";
}

INSTANTIATE_TEST_SUITE_P(
    CutPoints, OfflineAttemptsAfterWrong,
    ::testing::Values(
        AfterWrongCase{1, ""}, // a typo: nothing to worry about
        AfterWrongCase{2, "After 3 more wrong password(s), each try on this tablet must wait"},
        AfterWrongCase{4, "After 1 more wrong password(s), each try on this tablet must wait"},
        AfterWrongCase{5, "Try again in 1 min; after 5 more wrong password(s), only an online login (with the network) "
                          "opens this tablet to you"},
        AfterWrongCase{8, "Try again in 8 min; after 2 more wrong password(s), only an online login (with the network) "
                          "opens this tablet to you"},
        AfterWrongCase{9, "Try again in 15 min; after 1 more wrong password(s), only an online login (with the "
                          "network) opens this tablet to you"},
        AfterWrongCase{10, "Only an online login (with the network) opens this tablet to you now"}));

TEST(OfflineAttempts, isKeptAsTextAndADamagedRecordNeverOpensTheGate)
{
    const OfflineAttempts a{7, kAt};
    const OfflineAttempts back = OfflineAttempts::decode(a.encode());
    EXPECT_EQ(back.failures, 7u);
    EXPECT_EQ(back.lastFailureMs, kAt);
    EXPECT_EQ(OfflineAttempts{}.encode(), "");
    EXPECT_EQ(OfflineAttempts::decode("").failures, 0u);
    for (const char* damaged : {"7", "x 1", "7 ", " 1", "7 1x", "-1 5", "99999999999 1"})
        EXPECT_TRUE(OfflineAttempts::decode(damaged).onlineOnly()) << damaged;
}

} // namespace
} // namespace crf::password
