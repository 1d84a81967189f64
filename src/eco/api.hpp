// HTTP face and run service of the eco module: GEP datasets (the Suqian demo region or an
// uploaded run definition with its files) and GEP runs as jobs::Runner jobs with SSE progress
// (/api/v1/jobs/{id}/events); outputs (summary, zonal tables as JSON or CSV, COG rasters, PNG
// quick-looks with WGS 84 bounds for Leaflet, the HTML report, VEP gains) are served from the eco
// data folder. Writes go through audit::CommandRunner.
//
// Roles: platform admins, and officers for datasets within their jurisdiction, upload datasets
// and start runs; auditors, banks and every officer read (auditors are read-only).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "audit/command.hpp"
#include "auth/principal.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "http/router.hpp"
#include "jobs/jobs.hpp"
#include "store/db.hpp"
#include "store/migrate.hpp"

namespace riverlink::eco_api {
// Migrations of the eco tables (eco_datasets, eco_runs), registered as module "eco_api".
std::vector<store::Migration> migrations();
}  // namespace riverlink::eco_api

namespace riverlink::eco {

struct RunsOptions {
  std::string data_dir = "var/eco";  // datasets/<id>/ and runs/<id>/ live here
  int threads = 0;                   // engine threads per run (0: all cores)
  double memory_gib = 1.0;           // engine memory budget per run
  // Largest dataset archive POST /api/v1/eco/datasets/archive accepts (bytes; the route's body
  // limit); an archive may unpack to at most four times this. See upload_limit_from_env.
  std::size_t upload_limit = std::size_t(512) << 20;
};

// RIVERLINK_ECO_UPLOAD_LIMIT_MB's value (whole MiB, 1..65536) as bytes; null or empty: the
// default (512 MiB). Throws std::invalid_argument naming the variable on a bad value.
std::size_t upload_limit_from_env(const char* value);

// What an upload says about itself (JSON body fields, or the archive route's query parameters).
struct UploadMeta {
  std::string name, division, run_file;
  std::optional<std::string> project_run_file, parcels_file;
};

class Runs {
 public:
  Runs(store::Database& db, audit::CommandRunner& commands, jobs::Runner& jobs, const core::Clock& clock, core::IdGenerator& ids,
       RunsOptions opt);

  Result<core::Json> list_datasets(const auth::Principal& p);
  // body: {name, division_code, files: {relative path: base64}, run_file?, project_run_file?, parcels_file?}.
  // The bundled profiles and tables (profiles/, tables/) are written first; uploaded files may
  // replace them. The run definition is validated before the dataset is recorded; on any error
  // nothing is kept and the error names the file, band, class or field.
  Result<core::Json> upload_dataset(const auth::Principal& p, const audit::CommandContext& ctx, const core::Json& body);
  // The same from a zip archive file of the dataset folder (libzip; the route spools the request
  // body to a temporary file): meta holds name, division_code, run_file?, project_run_file?,
  // parcels_file?; archive_name names the archive in errors. Entries
  // must stay inside the dataset; corrupt archives are refused naming the archive and entry;
  // the idempotency payload carries the archive's SHA-256.
  Result<core::Json> upload_archive(const auth::Principal& p, const audit::CommandContext& ctx, const core::Json& meta,
                                    const std::string& archive, const std::string& archive_name);
  // The Suqian demo dataset (generated once, labelled demo); cols/rows as in demo::SuqianOptions.
  Result<core::Json> ensure_demo_dataset(const audit::CommandContext& ctx, int cols, int rows);
  // Starts a GEP run (and with vep, the project scenario and the parcels' gains) as a job.
  Result<core::Json> start_run(const auth::Principal& p, const audit::CommandContext& ctx, const std::string& dataset_id, bool vep);
  Result<core::Json> list_runs(const auth::Principal& p, const std::string& dataset_id);
  Result<core::Json> get_run(const auth::Principal& p, const std::string& id);
  // Folder of a succeeded run (for serving its files).
  Result<std::string> run_dir(const auth::Principal& p, const std::string& id);
  const RunsOptions& options() const { return opt_; }

 private:
  Result<core::Json> dataset_row(const std::string& id);
  // Writes the bundled tables, then write_files into a fresh dataset folder, validates the run
  // definitions and records the dataset through CommandRunner; on any error nothing is kept.
  Result<core::Json> store_dataset(const auth::Principal& p, const audit::CommandContext& ctx, const UploadMeta& m, const core::Json& payload,
                                   const std::function<Status(const std::string& dir)>& write_files);
  store::Database& db_;
  audit::CommandRunner& commands_;
  jobs::Runner& jobs_;
  const core::Clock& clock_;
  core::IdGenerator& ids_;
  RunsOptions opt_;
};

Status can_read(const auth::Principal& p);
Status can_write(const auth::Principal& p, const std::string& division_code);

void register_routes(http::Router& router, Runs& runs);

// Demo seed: the Suqian demo dataset and one completed run with its VEP parcels (waits for the
// job). Skips when a succeeded demo run exists. Size from RIVERLINK_ECO_DEMO_SIZE (tiny|demo|full).
Status seed_demo(Runs& runs, jobs::Runner& jobs, const std::string& size = "demo");

}  // namespace riverlink::eco
