// OdmImport: rebuilds a gateway from the sponsor's archival ODM 1.3.2 export (docs/sponsor.md "Import"), so that the
// file is shown to carry the whole audit trail: the same changes, by the same people, with the same reasons and times,
// merged into the same values, every event checked against the hash recorded at export.
#pragma once

#include "clock.h"
#include "sync_domain.h"

#include <string>

namespace crf::gateway {

struct OdmImportSummary {
    int events = 0, subjects = 0;
    int absentRanges = 0; // device sequence ranges not in the file (refused at the source, or other studies)
    uint64_t lastServerSeq = 0;
};

/// Reads a complete, unblinded archival export made by buildOdm132 (its SourceIDs carry the parts of each event ODM
/// has no element for) and restores its events into the empty gateway behind `domain` (SyncDomain::restore). Any
/// problem (not XML, not an archival crf-gateway export, incremental or blinded, an unknown OID, an altered event) is
/// an error naming the place in the file; nothing is stored then. The import goes to the security log as `importedBy`.
Result<OdmImportSummary> importOdm132(SyncDomain& domain, Store& store, const Clock& clock, const std::string& xml,
                                      const std::string& source, const std::string& importedBy);

} // namespace crf::gateway
