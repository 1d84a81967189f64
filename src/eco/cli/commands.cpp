#include "eco/cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "eco/demo/suqian.hpp"
#include "eco/gep/invest.hpp"
#include "eco/gep/run.hpp"
#include "eco/vep/vep.hpp"

namespace riverlink::eco::cli {
namespace {

struct Opts {
  std::string args, workspace;
  int threads = 0;
  double memory_gib = 3.0;
  bool quiet = false;
};

void add_common(CLI::App* c, Opts& o) {
  c->add_option("--args", o.args, "InVEST 3.13 args JSON (paths relative to the file)")->required();
  c->add_option("--workspace", o.workspace, "output folder")->required();
  c->add_option("--threads", o.threads, "worker threads (0: all cores)")->capture_default_str();
  c->add_option("--memory-gib", o.memory_gib, "memory budget in GiB")->capture_default_str();
  c->add_flag("--quiet", o.quiet, "no progress bar");
}

raster::EngineOptions engine(const Opts& o) {
  raster::EngineOptions e;
  e.threads = o.threads;
  e.memory_budget = std::int64_t(o.memory_gib * double(1ll << 30));
  if (!o.quiet)
    e.progress = [last = -1](double f, const std::string&) mutable {
      int pct = int(f * 100);
      if (pct == last) return;
      last = pct;
      int bars = pct / 5;
      std::fprintf(stderr, "\r[%-20.*s] %3d%%", bars, "####################", pct);
      if (pct == 100) std::fprintf(stderr, "\n");
    };
  return e;
}

int report(const char* model, const Result<gep::ModelResult>& r, const std::string& ws) {
  if (!r.ok()) {
    std::fprintf(stderr, "gep invest %s: %s\n", model, r.error().message.c_str());
    return 2;
  }
  std::printf("%s: wrote %zu files to %s in %.2f s\n", model, r->files.size(), ws.c_str(), r->seconds.at("total"));
  for (auto& [k, v] : r->totals) std::printf("  %s = %.10g\n", k.c_str(), v);
  for (auto& w : r->watersheds) {
    std::printf("  ws %lld", (long long)w.ws_id);
    for (auto& [k, v] : w.values) std::printf(" %s=%.10g", k.c_str(), v);
    std::printf("\n");
  }
  return 0;
}

}  // namespace

std::function<int()> add_commands(CLI::App& app) {
  auto* gep = app.add_subcommand("gep", "gross ecosystem product (GEP) and InVEST-compatible models");
  gep->require_subcommand(1);
  auto* inv = gep->add_subcommand("invest", "InVEST 3.13-compatible models");
  inv->require_subcommand(1);
  auto opts = std::make_shared<Opts>();
  auto* awy = inv->add_subcommand("awy", "Annual Water Yield");
  auto* carbon = inv->add_subcommand("carbon", "Carbon storage and sequestration (cur/fut)");
  auto* sdr = inv->add_subcommand("sdr", "Sediment Delivery Ratio (RKLS, USLE, avoided erosion)");
  for (auto* c : {awy, carbon, sdr}) add_common(c, *opts);
  auto run_file = std::make_shared<std::string>();
  auto* validate = gep->add_subcommand("validate", "check a GEP run definition and everything it names");
  validate->add_option("FILE", *run_file, "run definition (JSON)")->required();
  auto* run = gep->add_subcommand("run", "run a GEP accounting");
  run->add_option("FILE", *run_file, "run definition (JSON)")->required();
  run->add_option("--out", opts->workspace, "output folder")->required();
  for (auto* c : {validate, run}) {
    c->add_option("--threads", opts->threads, "worker threads (0: all cores)");
    c->add_option("--memory-gib", opts->memory_gib, "memory budget in GiB");
    c->add_flag("--quiet", opts->quiet, "no progress bar");
  }
  struct VepOpts { std::string parcels, id_field, baseline, project, out; };
  auto vo = std::make_shared<VepOpts>();
  auto* vep = gep->add_subcommand("vep", "VEP of parcels: baseline vs project GEP runs, fractional and pixel-centre totals");
  vep->add_option("--parcels", vo->parcels, "parcel polygons (any OGR vector)")->required();
  vep->add_option("--id-field", vo->id_field, "parcel id field (default: feature id)");
  vep->add_option("--baseline", vo->baseline, "output folder of the baseline `gep run`")->required();
  vep->add_option("--project", vo->project, "output folder of the project `gep run`")->required();
  vep->add_option("--out", vo->out, "output folder")->required();
  struct DemoOpts { std::string out, size = "demo"; int cols = 0, rows = 0; };
  auto dm = std::make_shared<DemoOpts>();
  auto* demo_cmd = gep->add_subcommand("demo", "write the Suqian-like demo dataset (UTM 50N, 30 m; labelled demo)");
  demo_cmd->add_option("--out", dm->out, "output folder")->required();
  demo_cmd->add_option("--size", dm->size, "tiny | demo | full")->capture_default_str();
  demo_cmd->add_option("--cols", dm->cols, "grid columns (overrides --size)");
  demo_cmd->add_option("--rows", dm->rows, "grid rows (overrides --size)");
  return [=]() -> int {
    try {
      if (*demo_cmd) {
        auto o = demo::size_preset(dm->size);
        if (!o.ok()) { std::fprintf(stderr, "gep demo: %s\n", o.error().message.c_str()); return 2; }
        if (dm->cols > 0) o->cols = dm->cols;
        if (dm->rows > 0) o->rows = dm->rows;
        auto d = demo::generate_suqian(dm->out, *o);
        if (!d.ok()) { std::fprintf(stderr, "gep demo: %s\n", d.error().message.c_str()); return 2; }
        std::printf("wrote %zu files to %s (%d x %d px at 30 m)\n  riverlink gep run %s --out OUT\n", d->files.size(), d->dir.c_str(),
                    o->cols, o->rows, d->run_file.c_str());
        return 0;
      }
      if (*vep) {
        auto r = vep::run_vep(vo->parcels, vo->id_field, vo->baseline, vo->project, vo->out);
        if (!r.ok()) { std::fprintf(stderr, "gep vep: %s\n", r.error().message.c_str()); return 2; }
        for (auto& row : r->rows)
          std::printf("parcel %lld %-28s gain %14.2f yuan (fractional)  %14.2f yuan (pixel centres)\n", (long long)row.parcel_id,
                      row.service.c_str(), double(row.gain_fen) / 100, double(row.gain_centre_fen) / 100);
        return 0;
      }
      if (*validate || *run) {
        auto def = gep::load_run(*run_file);
        if (!def.ok()) { std::fprintf(stderr, "gep: %s\n", def.error().message.c_str()); return 2; }
        if (*validate) {
          auto v = gep::validate_run(*def, engine(*opts));
          if (!v.ok()) { std::fprintf(stderr, "gep validate: %s\n", v.error().message.c_str()); return 2; }
          for (auto& line : *v) std::printf("ok: %s\n", line.c_str());
          return 0;
        }
        auto r = gep::run_gep(*def, opts->workspace, engine(*opts));
        if (!r.ok()) { std::fprintf(stderr, "gep run: %s\n", r.error().message.c_str()); return 2; }
        std::printf("GEP %s %d: %.2f yuan (manifest %s)\n", def->name.c_str(), def->accounting_year, double(r->gep_fen) / 100.0,
                    r->manifest_sha256.c_str());
        for (auto& [c, s] : r->category_share) std::printf("  %-13s %5.1f %%\n", c.c_str(), 100 * s);
        for (auto& s : r->services)
          std::printf("  %-22s %-12s %16.2f %-6s %16.2f yuan\n", s.indicator.c_str(), s.category.c_str(), s.quantity, s.unit.c_str(),
                      double(s.value_fen) / 100.0);
        std::printf("  seconds:");
        for (auto& [k, v] : r->seconds) std::printf(" %s %.1f", k.c_str(), v);
        std::printf("\n");
        return 0;
      }
      if (*awy) {
        auto a = gep::parse_awy_args(opts->args);
        if (!a.ok()) { std::fprintf(stderr, "gep invest awy: %s\n", a.error().message.c_str()); return 2; }
        return report("awy", gep::run_awy(*a, opts->workspace, engine(*opts)), opts->workspace);
      }
      if (*carbon) {
        auto a = gep::parse_carbon_args(opts->args);
        if (!a.ok()) { std::fprintf(stderr, "gep invest carbon: %s\n", a.error().message.c_str()); return 2; }
        return report("carbon", gep::run_carbon(*a, opts->workspace, engine(*opts)), opts->workspace);
      }
      if (*sdr) {
        auto a = gep::parse_sdr_args(opts->args);
        if (!a.ok()) { std::fprintf(stderr, "gep invest sdr: %s\n", a.error().message.c_str()); return 2; }
        return report("sdr", gep::run_sdr(*a, opts->workspace, engine(*opts)), opts->workspace);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "gep: %s\n", e.what());
      return 2;
    }
    return -1;
  };
}

}  // namespace riverlink::eco::cli
