// Specification of the data-query life cycle (core/query.h): every (state, action) pair.
#include "query.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <utility>

using namespace crf::query;

TEST(QueryLifeCycle, everyStateAndActionIsTheListedStepOrARefusal)
{
    using S = State;
    using A = Action;
    const std::map<std::pair<std::optional<S>, A>, S> allowed{
        {{std::nullopt, A::Open}, S::Open},       {{S::Open, A::Answer}, S::Answered},
        {{S::Open, A::Close}, S::Closed},         {{S::Open, A::Cancel}, S::Cancelled},
        {{S::Answered, A::Close}, S::Closed},     {{S::Answered, A::Reopen}, S::Open},
        {{S::Answered, A::Cancel}, S::Cancelled}, {{S::Closed, A::Reopen}, S::Open},
    };
    int n = 0;
    for (std::optional<S> from : {std::optional<S>{}, std::optional<S>{S::Open}, std::optional<S>{S::Answered},
                                  std::optional<S>{S::Closed}, std::optional<S>{S::Cancelled}})
        for (A a : {A::Open, A::Answer, A::Close, A::Reopen, A::Cancel}) {
            SCOPED_TRACE(std::string(from ? stateCode(*from) : "none") + " + " + std::string(actionCode(a)));
            auto r = next(from, a, "because");
            auto it = allowed.find({from, a});
            if (it == allowed.end()) {
                EXPECT_FALSE(r.ok());
            } else {
                ASSERT_TRUE(r.ok()) << r.error().text();
                EXPECT_EQ(*r, it->second);
                ++n;
            }
        }
    EXPECT_EQ(n, 8);
}

TEST(QueryLifeCycle, everyStepNeedsItsTextAndOnlyTheSiteAnswers)
{
    EXPECT_FALSE(next(std::nullopt, Action::Open, "  ").ok());
    auto r = next(State::Open, Action::Answer, "");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().what.find("answer"), std::string::npos);
    EXPECT_EQ(sideOf(Action::Answer), Side::Site);
    EXPECT_EQ(sideOf(Action::Close), Side::Desk);
    EXPECT_EQ(replay({Action::Open, Action::Answer, Action::Reopen, Action::Answer, Action::Close}).value(),
              State::Closed);
    EXPECT_FALSE(replay({Action::Answer}).ok());
}
