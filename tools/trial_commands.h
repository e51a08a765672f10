// crfctl trial / consent: the sponsor's and statistician's calls to a running gateway (docs/randomization.md).
#pragma once

#include <map>
#include <string>

namespace crf::tools {

/// `crfctl trial boxes|allocation|inventory|report|unblind` and `crfctl consent worklist|counts`: log in to the gateway
/// over gRPC as --user (password on stdin), so the gateway's access control decides, then print the answer.
/// Exit 0 done, 1 refused or unreachable (one line on stderr), 2 bad usage.
int trialCommand(const std::string& sub, const std::map<std::string, std::string>& opt);
int consentCommand(const std::string& sub, const std::map<std::string, std::string>& opt);
/// `crfctl export --format odm132 --gateway HOST:PORT --user ID --study ID --out FILE [--since CURSOR] [--site ID]`:
/// the sponsor's streamed ODM export through the gateway's access control.
int remoteExportCommand(const std::map<std::string, std::string>& opt);

} // namespace crf::tools
