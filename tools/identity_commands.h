// crfctl identity commands: accounts, grants, devices, development credentials and certificates (docs/security.md).
#pragma once

#include <map>
#include <string>

namespace crf::tools {

/// `crfctl user add|disable|unlock|grant|revoke|list`, `crfctl device revoke|list`. Returns the exit code.
int userCommand(const std::string& sub, const std::map<std::string, std::string>& opt);
int deviceCommand(const std::string& sub, const std::map<std::string, std::string>& opt);
/// `crfctl security log --data DIR [--user ID] [--action PREFIX] [--last N]`: the gateway's security log, oldest
/// first, a line each (UTC, actor, action, target, detail); --user matches the actor or the target.
int securityCommand(const std::string& sub, const std::map<std::string, std::string>& opt);
/// `crfctl dev-seed --data DIR --sites N --out FILE [--study ID]`: an investigator, a research nurse and a monitor
/// per site with random passwords, written to FILE (mode 0600). Development only.
int devSeedCommand(const std::map<std::string, std::string>& opt);
/// `crfctl cert dev --out DIR [--host NAME]`: a self-signed P-256 certificate and key for local TLS.
int certDevCommand(const std::map<std::string, std::string>& opt);

} // namespace crf::tools
