#include "query.h"
#include "tr.h"

#include <array>

namespace crf::query {
namespace {

struct Step {
    std::optional<State> from;
    Action action;
    State to;
};

// Every allowed step; anything else is refused.
constexpr std::array kSteps{
    Step{std::nullopt, Action::Open, State::Open},           Step{State::Open, Action::Answer, State::Answered},
    Step{State::Open, Action::Close, State::Closed}, // resolved without an answer (e.g. corrected meanwhile)
    Step{State::Open, Action::Cancel, State::Cancelled},     Step{State::Answered, Action::Close, State::Closed},
    Step{State::Answered, Action::Reopen, State::Open}, // the answer does not settle it
    Step{State::Answered, Action::Cancel, State::Cancelled}, Step{State::Closed, Action::Reopen, State::Open},
};

} // namespace

std::string_view stateCode(State s)
{
    switch (s) {
    case State::Open:
        return "OPEN";
    case State::Answered:
        return "ANSWERED";
    case State::Closed:
        return "CLOSED";
    case State::Cancelled:
        return "CANCELLED";
    }
    return "";
}

std::string_view actionCode(Action a)
{
    switch (a) {
    case Action::Open:
        return "OPEN";
    case Action::Answer:
        return "ANSWER";
    case Action::Close:
        return "CLOSE";
    case Action::Reopen:
        return "REOPEN";
    case Action::Cancel:
        return "CANCEL";
    }
    return "";
}

std::optional<Action> parseAction(std::string_view code)
{
    for (Action a : {Action::Open, Action::Answer, Action::Close, Action::Reopen, Action::Cancel})
        if (actionCode(a) == code)
            return a;
    return std::nullopt;
}

std::optional<State> parseState(std::string_view code)
{
    for (State st : {State::Open, State::Answered, State::Closed, State::Cancelled})
        if (stateCode(st) == code)
            return st;
    return std::nullopt;
}

Side sideOf(Action a)
{
    return a == Action::Answer ? Side::Site : Side::Desk;
}

Result<State> next(std::optional<State> from, Action a, std::string_view text)
{
    const std::string where = "query " + std::string(actionCode(a));
    if (text.find_first_not_of(" \t\n") == std::string_view::npos)
        return messageError(
            where, a == Action::Open ? QT_TRANSLATE_NOOP("Core", "say what is in question")
                   : a == Action::Answer
                       ? QT_TRANSLATE_NOOP("Core", "write the answer (a changed value still needs its own reason)")
                       : QT_TRANSLATE_NOOP("Core", "say why"));
    for (const auto& s : kSteps)
        if (s.from == from && s.action == a)
            return s.to;
    if (!from)
        return messageError(where, QT_TRANSLATE_NOOP("Core", "no such query"));
    return messageError(where, QT_TRANSLATE_NOOP("Core", "not possible on a query that is %1"),
                        {std::string(stateCode(*from))});
}

Result<State> replay(const std::vector<Action>& actions)
{
    std::optional<State> state;
    for (Action a : actions) {
        auto n = next(state, a, "-");
        if (!n)
            return n.error();
        state = *n;
    }
    if (!state)
        return Error{"query", "no steps"};
    return *state;
}

} // namespace crf::query
