// QueryDomain: data queries (docs/sponsor.md "Queries"): opened by the data desk, answered by the site, closed,
// reopened or cancelled; merge conflicts and randomization rules listed alongside as queries of their own.
#pragma once

#include "clock.h"
#include "crf/v1/trial.pb.h"
#include "identity/identity.h"
#include "query.h"
#include "storage/store.h"

#include <optional>
#include <string>
#include <vector>

namespace crf::gateway {

/// Where a query stands after its recorded steps (core/query.h replays the actions); an unknown action code in the
/// store is an error, never skipped.
Result<query::State> stateOfSteps(const std::vector<QueryStepRow>& steps);

/// Thread-safe. Access control has decided who may call what; the role stamped on a step is the caller's grant that
/// allows it.
class QueryDomain {
public:
    QueryDomain(Store& store, const Clock& clock) : m_store(store), m_clock(clock) {}

    Result<v1::DataQuery> open(const Principal& who, const std::string& role,
                               const v1::OpenQueryRequest& request) const;
    Result<v1::DataQuery> act(const Principal& who, const std::string& role,
                              const v1::QueryActionRequest& request) const;
    Result<v1::ListQueriesResponse> list(const v1::ListQueriesRequest& request) const;

    /// "M-12" -> 12 (a query opened by hand); nullopt for the others.
    static std::optional<uint64_t> manualId(const std::string& id);

private:
    Result<v1::DataQuery> load(uint64_t id) const;
    Store& m_store;
    const Clock& m_clock;
};

} // namespace crf::gateway
