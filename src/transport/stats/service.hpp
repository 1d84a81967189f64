// Passenger statistics service: series definitions and monthly values in the database
// (transport_stat_* tables), CSV import through audit::CommandRunner (idempotent, audited, all
// or nothing), and the derived figures of stats.hpp. Reads need a signed-in user; imports an
// officer (within their jurisdiction) or a platform admin.
#pragma once
#include <optional>

#include "audit/command.hpp"
#include "auth/principal.hpp"
#include "core/id.hpp"
#include "core/time.hpp"
#include "store/db.hpp"
#include "store/migrate.hpp"
#include "transport/stats/stats.hpp"

namespace riverlink::transport_stats {
// The transport_stat_* tables (generated from stats/migrations).
std::vector<store::Migration> migrations();
}  // namespace riverlink::transport_stats

namespace riverlink::transport::stats {

class Service {
 public:
  Service(store::Database& db, audit::CommandRunner& commands, const core::Clock& clock, core::IdGenerator& ids)
      : db_(db), commands_(commands), clock_(clock), ids_(ids) {}

  // Series definitions with the divisions and years that hold values.
  Result<core::Json> series();
  // Imports a CSV (see parse_csv). demo: label the values as demo data.
  Result<core::Json> import_csv(const auth::Principal& p, const audit::CommandContext& ctx, const std::string& file_name,
                                const std::string& csv, const std::string& source, bool demo);
  Result<core::Json> imports(int limit);
  // series_ids: one series id; a list of several is refused (stats.mixed_series).
  Result<core::Json> summary(const std::string& series_ids, const std::string& division, int year, int through_month);
  Result<core::Json> monthly(const std::string& series_ids, const std::string& division, int year);

  // Demo figures (labelled demo) for Jiangsu; idempotent.
  Result<core::Json> seed_demo();

 private:
  Result<SeriesDef> one_series(store::Tx& tx, const std::string& series_ids);
  std::vector<SeriesDef> all_series(store::Tx& tx);
  std::vector<Value> values(store::Tx& tx, const std::string& series, const std::string& division, int from_year, int to_year);

  store::Database& db_;
  audit::CommandRunner& commands_;
  const core::Clock& clock_;
  core::IdGenerator& ids_;
};

}  // namespace riverlink::transport::stats
