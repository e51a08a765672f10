// The gateway store over a db::Pool, whichever the backend (the schema files open the pools and call this).
#pragma once

#include "sql_db.h"
#include "store.h"

namespace crf::gateway {

/// The store over `pool`, whose schema is current.
std::unique_ptr<Store> makeSqlStore(std::unique_ptr<db::Pool> pool);

} // namespace crf::gateway
