// Data queries: the life cycle of a question about a value (open -> answered -> closed, reopened or cancelled), shared
// by the gateway and the tablets (docs/sponsor.md "Queries"; ICH E6(R3) 3.16.1 data handling).
#pragma once

#include "result.h"

#include <optional>
#include <string_view>
#include <vector>

namespace crf::query {

enum class State { Open, Answered, Closed, Cancelled };
enum class Action { Open, Answer, Close, Reopen, Cancel };
/// Who may take an action: the data desk (data managers, monitors) or the site (who enters data).
enum class Side { Desk, Site };

std::string_view stateCode(State s);   // "OPEN"...
std::string_view actionCode(Action a); // "OPEN", "ANSWER"...
std::optional<Action> parseAction(std::string_view code);
std::optional<State> parseState(std::string_view code);
Side sideOf(Action a);

/// The next state, or why not (in words). Every step needs a text: the question, the answer, the reason.
Result<State> next(std::optional<State> from, Action a, std::string_view text);
/// The state after a list of actions from nothing (the first must be Open).
Result<State> replay(const std::vector<Action>& actions);

} // namespace crf::query
