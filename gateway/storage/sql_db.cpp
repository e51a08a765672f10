// What both drivers of db:: share: the transaction guard and the statements whose spelling differs by dialect.
#include "sql_db.h"

namespace crf::gateway::db {

Transaction::~Transaction()
{
    if (!m_done) {
        try {
            m_c.rollback();
        } catch (...) {
            // A lost connection rolls back by itself; nothing was committed.
        }
    }
}

void Transaction::commit()
{
    m_c.commit();
    m_done = true;
}

namespace {

std::string placeholders(size_t n)
{
    std::string out;
    for (size_t i = 1; i <= n; ++i)
        out += (i > 1 ? ", ?" : "?") + std::to_string(i);
    return out;
}

std::string joined(const std::vector<std::string>& columns)
{
    std::string out;
    for (const auto& c : columns)
        out += (out.empty() ? "" : ", ") + c;
    return out;
}

} // namespace

std::string upsertSql(Dialect d, const std::string& table, const std::vector<std::string>& columns, size_t keyColumns)
{
    const std::string values = " (" + joined(columns) + ") VALUES (" + placeholders(columns.size()) + ")";
    if (d == Dialect::Sqlite) // SQLite 3.15 has no ON CONFLICT ... DO UPDATE
        return "INSERT OR REPLACE INTO " + table + values;
    std::string set;
    for (size_t i = keyColumns; i < columns.size(); ++i)
        set += (set.empty() ? "" : ", ") + columns[i] + " = EXCLUDED." + columns[i];
    const std::vector<std::string> key(columns.begin(), columns.begin() + static_cast<long>(keyColumns));
    return "INSERT INTO " + table + values + " ON CONFLICT (" + joined(key) + ") DO " +
           (set.empty() ? "NOTHING" : "UPDATE SET " + set);
}

std::string insertIgnoreSql(Dialect d, const std::string& table, const std::vector<std::string>& columns)
{
    const std::string values = " (" + joined(columns) + ") VALUES (" + placeholders(columns.size()) + ")";
    if (d == Dialect::Sqlite)
        return "INSERT OR IGNORE INTO " + table + values;
    return "INSERT INTO " + table + values + " ON CONFLICT DO NOTHING";
}

} // namespace crf::gateway::db
