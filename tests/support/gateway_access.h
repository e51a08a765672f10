// Accounts on an in-process gateway for tests: a user holding a role at a site, and a client logged in as them.
#pragma once

#include "gateway_server.h"
#include "sync_client.h"

#include <gtest/gtest.h>
#include <map>
#include <string>

namespace crf::test {

/// Options of an in-process development gateway: plaintext on loopback (--insecure-dev), authentication on.
inline gateway::GatewayServer::Options devGateway(const std::string& dataDir, const std::string& listen = "127.0.0.1:0",
                                                  std::vector<std::string> studies = {})
{
    gateway::GatewayServer::Options o;
    o.listen = listen;
    o.dataDir = dataDir;
    o.insecureDev = true;
    o.studyFiles = std::move(studies);
    return o;
}

/// A strong test password derived from the user id (passes the policy; never a real credential).
inline std::string passwordOf(const std::string& userId)
{
    std::string reversed(userId.rbegin(), userId.rend()); // the policy refuses a password holding the user id
    return "Correct-Horse-7-" + reversed;
}

/// Creates `userId` (if new) and grants `role` for `study` at `site`; returns the password.
inline std::string addUser(gateway::GatewayServer& gw, const std::string& userId,
                           const std::string& role = "research_nurse", const std::string& site = "01",
                           const std::string& study = "I-MICRO")
{
    auto& id = gw.identity();
    if (!id.store().user(userId)) {
        const Status added = id.addUser("test-admin", userId, "Test " + userId, passwordOf(userId));
        EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().text());
    }
    const auto granted = id.grant("test-admin", userId, role, study, site);
    EXPECT_TRUE(granted.ok()) << (granted.ok() ? "" : granted.error().text());
    return passwordOf(userId);
}

/// Device credentials handed out at enrolment, so a device can log in again.
struct DeviceSecrets {
    std::map<std::string, std::string> byDevice;

    /// Logs `client` in as `userId` from `deviceId`; the test fails when the gateway refuses.
    Result<v1::LoginResponse> login(sync::SyncClient& client, const std::string& userId, const std::string& deviceId,
                                    const std::string& password = {})
    {
        v1::LoginRequest request;
        request.set_user_id(userId);
        request.set_password(password.empty() ? passwordOf(userId) : password);
        request.set_device_id(deviceId);
        request.set_device_secret(byDevice[deviceId]);
        auto r = client.login(request);
        if (r && !r->device_secret().empty())
            byDevice[deviceId] = r->device_secret();
        return r;
    }
};

} // namespace crf::test
