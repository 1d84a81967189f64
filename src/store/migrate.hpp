// Versioned per-module migrations. Each module's SQL files (migrations/NNNN_name[.sqlite|.postgres].sql)
// are embedded by CMake into riverlink::<module>::migrations().
#pragma once
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/db.hpp"

namespace riverlink::store {

struct Migration {
  std::string module;
  int version;
  std::string name;
  std::string sql;
  std::string only;  // "" (portable), "sqlite" or "postgres"
};

struct AppliedMigration {
  std::string module;
  int version;
  std::string name;
};

// Applies pending migrations in (module order as given, version) order, each in its own
// transaction, and checks that already-applied ones were not edited (checksum).
Result<std::vector<AppliedMigration>> migrate(Database& db, const std::vector<Migration>& all);

}  // namespace riverlink::store
