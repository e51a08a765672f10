#include "roles.h"

#include <array>

namespace crf::gateway {
namespace {

struct RoleSpec {
    Role role;
    const char* name;
    bool entersData, siteBound, readsEvents, readsPhotos, seesArms;
};

// One row per role; the access control decides from these columns only.
constexpr std::array<RoleSpec, 9> kRoles{{
    //                                         enters site   reads  reads  sees
    //                                         data   bound  events photos arms
    {Role::Investigator, "investigator", true, true, true, true, false},
    {Role::ResearchNurse, "research_nurse", true, true, true, true, false},
    {Role::Pharmacist, "pharmacist", true, true, true, false, true},
    {Role::Monitor, "monitor", false, true, true, true, false},
    {Role::DataManager, "data_manager", false, false, true, true, false},
    {Role::SponsorViewer, "sponsor_viewer", false, false, true, false, false},
    {Role::CentralAssessor, "central_assessor", false, false, false, true, false},
    {Role::UnblindedStatistician, "unblinded_statistician", false, false, true, false, true},
    {Role::GatewayAdmin, "gateway_admin", false, false, false, false, false},
}};

const RoleSpec& spec(Role role)
{
    return kRoles[static_cast<size_t>(role)];
}

} // namespace

std::optional<Role> parseRole(std::string_view name)
{
    for (const auto& r : kRoles)
        if (name == r.name)
            return r.role;
    return std::nullopt;
}

const char* roleName(Role role)
{
    return spec(role).name;
}

std::vector<std::string> roleNames()
{
    std::vector<std::string> out;
    for (const auto& r : kRoles)
        out.emplace_back(r.name);
    return out;
}

bool entersData(Role role)
{
    return spec(role).entersData;
}
bool siteBound(Role role)
{
    return spec(role).siteBound;
}
bool readsEvents(Role role)
{
    return spec(role).readsEvents;
}
bool readsPhotos(Role role)
{
    return spec(role).readsPhotos;
}
bool seesArms(Role role)
{
    return spec(role).seesArms;
}

} // namespace crf::gateway
