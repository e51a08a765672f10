// OdmExport: the archival, transactional CDISC ODM 1.3.2 file for the sponsor (docs/sponsor.md): every accepted change
// as an Insert or Update with its AuditRecord, signatures with their SignatureDef, metadata generated from the study
// definition, users and sites in AdminData (EMA 2023 §6.2.1: the audit trail travels with the data).
#pragma once

#include "clock.h"
#include "event_rules.h"
#include "storage/store.h"

#include <optional>
#include <string>

namespace crf::gateway {

/// An ODM date-time: UTC with milliseconds and an explicit offset ("2026-11-22T08:15:00.250+00:00").
std::string odmTime(int64_t ms);

/// How an ItemData's Annotation gives the value the device saw before its change (ODM carries only new values).
inline constexpr const char* kOdmPreviousValue = "previous value: ";
/// How an ItemData's Annotation says the field was changed concurrently; followed by the kept event's server_seq.
inline constexpr const char* kOdmConflictNote = "changed concurrently: the gateway kept the value of event ";

/// Reads an ODM date-time back (with or without milliseconds; Z or an explicit offset).
std::optional<int64_t> parseOdmTime(const std::string& s);
/// OIDs from our identifiers: letters, digits, '.', '-', '_' kept, anything else as '_'.
std::string odmOid(const std::string& s);
/// The ItemOID of an item of a form ("I.SOFA.GCS"); a missing-data companion ("GCS#ND") is an item of its own
/// ("I.SOFA.GCS.ND").
std::string odmItemOid(const std::string& form, const std::string& item);

struct OdmExportOptions {
    std::string studyId;
    uint64_t afterServerSeq = 0; // incremental: only events after this cursor (0: everything)
    std::string siteId;          // one site only (the investigator's copy); empty: every site
    bool includeArms = false;    // unblinded_only items (unblinded roles only)
    std::string exportedBy;      // written to the security log
};

struct OdmExportSummary {
    std::string xml;
    uint64_t lastServerSeq = 0; // the cursor for the next incremental export
    int events = 0, subjects = 0;
};

/// Builds the file. Items held in conflict are exported as changes with an Annotation naming the value the gateway
/// kept; an instance marked entered in error is a FormData Remove with its reason. The export goes to the security log.
Result<OdmExportSummary> buildOdm132(Store& store, const StudyRegistry& studies, const Clock& clock,
                                     const OdmExportOptions& options);

struct SiteArchiveSummary {
    int events = 0, photos = 0, photosMissing = 0, signatures = 0;
};

/// The investigator's independent copy of a site (EMA 2023 §6.6): `odm.xml` (the site's ODM with the audit trail and
/// signatures), `photos/<sha256>.jpg` for every verified photo its events name, `signatures.csv`, and `manifest.json`
/// with the SHA-256 of every file so the copy can be checked later.
Result<SiteArchiveSummary> writeSiteArchive(Store& store, const StudyRegistry& studies, const Clock& clock,
                                            const std::string& studyId, const std::string& siteId,
                                            const std::string& outDir, const std::string& exportedBy);

} // namespace crf::gateway
