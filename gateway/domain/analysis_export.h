// AnalysisExport: CSV datasets per form for the statisticians, honouring consent data-use rules and blinding
// (docs/consent.md "Exports"; CSP L1122-1-3: an objection removes the subject's data from analysis, the audit trail
// stays).
#pragma once

#include "clock.h"
#include "event_rules.h"
#include "storage/store.h"

#include <string>
#include <vector>

namespace crf::gateway {

struct AnalysisExportOptions {
    std::string studyId;
    std::string outDir;       // created if needed; files are overwritten
    std::string exportedBy;   // written to the security log with the export
    bool includeArms = false; // unblinded export (arms.csv and unblinded_only items): unblinded roles only
};

struct ExcludedSubject {
    std::string subjectId, siteId, state, reason;
};

struct AnalysisExportSummary {
    std::vector<std::pair<std::string, int>> files; // file -> data rows
    std::vector<ExcludedSubject> excluded;
    uint64_t lastServerSeq = 0;
    int subjects = 0; // subjects whose data are in the export
};

/// Writes one CSV per form (one row per subject x visit x repeat, current values from the accepted events: a value in
/// conflict stays the kept one, an instance entered in error is left out), `manifest.json` (what is in it, the
/// subjects left out and why, blinded or not) and, for an unblinded export, `arms.csv`. Site-only items never reach
/// the gateway; unblinded_only items and arms appear only with includeArms. The export is written to the security log.
Result<AnalysisExportSummary> writeAnalysisExport(Store& store, const StudyRegistry& studies, const Clock& clock,
                                                  const AnalysisExportOptions& options);

} // namespace crf::gateway
