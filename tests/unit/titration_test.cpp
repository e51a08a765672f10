// Specification of the study-drug titration timer (I-MICRO protocol "Ilomedin"; FACTS "Ideal body weight and
// infusion rates"): times in minutes after the start, on an injected clock.
#include "titration.h"

#include <gtest/gtest.h>

using namespace crf::titration;

namespace {
constexpr int64_t kMin = 60 * 1000;
constexpr int64_t kT0 = 1'700'000'000'000;
int64_t at(int64_t minutes)
{
    return kT0 + minutes * kMin;
}
} // namespace

struct StepRow {
    int64_t minute;
    double dose;
    Phase phase;
};

TEST(Titration, startsAtHalfAndStepsUpEvery30MinutesToOnePointFiveThenHolds)
{
    Titration t;
    EXPECT_EQ(t.advise(at(0)).phase, Phase::NotStarted);
    t.start(at(0));
    const StepRow rows[] = {
        {0, 0.5, Phase::StepUp},
        {29, 0.5, Phase::StepUp},
        {30, 1.0, Phase::StepUp},
        {59, 1.0, Phase::StepUp},
        {60, 1.5, Phase::Holding},
        {600, 1.5, Phase::Holding},
        {48 * 60 - 1, 1.5, Phase::Holding},
        {48 * 60, 0, Phase::Completed},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE("minute " + std::to_string(r.minute));
        auto a = t.advise(at(r.minute));
        EXPECT_DOUBLE_EQ(a.doseNgKgMin, r.dose);
        EXPECT_EQ(a.phase, r.phase);
    }
}

TEST(Titration, theNextStepTimeIsShownForTheTimer)
{
    Titration t;
    t.start(at(0));
    EXPECT_EQ(t.advise(at(10)).nextStepAtMs, at(30));
    EXPECT_EQ(t.advise(at(31)).nextStepAtMs, at(60));
    EXPECT_EQ(t.advise(at(61)).nextStepAtMs, 0);
}

TEST(Titration, hypotensionStepsDownOneLevelEvery15MinutesAndStopsBelowTheFirst)
{
    Titration t;
    t.start(at(0));
    t.advise(at(70)); // at 1.5
    t.hypotension(at(70));
    auto a = t.advise(at(70));
    EXPECT_EQ(a.phase, Phase::StepDown);
    EXPECT_DOUBLE_EQ(a.doseNgKgMin, 1.5);
    EXPECT_NE(a.instruction.text.find("norepinephrine"), std::string::npos);
    EXPECT_DOUBLE_EQ(t.advise(at(85)).doseNgKgMin, 1.0);
    EXPECT_DOUBLE_EQ(t.advise(at(100)).doseNgKgMin, 0.5);
    a = t.advise(at(115));
    EXPECT_EQ(a.phase, Phase::Stopped);
    EXPECT_DOUBLE_EQ(a.doseNgKgMin, 0);
}

TEST(Titration, aResolvedStepDownHoldsTheLevelReached)
{
    Titration t;
    t.start(at(0));
    t.hypoxaemia(at(35)); // after the increase to 1.0
    EXPECT_DOUBLE_EQ(t.advise(at(50)).doseNgKgMin, 0.5);
    t.resolved(at(55));
    auto a = t.advise(at(300));
    EXPECT_EQ(a.phase, Phase::Holding);
    EXPECT_DOUBLE_EQ(a.doseNgKgMin, 0.5);
}

TEST(Titration, severeHypotensionAndBleedingStopForGood)
{
    Titration t;
    t.start(at(0));
    t.severeHypotension(at(20));
    EXPECT_EQ(t.advise(at(21)).phase, Phase::Stopped);
    EXPECT_FALSE(t.resume(at(1000)));

    Titration b;
    b.start(at(0));
    b.severeBleeding(at(5));
    auto a = b.advise(at(6));
    EXPECT_EQ(a.phase, Phase::Stopped);
    EXPECT_NE(a.instruction.text.find("do not restart"), std::string::npos);
}

TEST(Titration, surgeryPausesAndMayResumeSixHoursLaterAtTheFirstLevelWithin48HoursOfInfusion)
{
    Titration t;
    t.start(at(0));
    t.surgery(at(120)); // 2 h infused
    auto a = t.advise(at(121));
    EXPECT_EQ(a.phase, Phase::Paused);
    EXPECT_EQ(a.nextStepAtMs, at(120 + 360));
    EXPECT_FALSE(t.resume(at(120 + 359)));
    EXPECT_TRUE(t.resume(at(120 + 360)));
    EXPECT_DOUBLE_EQ(t.advise(at(480)).doseNgKgMin, 0.5);
    // 46 h left after the pause: completes at 480 + 46 h, not 48 h after the first start.
    EXPECT_EQ(t.advise(at(480 + 46 * 60 - 1)).phase, Phase::Holding);
    EXPECT_EQ(t.advise(at(480 + 46 * 60)).phase, Phase::Completed);
}

// The timer is its log replayed: a tablet restarted or locked mid-infusion shows the same step, dose and next step.
TEST(TitrationLog, aReplayedLogGivesTheSameTimerAsTheBedsideDid)
{
    Titration live;
    EXPECT_TRUE(live.apply(Action::Start, at(0)));
    EXPECT_TRUE(live.apply(Action::Hypotension, at(40)));
    EXPECT_TRUE(live.apply(Action::Resolved, at(50)));
    EXPECT_TRUE(live.apply(Action::Surgery, at(70)));
    EXPECT_FALSE(live.apply(Action::Resume, at(100))) << "before the 6 h: refused and not logged";
    EXPECT_TRUE(live.apply(Action::Resume, at(70 + 6 * 60)));
    ASSERT_EQ(live.log().size(), 5u);

    const auto read = readLog(writeLog(live.log()));
    ASSERT_TRUE(read.ok()) << read.error().text();
    EXPECT_EQ(*read, live.log());
    Titration replayed = Titration::replay({}, *read);
    for (int64_t minute : {70 + 6 * 60, 70 + 6 * 60 + 31, 70 + 6 * 60 + 95}) {
        const Advice a = live.advise(at(minute)), b = replayed.advise(at(minute));
        EXPECT_EQ(a.phase, b.phase) << minute;
        EXPECT_EQ(a.level, b.level) << minute;
        EXPECT_EQ(a.nextStepAtMs, b.nextStepAtMs) << minute;
        EXPECT_EQ(a.instruction.text, b.instruction.text) << minute;
    }
}

struct BadLogRow {
    const char* text;
    const char* where;
    const char* what;
};

class TitrationBadLog : public ::testing::TestWithParam<BadLogRow> {};

TEST_P(TitrationBadLog, isRefusedNamingTheLine)
{
    const auto r = readLog(GetParam().text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().where, GetParam().where);
    EXPECT_NE(r.error().what.find(GetParam().what), std::string::npos) << r.error().what;
}

INSTANTIATE_TEST_SUITE_P(Table, TitrationBadLog,
                         ::testing::Values(BadLogRow{"START 10\nSTOP 20\n", "titration log line 2", "unknown action"},
                                           BadLogRow{"START ten\n", "titration log line 1", "milliseconds"},
                                           BadLogRow{"START\n", "titration log line 1", "milliseconds"},
                                           BadLogRow{"START 20\nSURGERY 10\n", "titration log line 2",
                                                     "back in time"}));
