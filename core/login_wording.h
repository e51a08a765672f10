// How a login refusal is worded, by the gateway (gateway/identity) and by the tablet offline (app/app_core): one
// spelling, so a screen in another language rewords exactly these (ui::loginErrorText). English is the source.
#pragma once

#include <string_view>

namespace crf::wording::login {

inline constexpr std::string_view kBadDeviceId = "the device id is missing or not valid";
inline constexpr std::string_view kBadCredentials = "user id or password is wrong";
inline constexpr std::string_view kDisabled = "this account is disabled";
/// Followed by the UTC minute the lock ends ("2026-11-22 14:35 UTC").
inline constexpr std::string_view kLockedUntil = "this account is locked after repeated failed logins until ";
inline constexpr std::string_view kNowLockedUntil = "too many failed logins: this account is locked until ";
inline constexpr std::string_view kWeakEnrolment = "the device's enrolment secret is too short";
inline constexpr std::string_view kNotEnrolled = "this device is not enrolled at this gateway";
inline constexpr std::string_view kRevoked = "this device has been revoked: ask the gateway administrator";
inline constexpr std::string_view kWrongDeviceCredential =
    "this device's credential is wrong (restored or copied tablet?)";
/// "you hold no role at a site of " STUDY " (ask the administrator)"
inline constexpr std::string_view kNoRolePrefix = "you hold no role at a site of ";
inline constexpr std::string_view kNoRoleSuffix = " (ask the administrator)";
/// Offline, followed by why the gateway was not reached, in parentheses.
inline constexpr std::string_view kOfflineUnknown =
    "offline: user id or password is wrong, or this user never logged in online on this tablet";

} // namespace crf::wording::login
