// HTTP face and run service of the eco module: GEP datasets (the Suqian demo region or an
// uploaded run definition with its files) and GEP runs as jobs::Runner jobs with SSE progress
// (/api/v1/jobs/{id}/events); outputs (summary, zonal tables as JSON or CSV, COG rasters, PNG
// quick-looks with WGS 84 bounds for Leaflet, the HTML report, VEP gains) are served from the eco
// data folder. Writes go through audit::CommandRunner.
//
// Roles: platform admins, and officers for datasets within their jurisdiction, upload datasets
// and start runs; auditors, banks and every officer read (auditors are read-only).
#pragma once

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
