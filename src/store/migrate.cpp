#include "store/migrate.hpp"

#include <algorithm>
#include <chrono>

#include "core/hash.hpp"
#include "core/time.hpp"

namespace riverlink::store {

namespace {
constexpr std::string_view kCreate =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
    " checksum TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (module, version))";
}

Result<std::vector<AppliedMigration>> migrate(Database& db, const std::vector<Migration>& all) {
  std::vector<const Migration*> mine;
  for (const auto& m : all) {
    if (m.only.empty() ||
        (m.only == "postgres" && db.backend() == Backend::postgres) ||
        (m.only == "sqlite" && db.backend() == Backend::sqlite)) {
      mine.push_back(&m);
    }
  }
  return transact(db, TxKind::write, [&](Tx& tx) -> Result<std::vector<AppliedMigration>> {
    tx.exec_script(kCreate);
    tx.lock("schema_migrations");
    std::vector<AppliedMigration> applied;
    for (const Migration* m : mine) {
      std::string sum = core::sha256_hex(m->sql);
      auto row = tx.query_one("SELECT checksum FROM schema_migrations WHERE module = ? AND version = ?",
                              {m->module, m->version});
      if (row) {
        if (row->str(0) != sum) {
          return Error::make(ErrorKind::internal, "store.migration_edited",
                             "migration " + m->module + "/" + std::to_string(m->version) + " (" +
                                 m->name + ") was changed after it was applied");
        }
        continue;
      }
      try {
        tx.exec_script(m->sql);
      } catch (const DbError& e) {
        return Error::make(ErrorKind::internal, "store.migration_failed",
                           "migration " + m->module + "/" + std::to_string(m->version) + " (" +
                               m->name + ") failed: " + e.what());
      }
      auto now = core::format_utc(core::SystemClock().now());
      tx.exec("INSERT INTO schema_migrations (module, version, name, checksum, applied_at) "
              "VALUES (?, ?, ?, ?, ?)",
              {m->module, m->version, m->name, sum, now});
      applied.push_back({m->module, m->version, m->name});
    }
    return applied;
  });
}

}  // namespace riverlink::store
