// TrialDomain: consent status and randomization rules at the gateway (docs/consent.md, docs/randomization.md).
#pragma once

#include "clock.h"
#include "crf/v1/trial.pb.h"
#include "event_rules.h"
#include "identity/identity.h"
#include "storage/store.h"

namespace crf::gateway {

/// Derives the authoritative consent status and box usage from accepted events, serves the worklist, counts,
/// inventories and reports, and runs the unblinded paths. Thread-safe (the Store serialises writers).
class TrialDomain {
public:
    TrialDomain(Store& store, const Clock& clock, const StudyRegistry& studies)
        : m_store(store), m_clock(clock), m_studies(studies)
    {
    }

    /// Inside the push transaction, before the event is stored: a consent decision must follow from the subject's
    /// authoritative status (CSP L1122-1-3 rules of core/consent.h); otherwise the event is refused with the reason.
    Status check(WriteTransaction& tx, const v1::ChangeEvent& e) const;
    /// In the same transaction once stored: the consent status moves; a randomization takes its box, and a box that
    /// is unknown, of another site, already used or not the lowest available opens a data query (the patient is never
    /// refused); a site falling to the resupply level raises a resupply alert for the sponsor. Without `checkBoxes`
    /// (an import: the inventory is not part of an export) only the consent status moves.
    void apply(WriteTransaction& tx, const v1::ServerEvent& se, bool checkBoxes = true) const;

    Result<v1::ConsentWorklistResponse> worklist(const v1::ConsentWorklistRequest& request) const;
    Result<v1::ConsentCountsResponse> counts(const v1::ConsentCountsRequest& request) const;
    /// Arms are filled in only for an allocation list whose arms are not blinded, or for `callerSeesArms`.
    Result<v1::SiteInventoryResponse> inventory(const v1::SiteInventoryRequest& request, bool callerSeesArms) const;
    Result<v1::LoadInventoryResponse> loadInventory(const Principal& who,
                                                    const v1::LoadInventoryRequest& request) const;
    Result<v1::LoadAllocationResponse> loadAllocation(const Principal& who,
                                                      const v1::LoadAllocationRequest& request) const;
    /// Emergency unblinding (access control has checked: an investigator of the subject's site). Requires a reason;
    /// writes the security log and a sponsor alert before answering.
    Result<v1::UnblindResponse> unblind(const Principal& who, const v1::UnblindRequest& request) const;
    Result<v1::TrialReportResponse> report(const v1::TrialReportRequest& request) const;

private:
    Store& m_store;
    const Clock& m_clock;
    const StudyRegistry& m_studies;
};

} // namespace crf::gateway
