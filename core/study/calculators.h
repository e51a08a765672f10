// Named calculators that derived items of a study definition bind to (generic: nothing trial-specific).
#pragma once

#include "values.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace crf::study {

/// Inputs by calculator input name: item values bound by the definition, and constants.
struct CalculatorInputs {
    std::map<std::string, ItemValue> items;
    std::map<std::string, double> constants;
};

/// Outputs as stored text ("" when the output cannot be computed: inputs missing or refused).
using CalculatorOutputs = std::map<std::string, std::string>;

struct Calculator {
    std::string name;
    std::vector<std::string> inputs;  // every input it may read
    std::vector<std::string> outputs; // every output it gives
    std::string source;               // the convention it implements (docs/clinical.md)
    std::function<CalculatorOutputs(const CalculatorInputs&)> compute;
};

/// ISO 8601 date-time ("2026-11-22T08:15", "...:00+01:00", "...Z"; no offset: UTC) to UTC seconds.
std::optional<int64_t> parseDateTime(const std::string& s);

/// The registry; nullptr for an unknown name.
const Calculator* findCalculator(const std::string& name);
const std::vector<Calculator>& calculators();

} // namespace crf::study
