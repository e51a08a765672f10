// The gateway store over a db::Pool, whichever the backend (the schema files open the pools and call this).
#pragma once

#include "photo_files.h"
#include "sql_db.h"
#include "store.h"

namespace crf::gateway {

/// The store over `pool`, whose schema is current; with `photoFiles` the photos' bytes are kept there (the embedded
/// store since schema 14), without them in the database's `photo_chunks`.
std::unique_ptr<Store> makeSqlStore(std::unique_ptr<db::Pool> pool, std::unique_ptr<PhotoFiles> photoFiles = nullptr);

} // namespace crf::gateway
