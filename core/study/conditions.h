// Declarative conditions of study definitions, evaluated in three-valued logic (true / false / unknown).
#pragma once

#include "crf/v1/study.pb.h"
#include "values.h"

#include <set>
#include <string>

namespace crf::study {

enum class Tri { False, True, Unknown };

/// Kleene logic: `all` is false if any is false, else unknown if any unknown; `any` dually; a comparison on an
/// absent item is unknown (except PRESENT / ABSENT). Items whose absence made the result unknown go to `missing`.
Tri evaluate(const v1::Condition& condition, const FormValues& values, std::set<std::string>* missing = nullptr);

/// Every item OID a condition reads (for validation).
void referencedItems(const v1::Condition& condition, std::set<std::string>& out);

} // namespace crf::study
