#include "access_control.h"

#include "domain/query_domain.h"
#include "domain/verification.h"

#include <set>

namespace crf::gateway {
namespace {

Verdict deny(Message why)
{
    return Verdict{Refusal::PermissionDenied, std::move(why)};
}

bool covers(const GrantRecord& g, const std::string& studyId, const std::string& siteId)
{
    return g.studyId == studyId && (g.siteId == "*" || g.siteId == siteId);
}

/// The grant of `who` that lets it do `can` for (study, site), preferring one that sees arms.
template <typename Pred>
const GrantRecord* findGrant(const Principal& who, const std::string& studyId, const std::string& siteId, Pred can)
{
    const GrantRecord* best = nullptr;
    for (const auto& g : who.grants) {
        const auto role = parseRole(g.role);
        if (!role || !can(*role) || !covers(g, studyId, siteId))
            continue;
        if (!best || (seesArms(*role) && !seesArms(*parseRole(best->role))))
            best = &g;
    }
    return best;
}

template <typename Pred> bool holdsAny(const Principal& who, Pred can)
{
    for (const auto& g : who.grants)
        if (auto role = parseRole(g.role); role && can(*role))
            return true;
    return false;
}

std::string sitesOf(const Principal& who, bool (*can)(Role))
{
    std::set<std::string> sites;
    for (const auto& g : who.grants)
        if (auto role = parseRole(g.role); role && can(*role))
            sites.insert(g.studyId + "/" + g.siteId);
    std::string out;
    for (const auto& s : sites)
        out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "none" : out;
}

} // namespace

const char* rpcName(Rpc rpc)
{
    switch (rpc) {
    case Rpc::Push:
        return "Push";
    case Rpc::Pull:
        return "Pull";
    case Rpc::PhotoStatus:
        return "PhotoStatus";
    case Rpc::PhotoUpload:
        return "PhotoUpload";
    case Rpc::PhotoDownload:
        return "PhotoDownload";
    case Rpc::ConsentWorklist:
        return "ConsentWorklist";
    case Rpc::ConsentCounts:
        return "ConsentCounts";
    case Rpc::SiteInventory:
        return "SiteInventory";
    case Rpc::LoadInventory:
        return "LoadInventory";
    case Rpc::LoadAllocation:
        return "LoadAllocation";
    case Rpc::Unblind:
        return "Unblind";
    case Rpc::TrialReport:
        return "TrialReport";
    case Rpc::ExportOdm:
        return "ExportOdm";
    case Rpc::MarkVerified:
        return "MarkVerified";
    case Rpc::Verification:
        return "Verification";
    case Rpc::OpenQuery:
        return "OpenQuery";
    case Rpc::QueryAction:
        return "QueryAction";
    case Rpc::ListQueries:
        return "ListQueries";
    case Rpc::CentralReview:
        return "CentralReview";
    case Rpc::ReviewReport:
        return "ReviewReport";
    }
    return "?";
}

AccessControl::AccessControl(Identity& identity, const StudyRegistry& studies, Store& store)
    : m_identity(identity), m_studies(studies), m_store(store)
{
}

std::pair<Verdict, Principal> AccessControl::admit(const std::string& token, Rpc rpc,
                                                   const google::protobuf::Message& request)
{
    auto [verdict, who] = m_identity.authenticate(token);
    if (!verdict.ok())
        return {verdict, {}};
    verdict = authorize(who, rpc, request);
    return {verdict, std::move(who)};
}

Verdict AccessControl::authorize(const Principal& who, Rpc rpc, const google::protobuf::Message& request)
{
    Verdict verdict = decide(who, rpc, request);
    if (!verdict.ok())
        m_identity.store().log(SecurityEvent{0, m_identity.clock().nowMs(), who.userId, "access.denied", who.deviceId,
                                             std::string(rpcName(rpc)) + ": " + verdict.message.text});
    return verdict;
}

Verdict AccessControl::decide(const Principal& who, Rpc rpc, const google::protobuf::Message& request)
{
    switch (rpc) {
    case Rpc::Push:
        return checkPush(who, static_cast<const v1::PushRequest&>(request));
    case Rpc::Pull: {
        const auto& pull = static_cast<const v1::PullRequest&>(request);
        if (!holdsAny(who, readsEvents))
            return deny(message(QT_TRANSLATE_NOOP("Core", "your roles do not read trial data")));
        if (!pull.site_id().empty() && !findGrant(who, pull.study_id(), pull.site_id(), readsEvents))
            return deny(message(QT_TRANSLATE_NOOP("Core", "you may not read site %1 of study %2 (you read: %3)"),
                                {pull.site_id(), pull.study_id(), sitesOf(who, readsEvents)}));
        return Verdict::allow();
    }
    case Rpc::PhotoStatus:
        return holdsAny(who, entersData) ? Verdict::allow()
                                         : deny(message(QT_TRANSLATE_NOOP("Core", "your roles do not upload photos")));
    case Rpc::PhotoUpload: {
        const auto& up = static_cast<const v1::UploadChunkRequest&>(request);
        for (const auto& g : who.grants)
            if (auto role = parseRole(g.role); role && entersData(*role) && g.siteId == up.site_id())
                return Verdict::allow();
        return deny(
            message(QT_TRANSLATE_NOOP("Core", "you may not upload photos for site \"%1\" (you enter data for: %2)"),
                    {up.site_id(), sitesOf(who, entersData)}));
    }
    case Rpc::PhotoDownload: {
        const auto& down = static_cast<const v1::DownloadRequest&>(request);
        if (!holdsAny(who, readsPhotos))
            return deny(message(QT_TRANSLATE_NOOP("Core", "your roles do not read photos")));
        for (const auto& site : m_store.photoSites(down.digest()))
            for (const auto& g : who.grants)
                if (auto role = parseRole(g.role); role && readsPhotos(*role) && (g.siteId == "*" || g.siteId == site))
                    return Verdict::allow();
        return deny(message(QT_TRANSLATE_NOOP("Core", "this photo belongs to a site you do not read")));
    }
    default:
        return checkTrial(who, rpc, request);
    }
    return deny(message(QT_TRANSLATE_NOOP("Core", "unknown call")));
}

// Consent and randomization calls (docs/consent.md, docs/randomization.md; role table in docs/security.md).
Verdict AccessControl::checkTrial(const Principal& who, Rpc rpc, const google::protobuf::Message& request)
{
    auto is = [](Role wanted) { return [wanted](Role r) { return r == wanted; }; };
    switch (rpc) {
    case Rpc::ConsentWorklist: {
        const auto& r = static_cast<const v1::ConsentWorklistRequest&>(request);
        if (r.site_id().empty() || !findGrant(who, r.study_id(), r.site_id(), readsEvents))
            return deny(message(
                QT_TRANSLATE_NOOP("Core", "you may not read the consent worklist of site \"%1\" (you read: %2)"),
                {r.site_id(), sitesOf(who, readsEvents)}));
        return Verdict::allow();
    }
    case Rpc::ConsentCounts: {
        // Counts carry no subject: any role reading the study's data (the sponsor among them) may have them.
        const auto& r = static_cast<const v1::ConsentCountsRequest&>(request);
        for (const auto& g : who.grants)
            if (auto role = parseRole(g.role); role && readsEvents(*role) && g.studyId == r.study_id())
                return Verdict::allow();
        return deny(message(QT_TRANSLATE_NOOP("Core", "your roles do not read study %1"), {r.study_id()}));
    }
    case Rpc::SiteInventory: {
        const auto& r = static_cast<const v1::SiteInventoryRequest&>(request);
        if (r.site_id().empty() || !findGrant(who, r.study_id(), r.site_id(), readsEvents))
            return deny(message(QT_TRANSLATE_NOOP("Core", "you may not read the boxes of site \"%1\""), {r.site_id()}));
        return Verdict::allow();
    }
    case Rpc::LoadInventory: {
        // The sponsor's data manager ships and records the boxes.
        const auto& r = static_cast<const v1::LoadInventoryRequest&>(request);
        if (!findGrant(who, r.study_id(), r.site_id(), is(Role::DataManager)))
            return deny(message(QT_TRANSLATE_NOOP("Core", "only the sponsor's data manager loads treatment boxes")));
        return Verdict::allow();
    }
    case Rpc::LoadAllocation: {
        const auto& r = static_cast<const v1::LoadAllocationRequest&>(request);
        if (!findGrant(who, r.study_id(), "*", is(Role::UnblindedStatistician)))
            return deny(
                message(QT_TRANSLATE_NOOP("Core", "only the unblinded statistician loads the allocation list")));
        return Verdict::allow();
    }
    case Rpc::Unblind: {
        // Emergency unblinding: an investigator of the subject's own site, for that subject only.
        const auto& r = static_cast<const v1::UnblindRequest&>(request);
        const std::string site = m_store.trial().subjectSite(r.study_id(), r.subject_id());
        if (site.empty())
            return deny(
                message(QT_TRANSLATE_NOOP("Core", "subject %1 is not known at the gateway yet"), {r.subject_id()}));
        for (const auto& g : who.grants)
            if (g.role == roleName(Role::Investigator) && g.studyId == r.study_id() && g.siteId == site)
                return Verdict::allow();
        return deny(message(QT_TRANSLATE_NOOP("Core", "only an investigator of the subject's site may unblind it")));
    }
    case Rpc::TrialReport: {
        const auto& r = static_cast<const v1::TrialReportRequest&>(request);
        for (const auto& g : who.grants) {
            const auto role = parseRole(g.role);
            if (role && g.studyId == r.study_id() &&
                (*role == Role::DataManager || *role == Role::SponsorViewer || *role == Role::UnblindedStatistician))
                return Verdict::allow();
        }
        return deny(message(QT_TRANSLATE_NOOP(
            "Core", "the trial report is for the sponsor, the data managers and the unblinded statistician")));
    }
    case Rpc::ExportOdm: {
        // Sponsor delivery: study-wide readers on the sponsor's side (a site's own copy is crfctl site-archive).
        const auto& r = static_cast<const v1::ExportOdmRequest&>(request);
        for (const auto& g : who.grants) {
            const auto role = parseRole(g.role);
            if (role && g.studyId == r.study_id() && g.siteId == "*" &&
                (*role == Role::SponsorViewer || *role == Role::DataManager || *role == Role::UnblindedStatistician))
                return Verdict::allow();
        }
        return deny(message(QT_TRANSLATE_NOOP(
            "Core", "the ODM export is for the sponsor, the data managers and the unblinded statistician")));
    }
    case Rpc::MarkVerified: {
        // Source data verification is the monitor's, at the subject's own site (ICH E6(R3) monitoring).
        const auto& r = static_cast<const v1::MarkVerifiedRequest&>(request);
        const std::string site = VerificationDomain::siteOf(m_store, r.study_id(), r.form().subject_id());
        if (site.empty())
            return deny(
                message(QT_TRANSLATE_NOOP("Core", "subject %1 is not known at the gateway"), {r.form().subject_id()}));
        if (!findGrant(who, r.study_id(), site, is(Role::Monitor)))
            return deny(
                message(QT_TRANSLATE_NOOP("Core", "only a monitor of site %1 marks its data verified"), {site}));
        return Verdict::allow();
    }
    case Rpc::Verification: {
        const auto& r = static_cast<const v1::VerificationRequest&>(request);
        if (r.site_id().empty() || !findGrant(who, r.study_id(), r.site_id(), readsEvents))
            return deny(
                message(QT_TRANSLATE_NOOP("Core", "you may not read the verification of site \"%1\""), {r.site_id()}));
        return Verdict::allow();
    }
    case Rpc::OpenQuery: {
        const auto& r = static_cast<const v1::OpenQueryRequest&>(request);
        const std::string site = querySite(request, rpc);
        if (site.empty())
            return deny(
                message(QT_TRANSLATE_NOOP("Core", "subject %1 is not known at the gateway"), {r.form().subject_id()}));
        if (queryRole(who, r.study_id(), site, true).empty())
            return deny(message(QT_TRANSLATE_NOOP("Core", "data managers and the site's monitors open queries")));
        return Verdict::allow();
    }
    case Rpc::QueryAction: {
        const auto& r = static_cast<const v1::QueryActionRequest&>(request);
        const std::string site = querySite(request, rpc);
        const bool answer = r.action() == "ANSWER";
        if (site.empty()) { // not a query opened by hand: the domain says why no action applies
            auto handles = [](Role role) {
                return role == Role::DataManager || role == Role::Monitor || entersData(role);
            };
            return holdsAny(who, handles)
                       ? Verdict::allow()
                       : deny(message(QT_TRANSLATE_NOOP("Core", "your roles do not handle queries")));
        }
        if (queryRole(who, r.study_id(), site, !answer).empty())
            return deny(answer
                            ? message(QT_TRANSLATE_NOOP("Core", "the site's staff answer queries"))
                            : message(QT_TRANSLATE_NOOP("Core", "the data desk closes, reopens or cancels queries")));
        return Verdict::allow();
    }
    case Rpc::ListQueries: {
        const auto& r = static_cast<const v1::ListQueriesRequest&>(request);
        if (r.site_id().empty() || !findGrant(who, r.study_id(), r.site_id(), readsEvents))
            return deny(
                message(QT_TRANSLATE_NOOP("Core", "you may not read the queries of site \"%1\""), {r.site_id()}));
        return Verdict::allow();
    }
    case Rpc::CentralReview: {
        // The queue, the photos behind their codes and the scores: the central assessor only (blinded scoring).
        // Each of the review requests names its study in `study_id`.
        const auto* field = request.GetDescriptor()->FindFieldByName("study_id");
        const std::string study = field ? request.GetReflection()->GetString(request, field) : std::string();
        for (const auto& g : who.grants)
            if (g.role == roleName(Role::CentralAssessor) && g.studyId == study)
                return Verdict::allow();
        return deny(message(QT_TRANSLATE_NOOP("Core", "central review is for the central assessor")));
    }
    case Rpc::ReviewReport: {
        const auto& r = static_cast<const v1::ReviewReportRequest&>(request);
        for (const auto& g : who.grants) {
            const auto role = parseRole(g.role);
            if (role && g.studyId == r.study_id() && g.siteId == "*" &&
                (*role == Role::DataManager || *role == Role::SponsorViewer || *role == Role::UnblindedStatistician))
                return Verdict::allow();
        }
        return deny(message(QT_TRANSLATE_NOOP(
            "Core", "the review report is for the sponsor, the data managers and the unblinded statistician")));
    }
    default:
        return deny(message(QT_TRANSLATE_NOOP("Core", "unknown call")));
    }
}

std::string AccessControl::queryRole(const Principal& who, const std::string& studyId, const std::string& siteId,
                                     bool desk) const
{
    auto deskRole = [](Role r) { return r == Role::DataManager || r == Role::Monitor; };
    const GrantRecord* g =
        desk ? findGrant(who, studyId, siteId, deskRole) : findGrant(who, studyId, siteId, entersData);
    return g ? g->role : std::string();
}

std::string AccessControl::querySite(const google::protobuf::Message& request, Rpc rpc) const
{
    if (rpc == Rpc::OpenQuery) {
        const auto& r = static_cast<const v1::OpenQueryRequest&>(request);
        return VerificationDomain::siteOf(m_store, r.study_id(), r.form().subject_id());
    }
    if (rpc == Rpc::QueryAction) {
        const auto& r = static_cast<const v1::QueryActionRequest&>(request);
        if (auto id = QueryDomain::manualId(r.query_id()))
            if (auto q = m_store.trial().query(*id); q && q->studyId == r.study_id())
                return q->siteId;
    }
    return {};
}

bool AccessControl::seesArmsAt(const Principal& who, const std::string& studyId, const std::string& siteId) const
{
    const GrantRecord* g = findGrant(who, studyId, siteId, readsEvents);
    return g && seesArms(*parseRole(g->role));
}

Verdict AccessControl::checkPush(const Principal& who, const v1::PushRequest& request)
{
    if (!holdsAny(who, entersData))
        return deny(message(QT_TRANSLATE_NOOP("Core", "your roles do not enter data")));
    // The session is bound to the device it was opened on: a token cannot push another device's chain.
    if (request.device_id() != who.deviceId)
        return deny(message(QT_TRANSLATE_NOOP("Core", "this session belongs to device %1, not %2"),
                            {who.deviceId, request.device_id()}));
    std::map<std::string, std::vector<GrantRecord>> stampedGrants; // the grants of each user stamped on an event
    for (const auto& e : request.events()) {
        const Message where = message(QT_TRANSLATE_NOOP("Core", "event %1"), {std::to_string(e.device_seq())});
        if (e.device_id() != who.deviceId)
            return deny(message(QT_TRANSLATE_NOOP("Core", "%1 comes from another device"), {where}));
        if (!findGrant(who, e.study_id(), e.site_id(), entersData))
            return deny(message(QT_TRANSLATE_NOOP("Core", "%1 is for site %2 of study %3: you enter data for %4 only"),
                                {where, e.site_id(), e.study_id(), sitesOf(who, entersData)}));
        // Attribution (21 CFR 11.10(e)): the user stamped on the event must hold, or have held, that role there. Not
        // compared with the event's time: a tablet clock may be off (it is flagged, never refused; DESIGN.md).
        auto it = stampedGrants.find(e.user_id());
        if (it == stampedGrants.end())
            it = stampedGrants.emplace(e.user_id(), m_identity.store().grants(e.user_id())).first;
        bool held = false;
        for (const auto& g : it->second)
            held = held || (g.role == e.role() && covers(g, e.study_id(), e.site_id()));
        // Only an investigator signs (21 CFR 11.50; the protocol's delegation log).
        if (e.has_signature() && e.role() != "investigator")
            return deny(message(QT_TRANSLATE_NOOP("Core", "%1 is a signature by a %2: only an investigator signs"),
                                {where, e.role()}));
        if (!held)
            return deny(
                message(QT_TRANSLATE_NOOP("Core", "%1 is signed by user \"%2\" as %3, a role not held at site %4"),
                        {where, e.user_id(), e.role(), e.site_id()}));
    }
    return Verdict::allow();
}

void AccessControl::filterPull(const Principal& who, const v1::PullRequest& request, v1::PullResponse& page) const
{
    auto* events = page.mutable_events();
    int kept = 0;
    for (int i = 0; i < events->size(); ++i) {
        auto& se = *events->Mutable(i);
        const auto& e = se.event();
        if (!request.site_id().empty() && e.site_id() != request.site_id())
            continue;
        const GrantRecord* grant = findGrant(who, e.study_id(), e.site_id(), readsEvents);
        if (!grant)
            continue;
        if (!seesArms(*parseRole(grant->role))) {
            if (const auto* study = m_studies.find(e.study_id())) {
                std::set<std::string> hidden;
                for (const auto& form : study->forms())
                    if (form.oid() == e.form().form_oid())
                        for (const auto& section : form.sections())
                            for (const auto& item : section.items())
                                if (item.unblinded_only())
                                    hidden.insert(item.oid());
                auto* changes = se.mutable_event()->mutable_changes();
                const int before = changes->size();
                for (int c = changes->size() - 1; c >= 0; --c)
                    if (hidden.count(changes->Get(c).item_oid()))
                        changes->DeleteSubrange(c, 1);
                auto* notes = se.mutable_conflicts();
                for (int c = notes->size() - 1; c >= 0; --c)
                    if (hidden.count(notes->Get(c).item_oid()))
                        notes->DeleteSubrange(c, 1);
                if (changes->size() != before)
                    se.set_redacted(true);
            }
        }
        if (kept != i)
            events->SwapElements(kept, i);
        ++kept;
    }
    events->DeleteSubrange(kept, events->size() - kept);
}

} // namespace crf::gateway
