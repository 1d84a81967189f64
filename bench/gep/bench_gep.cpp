// bench_gep: synthetic Jiangsu-scale region (UTM 50N, 30 m) and timings of the eco engine.
//
//   bench_gep gen  --dir D [--mpx 100] [--deflate 1]   generate inputs (tiled ZSTD GeoTIFFs, or
//                                                     DEFLATE + predictor like InVEST's benchmark inputs)
//   bench_gep awy|carbon|sdr --dir D [--threads N] [--memory-gib G]
//   bench_gep all  --dir D [--mpx 100] [--sdr-mpx MPX] [--memory-gib 3.5]
//   bench_gep gepgen --dir D [--mpx 100]              a Suqian-like region (eco demo generator) of
//                                                     that size: every raster, vector and table of
//                                                     a GEP run definition
//   bench_gep gep  --dir D [--threads N] [--memory-gib G]   the full GEP accounting run on it
//                                                     (routing for LS, per-pixel services, COG
//                                                     outputs, zonal tables, quick-looks, report)
//
// Every phase prints wall seconds, Mpx/s and the peak resident memory of its own process
// (`all` runs each phase as a child process so the peaks are separate, SDR on the same region
// unless --sdr-mpx differs, and ends with per-pixel services, routing and the whole run).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gdal.h>
#include <gdal_utils.h>

#include "eco/demo/suqian.hpp"
#include "eco/gep/invest.hpp"
#include "eco/gep/run.hpp"
#include "eco/raster/raster.hpp"

using namespace riverlink;
using namespace riverlink::eco;
namespace fs = std::filesystem;

namespace {

std::string utm50n() {
  return R"(PROJCS["WGS 84 / UTM zone 50N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",117],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","32650"]])";
}

