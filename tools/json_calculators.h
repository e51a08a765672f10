// crfctl's JSON calculators: one JSON object on stdin, one on stdout; bad input -> exit 2 and one stderr line.
#pragma once

#include <string>

namespace crf::tools {

struct CliResult {
    int exitCode = 0;
    std::string out; // stdout (one JSON object and a newline), empty on error
    std::string err; // stderr (one line naming the field), empty on success
};

CliResult sofaJson(const std::string& input);
CliResult doseJson(const std::string& input);
CliResult outcomesJson(const std::string& input);
CliResult studyCheck(const std::string& path);

} // namespace crf::tools
