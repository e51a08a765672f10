// AccessControl: the one place where every RPC is authenticated and authorized by role and site (docs/security.md).
#pragma once

#include "crf/v1/photos.pb.h"
#include "crf/v1/sync.pb.h"
#include "crf/v1/trial.pb.h"
#include "domain/event_rules.h"
#include "identity.h"
#include "storage/store.h"

#include <string>

namespace crf::gateway {

/// The RPCs behind a login. Login itself is the only call without a session.
enum class Rpc {
    Push,
    Pull,
    PhotoStatus,
    PhotoUpload,
    PhotoDownload,
    ConsentWorklist,
    ConsentCounts,
    SiteInventory,
    LoadInventory,
    LoadAllocation,
    Unblind,
    TrialReport,
    ExportOdm,
    MarkVerified,
    Verification,
    OpenQuery,
    QueryAction,
    ListQueries,
    CentralReview,
    ReviewReport,
};
const char* rpcName(Rpc rpc);

/// Decides who may do what. Services call admit() before anything else and filterPull() on what they send back;
/// the decisions read the role table (roles.h) and the caller's grants that hold now, nothing else.
class AccessControl {
public:
    AccessControl(Identity& identity, const StudyRegistry& studies, Store& store);

    /// The choke point: resolves the bearer token, then checks `request` (the RPC's request message) against the
    /// caller's roles and sites. A refusal is logged in the security log.
    std::pair<Verdict, Principal> admit(const std::string& token, Rpc rpc, const google::protobuf::Message& request);
    /// The same check for a caller admitted already in this call, on what the call unpacked since (a push's packed
    /// events): the token is not resolved again. A refusal is logged as admit() logs it.
    Verdict authorize(const Principal& who, Rpc rpc, const google::protobuf::Message& request);

    /// Removes from a Pull page what the caller may not read: events of other sites, and for blinded roles the
    /// items that reveal the allocation (marked redacted).
    void filterPull(const Principal& who, const v1::PullRequest& request, v1::PullResponse& page) const;
    /// The role under which `who` acts on a data query at (study, site): the data desk (data manager, monitor) or the
    /// site (a data-entry role). Empty when none.
    std::string queryRole(const Principal& who, const std::string& studyId, const std::string& siteId, bool desk) const;
    /// The site a query call is about (the subject's, or the query's).
    std::string querySite(const google::protobuf::Message& request, Rpc rpc) const;
    /// Whether `who` sees arms for (study, site): the inventory then carries them.
    bool seesArmsAt(const Principal& who, const std::string& studyId, const std::string& siteId) const;

private:
    Verdict decide(const Principal& who, Rpc rpc, const google::protobuf::Message& request);
    Verdict checkPush(const Principal& who, const v1::PushRequest& request);
    Verdict checkTrial(const Principal& who, Rpc rpc, const google::protobuf::Message& request);
    Identity& m_identity;
    const StudyRegistry& m_studies;
    Store& m_store;
};

} // namespace crf::gateway
