// Form values as the engine sees them: text exactly as entered plus its unit, keyed by item OID.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace crf::study {

struct ItemValue {
    std::string text;
    std::string unit;
    bool operator==(const ItemValue&) const = default;
};

using FormValues = std::map<std::string, ItemValue>;

/// Suffix of the companion item holding a missing-data reason ("CODE|free text") for a required item left empty.
inline constexpr const char* kMissingSuffix = "#ND";

/// Present = has non-blank text.
bool present(const FormValues& values, const std::string& item);
std::optional<double> number(const FormValues& values, const std::string& item);
/// A whole number from 1 up, written with digits only (box and allocation numbers); nullopt otherwise.
std::optional<uint32_t> positiveInteger(const std::string& text);

} // namespace crf::study
