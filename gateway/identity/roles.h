// Roles: what each role of a trial may do, as data the access control reads (docs/security.md, role table).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crf::gateway {

enum class Role {
    Investigator,
    ResearchNurse,
    Pharmacist,            // unblinded preparation of the study drug
    Monitor,               // read, source data verification, queries
    DataManager,           // queries, locks
    SponsorViewer,         // exports without site-only items
    CentralAssessor,       // blinded scoring of photos
    UnblindedStatistician, // sees allocation arms
    GatewayAdmin,          // manages accounts; sees no clinical data
};

std::optional<Role> parseRole(std::string_view name);
const char* roleName(Role role);
/// Every role name, for messages and `crfctl user list`.
std::vector<std::string> roleNames();

/// Enters data (pushes events, uploads photos) at one site.
bool entersData(Role role);
/// Must be granted for a named site, never "*" (a site's staff see their site only).
bool siteBound(Role role);
/// Reads events of its sites (Pull).
bool readsEvents(Role role);
/// Reads photos of its sites (or, for the central assessor, of every site: blinded scoring).
bool readsPhotos(Role role);
/// Sees allocation arms and every item marked unblinded_only (ICH E9 2.3.1: blinding).
bool seesArms(Role role);

} // namespace crf::gateway
