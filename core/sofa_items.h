// SOFA form items: the stored item OIDs and units of the SOFA form, and their reading into sofa::Inputs.
#pragma once

#include "sofa.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace crf::sofa::items {

// Item OIDs of the daily SOFA form (visits D0..D7). Raw values only: scores are derived, never stored as typed.
inline constexpr const char* kForm = "SOFA";
inline constexpr const char* kPao2 = "PAO2";                // mmHg
inline constexpr const char* kFio2 = "FIO2";                // %, 21-100
inline constexpr const char* kRespSupport = "RESP_SUPPORT"; // "Y" / "N"
inline constexpr const char* kPlatelets = "PLATELETS";      // 10^3/uL
inline constexpr const char* kBilirubin = "BILI";           // mg/dL or umol/L
inline constexpr const char* kMap = "MAP";                  // mmHg
inline constexpr const char* kDopamine = "DOPAMINE";        // ug/kg/min
inline constexpr const char* kDobutamine = "DOBUTAMINE";
inline constexpr const char* kEpinephrine = "EPINEPHRINE";
inline constexpr const char* kNorepinephrine = "NOREPINEPHRINE";
inline constexpr const char* kGcs = "GCS";
inline constexpr const char* kCreatinine = "CREAT"; // mg/dL or umol/L
inline constexpr const char* kUrine = "URINE_24H";  // mL/24 h

/// The fixed unit each item is stored with ("" when the unit is chosen per value: bilirubin, creatinine).
std::string fixedUnit(const std::string& item);
/// All item OIDs of the form, in display order.
const std::vector<std::string>& all();

struct Value {
    std::string text;
    std::string unit;
};

struct Reading {
    Inputs inputs;
    std::vector<InputError> errors; // unreadable numbers or units, by item
};

/// Parses a number as typed at the bedside: decimal point or comma, surrounding spaces; nothing else.
std::optional<double> parseNumber(const std::string& text);

/// Reads stored/entered item values into calculator inputs. Blank items are missing; unreadable ones are errors.
Reading read(const std::map<std::string, Value>& values);

} // namespace crf::sofa::items
