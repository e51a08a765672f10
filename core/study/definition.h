// Study definition loading (protobuf JSON mapping) and validation; a bad definition is refused, naming the place.
#pragma once

#include "crf/v1/study.pb.h"
#include "result.h"

#include <string>
#include <vector>

namespace crf::study {

/// Parses JSON text; unknown fields are errors (a typo must not silently drop a check).
Result<v1::StudyDefinition> parseDefinition(const std::string& json, const std::string& source = "definition");
/// Reads, parses and validates a file; the error lists every problem found.
Result<v1::StudyDefinition> loadDefinition(const std::string& path);

/// All problems of a parsed definition: unknown item/form/visit/code-list references, unknown calculators or
/// outputs, cycles between derived items, inconsistent ranges, duplicates. Empty when valid.
std::vector<Error> validate(const v1::StudyDefinition& def);

const v1::Form* findForm(const v1::StudyDefinition& def, const std::string& oid);
const v1::Visit* findVisit(const v1::StudyDefinition& def, const std::string& oid);
const v1::Item* findItem(const v1::Form& form, const std::string& oid);
const v1::CodeList* findCodeList(const v1::StudyDefinition& def, const std::string& oid);
/// Items of a form in display order (across sections).
std::vector<const v1::Item*> itemsOf(const v1::Form& form);
bool isNumeric(const v1::Item& item);

} // namespace crf::study
