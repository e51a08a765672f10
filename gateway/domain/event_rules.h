// EventRules: what the gateway checks of each pushed event against the study definitions it serves.
#pragma once

#include "crf/v1/events.pb.h"
#include "crf/v1/study.pb.h"
#include "result.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace crf::gateway {

/// The study definitions a gateway serves, by study id. Immutable after construction; thread-safe to read.
class StudyRegistry {
public:
    StudyRegistry() = default;
    explicit StudyRegistry(std::vector<std::shared_ptr<const v1::StudyDefinition>> definitions);
    /// Loads and validates each file; the error names the file and its problems.
    static Result<StudyRegistry> load(const std::vector<std::string>& paths);

    bool empty() const { return m_byStudy.empty(); }
    const v1::StudyDefinition* find(const std::string& studyId) const;

    /// Checks an event against its study's definition (21 CFR 11.10(h)-style input checks at the gateway, not only
    /// on the tablet): known study and definition version, a form scheduled at that visit, known items (or their
    /// missing-data companions), no site-only item, and no value outside its hard range / type / code list. The
    /// error names the item. With no definition configured, every study is accepted (development gateway).
    Status check(const v1::ChangeEvent& event) const;

private:
    std::map<std::string, std::shared_ptr<const v1::StudyDefinition>> m_byStudy;
};

} // namespace crf::gateway
