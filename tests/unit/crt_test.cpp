// Capillary refill stopwatch (core/crt.h): the cut-points of shared FACTS and the guided finger pressure of
// ANDROMEDA-SHOCK, with the times of each action given as a nurse's hands would produce them.
#include "crt.h"

#include <gtest/gtest.h>

using namespace crf;
using crt::Site;

struct CutPoint {
    Site site;
    int64_t refillMs;
    const char* recorded;
    bool abnormal;
};

class CrtCutPoints : public ::testing::TestWithParam<CutPoint> {};

// Finger > 3 s, knee > 4 s abnormal; the recorded value (one decimal, rounded half up) is what the cut applies to.
INSTANTIATE_TEST_SUITE_P(
    Table, CrtCutPoints,
    ::testing::Values(CutPoint{Site::Finger, 2000, "2.0", false}, CutPoint{Site::Finger, 3000, "3.0", false},
                      CutPoint{Site::Finger, 3049, "3.0", false}, CutPoint{Site::Finger, 3050, "3.1", true},
                      CutPoint{Site::Finger, 3100, "3.1", true}, CutPoint{Site::Knee, 3100, "3.1", false},
                      CutPoint{Site::Knee, 4000, "4.0", false}, CutPoint{Site::Knee, 4049, "4.0", false},
                      CutPoint{Site::Knee, 4050, "4.1", true}, CutPoint{Site::Knee, 12345, "12.3", true}));

TEST_P(CrtCutPoints, theRecordedValueIsClassifiedAtTheSiteThreshold)
{
    const auto& c = GetParam();
    crt::Stopwatch watch(c.site);
    ASSERT_TRUE(watch.press(1'000).ok());
    ASSERT_TRUE(watch.release(11'000).ok());
    auto m = watch.colourReturned(11'000 + c.refillMs);
    ASSERT_TRUE(m.ok()) << m.error().text();
    EXPECT_EQ(m->refillText(), c.recorded);
    EXPECT_EQ(m->isAbnormal, c.abnormal);
    EXPECT_EQ(m->releasedAtMs, 11'000);
    EXPECT_EQ(m->site, c.site);
}

TEST(CrtStopwatch, theFingerCountdownGuidesTenSecondsOfPressureThenTimesTheRefill)
{
    crt::Stopwatch watch(Site::Finger);
    EXPECT_EQ(watch.phase(0), crt::Phase::Ready);
    ASSERT_TRUE(watch.press(100'000).ok());
    EXPECT_EQ(watch.pressureLeftMs(100'000), 10'000);
    EXPECT_EQ(watch.guidance(100'000), "Keep pressing: 10 s");
    EXPECT_EQ(watch.guidance(103'200), "Keep pressing: 7 s");
    EXPECT_EQ(watch.pressureLeftMs(110'000), 0);
    EXPECT_EQ(watch.guidance(110'000), "Release now");
    ASSERT_TRUE(watch.release(110'200).ok());
    EXPECT_EQ(watch.phase(110'300), crt::Phase::Timing);
    EXPECT_EQ(watch.guidance(112'600), "Refilling 2.4 s: tap when the colour returns");
    auto m = watch.colourReturned(112'700);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->pressureText(), "10.2");
    EXPECT_EQ(m->refillText(), "2.5");
    EXPECT_FALSE(m->shortPressure);
    EXPECT_FALSE(m->isAbnormal);
    // Repeated measurements: the watch starts again from Done.
    ASSERT_TRUE(watch.press(200'000).ok());
    ASSERT_TRUE(watch.release(210'000).ok());
    EXPECT_TRUE(watch.colourReturned(214'000)->isAbnormal);
}

TEST(CrtStopwatch, aFingerReleasedEarlyIsKeptAndFlaggedTheKneeHasNoCountdown)
{
    crt::Stopwatch finger(Site::Finger);
    ASSERT_TRUE(finger.press(0).ok());
    ASSERT_TRUE(finger.release(6'000).ok());
    auto early = finger.colourReturned(8'000);
    ASSERT_TRUE(early.ok());
    EXPECT_TRUE(early->shortPressure);
    EXPECT_EQ(early->pressureText(), "6.0");

    crt::Stopwatch knee(Site::Knee);
    ASSERT_TRUE(knee.press(0).ok());
    EXPECT_EQ(knee.pressureLeftMs(1'000), 0);
    EXPECT_EQ(knee.guidance(3'000), "Release when blanched (held 3.0 s)");
    ASSERT_TRUE(knee.release(5'000).ok());
    auto m = knee.colourReturned(9'000);
    ASSERT_TRUE(m.ok());
    EXPECT_FALSE(m->shortPressure) << "the knee's pressure time is recorded as applied";
    EXPECT_EQ(m->pressureText(), "5.0");
}

TEST(CrtStopwatch, outOfOrderTapsAreRefusedWithAClearWordAndNothingIsRecorded)
{
    crt::Stopwatch watch(Site::Finger);
    EXPECT_FALSE(watch.release(1'000).ok());
    EXPECT_FALSE(watch.colourReturned(1'000).ok());
    ASSERT_TRUE(watch.press(1'000).ok());
    EXPECT_FALSE(watch.press(2'000).ok()) << "a measurement is under way";
    EXPECT_FALSE(watch.setSite(Site::Knee).ok());
    EXPECT_EQ(watch.colourReturned(2'000).error().what, "release the pressure first");
    EXPECT_FALSE(watch.release(500).ok()) << "a clock that went backwards";
    watch.cancel();
    EXPECT_EQ(watch.phase(3'000), crt::Phase::Ready);
    EXPECT_TRUE(watch.setSite(Site::Knee).ok());
}

TEST(CrtStopwatch, noRefillWithinSixtySecondsGivesUp)
{
    crt::Stopwatch watch(Site::Knee);
    ASSERT_TRUE(watch.press(0).ok());
    ASSERT_TRUE(watch.release(5'000).ok());
    EXPECT_EQ(watch.phase(65'000), crt::Phase::Timing);
    EXPECT_EQ(watch.phase(65'001), crt::Phase::GaveUp);
    EXPECT_FALSE(watch.colourReturned(70'000).ok());
    EXPECT_TRUE(watch.press(80'000).ok()) << "a new measurement after giving up";
}

TEST(CrtSites, codesAreTheStudysCodeList)
{
    EXPECT_EQ(crt::parseSite("FINGER").value(), Site::Finger);
    EXPECT_EQ(crt::parseSite("KNEE").value(), Site::Knee);
    EXPECT_FALSE(crt::parseSite("EAR").ok());
    EXPECT_STREQ(crt::siteCode(Site::Knee), "KNEE");
}