double hash01(std::uint64_t x) {
  x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
  return double(x >> 11) * (1.0 / 9007199254740992.0);
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double load_average() {
  double l = 0;
  std::ifstream("/proc/loadavg") >> l;
  return l;
}

double peak_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

struct Args {
  std::string cmd, dir = "/tmp/riverlink_bench_gep";
  double mpx = 100, sdr_mpx = 0, memory_gib = 3.5;
  int threads = 0, deflate = 0;
};

int side_for(double mpx) { return int(std::lround(std::sqrt(mpx * 1e6))); }

int generate(const std::string& dir, double mpx, bool deflate) {
  raster::init_gdal(256ll << 20);
  fs::create_directories(dir);
  int n = side_for(mpx);
  raster::Grid g;
  g.cols = n;
  g.rows = n;
  g.gt = {600000, 30, 0, 3800000, 0, -30};
  g.wkt = utm50n();
  struct Layer { std::string name; raster::PixelType t; double nodata; };
  std::vector<Layer> layers = {{"lulc", raster::PixelType::byte, 255},      {"lulc_alt", raster::PixelType::byte, 255},
                               {"precip", raster::PixelType::float32, -9999}, {"eto", raster::PixelType::float32, -9999},
                               {"depth", raster::PixelType::float32, -9999},  {"pawc", raster::PixelType::float32, -9999},
                               {"dem", raster::PixelType::float32, -9999},    {"erosivity", raster::PixelType::float32, -9999},
                               {"erodibility", raster::PixelType::float32, -9999}};
  std::vector<raster::Writer> ws;
  for (auto& l : layers) {
    auto w = raster::Writer::create(dir + "/" + l.name + ".tif", g, {.type = l.t, .nodata = l.nodata});
    if (!w.ok()) { std::fprintf(stderr, "%s\n", w.error().message.c_str()); return 2; }
    ws.push_back(std::move(*w));
  }
  auto t0 = std::chrono::steady_clock::now();
  raster::EngineOptions o{.threads = 0, .memory_budget = 1ll << 30, .tile = 256};
  auto st = raster::for_each_tile(g, o, 64, [&](int, const raster::Window& w) -> Status {
    std::size_t m = std::size_t(w.size());
    std::vector<std::uint8_t> lu(m), alt(m);
    std::vector<float> p(m), e(m), d(m), pw(m), dem(m), r(m), k(m);
    for (int y = 0; y < w.h; ++y)
      for (int x = 0; x < w.w; ++x) {
        std::size_t i = std::size_t(y) * std::size_t(w.w) + std::size_t(x);
        int gx = w.x0 + x, gy = w.y0 + y;
        double fx = double(gx) / n, fy = double(gy) / n;
        std::uint64_t key = std::uint64_t(gy) * 1000003ull + std::uint64_t(gx);
        double noise = hash01(key);
        // Hills in the south-west, plain to the north-east, lakes in two places.
        double hill = 180 * std::exp(-((fx - 0.2) * (fx - 0.2) + (fy - 0.8) * (fy - 0.8)) / 0.04) +
                      25 * std::sin(fx * 37) * std::sin(fy * 29);
        double z = 10 + std::max(0.0, hill) + 3 * (1 - fx) + 0.5 * noise;
        bool lake = std::hypot(fx - 0.7, fy - 0.3) < 0.08 || std::hypot(fx - 0.45, fy - 0.55) < 0.05;
        std::uint8_t cls = lake ? 5 : z > 90 ? 2 : z > 50 ? (noise < 0.5 ? 3 : 2) : noise < 0.06 ? 6 : noise < 0.09 ? 4 : 1;
        bool outside = (gx < 2 || gy < 2 || gx >= n - 2 || gy >= n - 2);
        lu[i] = outside ? 255 : cls;
        alt[i] = outside ? 255 : (cls == 1 && z > 40 ? 2 : cls);
        p[i] = float(880 + 150 * fy + 30 * noise);
        e[i] = float(900 + 80 * fx);
        d[i] = float(300 + 1500 * hash01(key ^ 0x9e37));
        pw[i] = float(0.12 + 0.12 * hash01(key ^ 0x7f4a));
        dem[i] = float(lake ? 12.0 : z);
        r[i] = float(3500 + 1000 * fy);
        k[i] = float(0.02 + 0.02 * hash01(key ^ 0x1234));
      }
    RL_TRY(ws[0].write(w.x0, w.y0, w.w, w.h, lu.data()));
    RL_TRY(ws[1].write(w.x0, w.y0, w.w, w.h, alt.data()));
    RL_TRY(ws[2].write(w.x0, w.y0, w.w, w.h, p.data()));
    RL_TRY(ws[3].write(w.x0, w.y0, w.w, w.h, e.data()));
    RL_TRY(ws[4].write(w.x0, w.y0, w.w, w.h, d.data()));
    RL_TRY(ws[5].write(w.x0, w.y0, w.w, w.h, pw.data()));
    RL_TRY(ws[6].write(w.x0, w.y0, w.w, w.h, dem.data()));
    RL_TRY(ws[7].write(w.x0, w.y0, w.w, w.h, r.data()));
    RL_TRY(ws[8].write(w.x0, w.y0, w.w, w.h, k.data()));
    return ok_status();
  });
  if (!st.ok()) { std::fprintf(stderr, "%s\n", st.error().message.c_str()); return 2; }
  for (auto& w : ws)
    if (auto c = w.close(); !c.ok()) { std::fprintf(stderr, "%s\n", c.error().message.c_str()); return 2; }
  // Four watersheds (quadrants) and the tables.
  double x0 = 600000, y1 = 3800000, s = 30.0 * n, hx = x0 + s / 2, hy = y1 - s / 2, y0 = y1 - s, x1 = x0 + s;
  char buf[2048];
  std::snprintf(buf, sizeof buf,
                R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32650"}},"features":[)"
                R"({"type":"Feature","properties":{"ws_id":1,"name":"NW"},"geometry":{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}},)"
                R"({"type":"Feature","properties":{"ws_id":2,"name":"NE"},"geometry":{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}},)"
                R"({"type":"Feature","properties":{"ws_id":3,"name":"SW"},"geometry":{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}},)"
                R"({"type":"Feature","properties":{"ws_id":4,"name":"SE"},"geometry":{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}}]})",
                x0, hy, hx, hy, hx, y1, x0, y1, x0, hy, hx, hy, x1, hy, x1, y1, hx, y1, hx, hy,
                x0, y0, hx, y0, hx, hy, x0, hy, x0, y0, hx, y0, x1, y0, x1, hy, hx, hy, hx, y0);
  std::ofstream(dir + "/watersheds.geojson") << buf;
  std::ofstream(dir + "/biophysical.csv") << "lucode,lulc_veg,root_depth,kc,usle_c,usle_p\n1,1,1200,0.75,0.23,0.4\n2,1,5000,1,0.006,1\n"
                                             "3,1,3000,0.85,0.02,1\n4,1,1800,0.65,0.04,1\n5,0,1,1.05,0,1\n6,0,1,0.3,0,1\n";
  std::ofstream(dir + "/pools.csv") << "lucode,c_above,c_below,c_soil,c_dead\n1,5,2,45,0\n2,60,15,80,5\n3,15,8,60,2\n4,3,6,50,0\n5,0,0,0,0\n6,1,0,20,0\n";
  std::ofstream(dir + "/args_awy.json") << R"({"lulc_path":"lulc.tif","precipitation_path":"precip.tif","eto_path":"eto.tif",)"
                                        << R"("depth_to_root_rest_layer_path":"depth.tif","pawc_path":"pawc.tif","watersheds_path":"watersheds.geojson",)"
                                        << R"("biophysical_table_path":"biophysical.csv","seasonality_constant":5})";
  std::ofstream(dir + "/args_carbon.json") << R"({"lulc_cur_path":"lulc.tif","lulc_fut_path":"lulc_alt.tif","calc_sequestration":true,)"
                                           << R"("carbon_pools_path":"pools.csv","lulc_cur_year":2020,"lulc_fut_year":2030,"do_valuation":true,)"
                                           << R"("price_per_metric_ton_of_c":80,"discount_rate":3,"rate_change":1.5})";
  std::ofstream(dir + "/args_sdr.json") << R"({"dem_path":"dem.tif","erosivity_path":"erosivity.tif","erodibility_path":"erodibility.tif",)"
                                        << R"("lulc_path":"lulc.tif","watersheds_path":"watersheds.geojson","biophysical_table_path":"biophysical.csv",)"
                                        << R"("threshold_flow_accumulation":1000,"k_param":2,"sdr_max":0.8,"ic_0_param":0.5,"l_max":122})";
  if (deflate) {
    // Re-encode the rasters as DEFLATE with predictors (3 for floats), as InVEST's inputs were.
    for (auto& l : layers) {
      std::string path = dir + "/" + l.name + ".tif", tmp = path + ".deflate.tif";
      GDALDatasetH src = GDALOpen(path.c_str(), GA_ReadOnly);
      const char* pred = l.t == raster::PixelType::byte ? "PREDICTOR=2" : "PREDICTOR=3";
      const char* args[] = {"-co", "TILED=YES", "-co", "COMPRESS=DEFLATE", "-co", pred, "-co", "NUM_THREADS=ALL_CPUS", nullptr};
      GDALTranslateOptions* o = GDALTranslateOptionsNew(const_cast<char**>(args), nullptr);
      GDALDatasetH outd = src ? GDALTranslate(tmp.c_str(), src, o, nullptr) : nullptr;
      GDALTranslateOptionsFree(o);
      if (src) GDALClose(src);
      if (!outd) { std::fprintf(stderr, "%s: DEFLATE re-encoding failed\n", path.c_str()); return 2; }
      GDALClose(outd);
      fs::rename(tmp, path);
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("gen      %6.1f Mpx (%d x %d)  %7.2f s  peak %6.0f MiB  %s\n", double(g.pixels()) / 1e6, n, n, secs, peak_mib(), dir.c_str());
  return 0;
}

int run_model(const Args& a) {
  raster::EngineOptions o{.threads = a.threads, .memory_budget = std::int64_t(a.memory_gib * double(1ll << 30))};
  auto t0 = std::chrono::steady_clock::now();
  Result<gep::ModelResult> r = Error::make(ErrorKind::invalid, "bench", "unknown model " + a.cmd);
  if (a.cmd == "awy") {
    auto x = gep::parse_awy_args(a.dir + "/args_awy.json");
    if (!x.ok()) { std::fprintf(stderr, "%s\n", x.error().message.c_str()); return 2; }
    r = gep::run_awy(*x, a.dir + "/ws_awy", o);
  } else if (a.cmd == "carbon") {
    auto x = gep::parse_carbon_args(a.dir + "/args_carbon.json");
    if (!x.ok()) { std::fprintf(stderr, "%s\n", x.error().message.c_str()); return 2; }
    r = gep::run_carbon(*x, a.dir + "/ws_carbon", o);
  } else if (a.cmd == "sdr") {
    auto x = gep::parse_sdr_args(a.dir + "/args_sdr.json");
    if (!x.ok()) { std::fprintf(stderr, "%s\n", x.error().message.c_str()); return 2; }
    r = gep::run_sdr(*x, a.dir + "/ws_sdr", o);
  }
  if (!r.ok()) { std::fprintf(stderr, "%s: %s\n", a.cmd.c_str(), r.error().message.c_str()); return 2; }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto info = raster::probe(a.dir + "/lulc.tif");
  double mpx = double(info->grid.pixels()) / 1e6;
  std::printf("%-8s %6.1f Mpx  %7.2f s  %7.2f Mpx/s  cpu %7.2f s  peak %6.0f MiB  load %.1f", a.cmd.c_str(), mpx, secs,
              mpx / secs, cpu_seconds(), peak_mib(), load_average());
  for (auto& [k, v] : r->seconds)
    if (k != "total") std::printf("  %s %.1fs", k.c_str(), v);
  std::printf("\n");
  return 0;
}

int gep_generate(const std::string& dir, double mpx) {
  auto t0 = std::chrono::steady_clock::now();
  demo::SuqianOptions o;
  o.cols = o.rows = side_for(mpx);
  auto d = demo::generate_suqian(dir, o);
  if (!d.ok()) {
    std::fprintf(stderr, "gepgen: %s\n", d.error().message.c_str());
    return 2;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("gepgen   %6.1f Mpx (%d x %d)  %7.2f s  peak %6.0f MiB  %s\n", double(o.cols) * o.rows / 1e6, o.cols, o.rows, secs,
              peak_mib(), d->run_file.c_str());
  return 0;
}

int gep_run(const Args& a) {
  raster::EngineOptions o{.threads = a.threads, .memory_budget = std::int64_t(a.memory_gib * double(1ll << 30))};
  auto def = gep::load_run(a.dir + "/run.json");
  if (!def.ok()) {
    std::fprintf(stderr, "gep: %s\n", def.error().message.c_str());
    return 2;
  }
  std::error_code ec;
  fs::remove_all(a.dir + "/out", ec);
  auto t0 = std::chrono::steady_clock::now();
  auto r = gep::run_gep(*def, a.dir + "/out", o);
  if (!r.ok()) {
    std::fprintf(stderr, "gep: %s\n", r.error().message.c_str());
    return 2;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto info = raster::probe(def->rasters.at("lulc"));
  double mpx = double(info->grid.pixels()) / 1e6;
  auto at = [&](const char* k) { return r->seconds.count(k) ? r->seconds.at(k) : 0.0; };
  double routing = at("routing"), services = at("validate") + at("setup") + at("services") + at("outputs");
  std::printf("gep      %6.1f Mpx  %7.2f s  %7.2f Mpx/s  cpu %7.2f s  peak %6.0f MiB  load %.1f  %zu services\n", mpx, secs,
              mpx / secs, cpu_seconds(), peak_mib(), load_average(), r->services.size());
  std::printf("         routing (LS) %.1f s; per-pixel services %.1f s (validate %.1f, compute %.1f, COG outputs %.1f); "
              "tables + manifest + quick-looks + report %.1f s\n",
              routing, services, at("validate"), at("services"), at("outputs"),
              at("tables") + at("manifest") + at("quicklooks") + at("report"));
  return 0;
}

struct ChildRun {
  int rc = 1;
  double wall = 0, peak_mib = 0;
};

ChildRun child(const std::string& self, const std::vector<std::string>& args) {
  std::fflush(stdout);
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(self.c_str()));
    for (auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
    argv.push_back(nullptr);
    execv(self.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  ChildRun r;
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.peak_mib = double(ru.ru_maxrss) / 1024.0;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_gep gen|awy|carbon|sdr|gepgen|gep|all [--dir D] [--mpx N] [--sdr-mpx N] [--threads N] [--memory-gib G]\n");
    return 2;
  }
  a.cmd = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--dir") a.dir = v;
    else if (k == "--mpx") a.mpx = std::stod(v);
    else if (k == "--sdr-mpx") a.sdr_mpx = std::stod(v);
    else if (k == "--threads") a.threads = std::stoi(v);
    else if (k == "--memory-gib") a.memory_gib = std::stod(v);
    else if (k == "--deflate") a.deflate = std::stoi(v);
    else { std::fprintf(stderr, "unknown option %s\n", k.c_str()); return 2; }
  }
  if (a.cmd == "gen") return generate(a.dir, a.mpx, a.deflate != 0);
  if (a.cmd == "gepgen") return gep_generate(a.dir, a.mpx);
  if (a.cmd == "gep") return gep_run(a);
  if (a.cmd == "all") {
    std::string self = fs::canonical("/proc/self/exe").string();
    std::string big = a.dir + "/region";
    std::string th = std::to_string(a.threads), mem = std::to_string(a.memory_gib);
    auto gen = child(self, {"gen", "--dir", big, "--mpx", std::to_string(a.mpx), "--deflate", std::to_string(a.deflate)});
    auto awy = child(self, {"awy", "--dir", big, "--threads", th, "--memory-gib", mem});
    auto carbon = child(self, {"carbon", "--dir", big, "--threads", th, "--memory-gib", mem});
    std::string routing = big;
    ChildRun gen2;
    if (a.sdr_mpx > 0 && a.sdr_mpx != a.mpx) {
      routing = a.dir + "/routing";
      gen2 = child(self, {"gen", "--dir", routing, "--mpx", std::to_string(a.sdr_mpx), "--deflate", std::to_string(a.deflate)});
    }
    auto sdr = child(self, {"sdr", "--dir", routing, "--threads", th, "--memory-gib", mem});
    double per_pixel = awy.wall + carbon.wall;
    std::printf("summary  per-pixel services (AWY + Carbon) %.1f s (target < 60 s); routing (SDR) %.1f s; "
                "whole run %.1f s (target < 300 s); peak %.0f MiB (target < 4096 MiB); load %.1f\n",
                per_pixel, sdr.wall, per_pixel + sdr.wall, std::max({awy.peak_mib, carbon.peak_mib, sdr.peak_mib}),
                load_average());
    // The full GEP accounting run (the specification's services) on a Suqian-like region.
    std::string gdir = a.dir + "/gep";
    auto ggen = child(self, {"gepgen", "--dir", gdir, "--mpx", std::to_string(a.mpx)});
    auto grun = child(self, {"gep", "--dir", gdir, "--threads", th, "--memory-gib", mem});
    std::printf("summary  full GEP run %.1f s (target < 300 s), peak %.0f MiB (target < 4096 MiB)\n", grun.wall, grun.peak_mib);
    return gen.rc | awy.rc | carbon.rc | gen2.rc * (routing != big) | sdr.rc | ggen.rc | grun.rc;
  }
  return run_model(a);
}
