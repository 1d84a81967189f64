#include "eco/gep/invest.hpp"
#include "eco/gep/exact_sum.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>

#include "eco/gep/table.hpp"
#include "eco/raster/routing.hpp"

namespace riverlink::eco::gep {
namespace fs = std::filesystem;
using raster::EngineOptions;
using raster::Grid;
using raster::is_nodata;
using raster::Reader;
using raster::Source;
using raster::Window;
using raster::Writer;

namespace {

constexpr float kF32Min = -3.4028234663852886e+38f;

Error arg_error(const std::string& file, const std::string& key, const std::string& msg) {
  return Error::field("eco.args_invalid", key, file + ": " + key + ": " + msg);
}

Result<core::Json> load_json(const std::string& file) {
  std::ifstream in(file);
  if (!in) return Error::field("eco.file_missing", file, file + ": cannot open args file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = core::parse_json(ss.str());
  if (!j.ok()) return Error::field("eco.args_invalid", file, file + ": " + j.error().message);
  if (!j->is_object()) return Error::field("eco.args_invalid", file, file + ": not a JSON object");
  return j;
}

struct ArgReader {
  const core::Json& j;
  std::string base, file;
  Result<std::string> path(const std::string& key, bool required = true) const {
    if (!j.contains(key) || j[key].is_null() || (j[key].is_string() && j[key].get<std::string>().empty())) {
      if (required) return arg_error(file, key, "required path is missing");
      return std::string();
    }
    if (!j[key].is_string()) return arg_error(file, key, "must be a string path");
    fs::path p = j[key].get<std::string>();
    if (p.is_relative()) p = fs::path(base) / p;
    return p.lexically_normal().string();
  }
  Result<double> number(const std::string& key, std::optional<double> def = std::nullopt) const {
    if (!j.contains(key) || j[key].is_null()) {
      if (def) return *def;
      return arg_error(file, key, "required number is missing");
    }
    if (j[key].is_number()) return j[key].get<double>();
    if (j[key].is_string()) {
      const std::string s = j[key].get<std::string>();
      char* end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (!s.empty() && !*end) return v;
    }
    return arg_error(file, key, "must be a number");
  }
  bool flag(const std::string& key) const { return j.contains(key) && j[key].is_boolean() && j[key].get<bool>(); }
  std::string str(const std::string& key) const {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
  }
};

#define RL_ASSIGN(lhs, expr)                   \
  do {                                         \
    auto rl_v_ = (expr);                       \
    if (!rl_v_.ok()) return rl_v_.error();     \
    lhs = std::move(rl_v_.value());            \
  } while (0)

// Dense lookup of per-class coefficients by land-cover code.
struct Lookup {
  std::int32_t lo = 0;
  std::vector<std::uint8_t> present;
  std::vector<std::vector<double>> cols;  // cols[c][code - lo]
  std::string table_path, raster_path;
  static Result<Lookup> build(const Table& t, const std::vector<std::string>& columns) {
    RL_TRY(t.require(columns));
    Lookup l;
    l.table_path = t.path;
    if (t.rows.empty()) return Error::field("eco.table_invalid", t.path, t.path + ": no rows");
    std::int64_t lo = t.rows.begin()->first, hi = t.rows.rbegin()->first;
    if (hi - lo > 1'000'000) return Error::field("eco.table_invalid", t.path, t.path + ": codes span more than 1e6");
    l.lo = std::int32_t(lo);
    std::size_t n = std::size_t(hi - lo + 1);
    l.present.assign(n, 0);
    l.cols.assign(columns.size(), std::vector<double>(n, 0));
    for (auto& [k, _] : t.rows) {
      l.present[std::size_t(k - lo)] = 1;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        auto v = t.num(k, columns[c]);
        if (!v.ok()) return v.error();
        l.cols[c][std::size_t(k - lo)] = *v;
      }
    }
    return l;
  }
  // Index of code or -1.
  long idx(std::int32_t code) const {
    long i = long(code) - lo;
    return (i >= 0 && i < long(present.size()) && present[std::size_t(i)]) ? i : -1;
  }
  Error missing(std::int32_t code) const {
    return Error::field("eco.class_missing", "lucode",
                        raster_path + ": land-cover class " + std::to_string(code) + " is not in " + table_path);
  }
};

// Sums are exact (ExactSum): the watershed tables do not depend on which thread read which tile.
struct ZoneAcc {
  std::vector<std::vector<ExactSum>> sum;  // [metric][zone]
  std::vector<std::vector<double>> cnt;
  void init(std::size_t metrics, std::size_t zones) {
    sum.assign(metrics, std::vector<ExactSum>(zones + 1));
    cnt.assign(metrics, std::vector<double>(zones + 1, 0));
  }
  void merge(const ZoneAcc& o) {
    for (std::size_t m = 0; m < sum.size(); ++m)
      for (std::size_t z = 0; z < sum[m].size(); ++z) {
        sum[m][z] += o.sum[m][z];
        cnt[m][z] += o.cnt[m][z];
      }
  }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string fmt17(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

Status write_text(const std::string& path, const std::string& text) {
  std::string tmp = path + ".part";
  {
    std::ofstream o(tmp, std::ios::binary);
    if (!o) return Error::field("eco.write_failed", path, path + ": cannot write");
    o << text;
    if (!o) return Error::field("eco.write_failed", path, path + ": write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Error::field("eco.write_failed", path, path + ": " + ec.message());
  return ok_status();
}

Status write_ws_csv(const std::string& path, const std::vector<WatershedRow>& rows, const std::vector<std::string>& cols,
                    bool with_name) {
  std::string s = with_name ? "ws_id,name" : "ws_id";
  for (auto& c : cols) s += "," + c;
  s += "\n";
  for (auto& r : rows) {
    s += std::to_string(r.ws_id);
    if (with_name) s += "," + r.name;
    for (auto& c : cols) s += "," + fmt17(r.values.at(c));
    s += "\n";
  }
  return write_text(path, s);
}

// A raster whose every valid value is nodata is an error: name it.
Status require_some_valid(const std::string& name, const std::string& path, std::int64_t valid) {
  if (valid == 0)
    return Error::field("eco.all_nodata", name, path + ": " + name + " has no valid pixel on the land-cover grid");
  return ok_status();
}

}  // namespace

// ----- args -----------------------------------------------------------------------------------

Result<AwyArgs> awy_args_from_json(const core::Json& j, const std::string& base, const std::string& file) {
  ArgReader r{j, base, file};
  AwyArgs a;
  RL_ASSIGN(a.lulc, r.path("lulc_path"));
  RL_ASSIGN(a.precipitation, r.path("precipitation_path"));
  RL_ASSIGN(a.eto, r.path("eto_path"));
  RL_ASSIGN(a.depth, r.path("depth_to_root_rest_layer_path"));
  RL_ASSIGN(a.pawc, r.path("pawc_path"));
  RL_ASSIGN(a.watersheds, r.path("watersheds_path"));
  RL_ASSIGN(a.biophysical_table, r.path("biophysical_table_path"));
  RL_ASSIGN(a.seasonality, r.number("seasonality_constant"));
  if (!(a.seasonality > 0)) return arg_error(file, "seasonality_constant", "must be > 0");
  a.suffix = r.str("results_suffix");
  return a;
}
Result<CarbonArgs> carbon_args_from_json(const core::Json& j, const std::string& base, const std::string& file) {
  ArgReader r{j, base, file};
  CarbonArgs a;
  RL_ASSIGN(a.lulc_cur, r.path("lulc_cur_path"));
  RL_ASSIGN(a.carbon_pools, r.path("carbon_pools_path"));
  a.sequestration = r.flag("calc_sequestration");
  a.valuation = r.flag("do_valuation");
  if (r.flag("do_redd")) return arg_error(file, "do_redd", "REDD scenarios are not supported");
  if (a.sequestration) {
    RL_ASSIGN(a.lulc_fut, r.path("lulc_fut_path"));
    double cy = 0, fy = 0;
    RL_ASSIGN(cy, r.number("lulc_cur_year", 0.0));
    RL_ASSIGN(fy, r.number("lulc_fut_year", 0.0));
    a.cur_year = int(cy);
    a.fut_year = int(fy);
  }
  if (a.valuation) {
    if (!a.sequestration) return arg_error(file, "do_valuation", "valuation needs calc_sequestration");
    RL_ASSIGN(a.price, r.number("price_per_metric_ton_of_c"));
    RL_ASSIGN(a.discount_rate, r.number("discount_rate"));
    RL_ASSIGN(a.rate_change, r.number("rate_change"));
    if (a.fut_year <= a.cur_year) return arg_error(file, "lulc_fut_year", "must be after lulc_cur_year");
  }
  RL_ASSIGN(a.watersheds, r.path("watersheds_path", false));
  a.suffix = r.str("results_suffix");
  return a;
}
Result<SdrArgs> sdr_args_from_json(const core::Json& j, const std::string& base, const std::string& file) {
  ArgReader r{j, base, file};
  SdrArgs a;
  RL_ASSIGN(a.dem, r.path("dem_path"));
  RL_ASSIGN(a.erosivity, r.path("erosivity_path"));
  RL_ASSIGN(a.erodibility, r.path("erodibility_path"));
  RL_ASSIGN(a.lulc, r.path("lulc_path"));
  RL_ASSIGN(a.watersheds, r.path("watersheds_path"));
  RL_ASSIGN(a.biophysical_table, r.path("biophysical_table_path"));
  RL_ASSIGN(a.drainage, r.path("drainage_path", false));
  if (!a.drainage.empty()) return arg_error(file, "drainage_path", "drainage layers are not supported yet");
  RL_ASSIGN(a.tfa, r.number("threshold_flow_accumulation"));
  RL_ASSIGN(a.k, r.number("k_param"));
  RL_ASSIGN(a.ic0, r.number("ic_0_param"));
  RL_ASSIGN(a.sdr_max, r.number("sdr_max"));
  RL_ASSIGN(a.l_max, r.number("l_max"));
  if (!(a.tfa > 0)) return arg_error(file, "threshold_flow_accumulation", "must be > 0");
  if (!(a.k > 0)) return arg_error(file, "k_param", "must be > 0");
  a.suffix = r.str("results_suffix");
  return a;
}

namespace {
std::string dir_of(const std::string& file) {
  auto p = fs::absolute(fs::path(file)).parent_path();
  return p.string();
}
}  // namespace

Result<AwyArgs> parse_awy_args(const std::string& f) {
  auto j = load_json(f);
  if (!j.ok()) return j.error();
  return awy_args_from_json(*j, dir_of(f), f);
}
Result<CarbonArgs> parse_carbon_args(const std::string& f) {
  auto j = load_json(f);
  if (!j.ok()) return j.error();
  return carbon_args_from_json(*j, dir_of(f), f);
}
Result<SdrArgs> parse_sdr_args(const std::string& f) {
  auto j = load_json(f);
  if (!j.ok()) return j.error();
  return sdr_args_from_json(*j, dir_of(f), f);
}

// ----- formulas -------------------------------------------------------------------------------

float awy_fractp(float kc, float root, bool veg, float p, float eto, float depth, float pawc, float z) {
  float pet = kc * eto;
  if (!veg) return std::min(pet, p) / p;
  float awc = std::min(root, depth) * pawc;
  float w = z * awc / p + 1.25f;
  if (w > 5.0f) w = 5.0f;
  float ratio = pet / p;
  float f = 1.0f + ratio - std::pow(1.0f + std::pow(ratio, w), 1.0f / w);
  return std::min(ratio, f);
}

double carbon_valuation_constant(int cur_year, int fut_year, double price, double d, double c) {
  int n = fut_year - cur_year;
  if (n <= 0) return 0;
  double ratio = 1.0 / ((1.0 + d / 100.0) * (1.0 + c / 100.0));
  if (ratio == 1.0) return price;
  return price / n * (1.0 - std::pow(ratio, n)) / (1.0 - ratio);
}

namespace {
// cell^(m+2) and 22.13^m of the L factor. They take four values on slopes up to 9 %, so those are
// computed once per thread and cell size (pow gives the same bits whenever it is called).
void cell_and_unit_powers(double cell, double m, double& pc, double& p22) {
  struct Powers {
    double cell = -1;
    double pc[4], p22[4];
  };
  thread_local Powers pw;
  const int mi = m == 0.2 ? 0 : m == 0.3 ? 1 : m == 0.4 ? 2 : m == 0.5 ? 3 : -1;
  if (mi < 0) {
    pc = std::pow(cell, m + 2);
    p22 = std::pow(22.13, m);
    return;
  }
  if (pw.cell != cell) {
    const double ms[4] = {0.2, 0.3, 0.4, 0.5};
    for (int k = 0; k < 4; ++k) {
      pw.pc[k] = std::pow(cell, ms[k] + 2);
      pw.p22[k] = std::pow(22.13, ms[k]);
    }
    pw.cell = cell;
  }
  pc = pw.pc[mi];
  p22 = pw.p22[mi];
}
}  // namespace

double ls_factor_313(double slope_pct, double fa, double x, double cell, double l_max) {
  double cell_area = cell * cell;
  double a = (fa - 1.0) * cell_area;
  double theta = std::atan(slope_pct / 100.0);
  double st = std::sin(theta);
  double s = slope_pct < 9.0 ? 10.8 * st + 0.03 : 16.8 * st - 0.5;
  double m;
  if (slope_pct <= 1) m = 0.2;
  else if (slope_pct <= 3.5) m = 0.3;
  else if (slope_pct <= 5) m = 0.4;
  else if (slope_pct <= 9) m = 0.5;
  else {
    double beta = (st / 0.0896) / (3.0 * std::pow(st, 0.8) + 0.56);
    m = beta / (1.0 + beta);
  }
  double pc, p22;
  cell_and_unit_powers(cell, m, pc, p22);
  double l = (std::pow(a + cell_area, m + 1) - std::pow(a, m + 1)) / (pc * std::pow(x, m) * p22);
  if (l > l_max) l = l_max;
  return l * s;
}

namespace {
double s_factor_mccool(double slope_pct, double st) { return slope_pct < 9.0 ? 10.8 * st + 0.03 : 16.8 * st - 0.5; }
double m_exponent(double slope_pct, double st) {
  if (slope_pct <= 1) return 0.2;
  if (slope_pct <= 3.5) return 0.3;
  if (slope_pct <= 5) return 0.4;
  if (slope_pct <= 9) return 0.5;
  double beta = (st / 0.0896) / (3.0 * std::pow(st, 0.8) + 0.56);
  return beta / (1.0 + beta);
}
}  // namespace

double ls_factor_desmet_govers(double slope_pct, double fa, double cell, double l_max) {
  double cell_area = cell * cell;
  double a = std::sqrt(std::max(0.0, fa - 1.0) * cell_area);
  double theta = std::atan(slope_pct / 100.0), st = std::sin(theta);
  double x = std::abs(std::sin(theta)) + std::abs(std::cos(theta));
  double m = m_exponent(slope_pct, st);
  double pc, p22;
  cell_and_unit_powers(cell, m, pc, p22);
  double l = (std::pow(a + cell_area, m + 1) - std::pow(a, m + 1)) / (pc * std::pow(x, m) * p22);
  return std::min(l, l_max) * s_factor_mccool(slope_pct, st);
}

double ls_factor_china(double slope_pct, double fa, double cell, double max_length) {
  double theta = std::atan(slope_pct / 100.0), st = std::sin(theta);
  double deg = theta * 180.0 / 3.14159265358979323846;
  double s = slope_pct < 9.0 ? 10.8 * st + 0.03 : deg < 10.0 ? 16.8 * st - 0.5 : 21.91 * st - 0.96;
  double m = slope_pct <= 1 ? 0.2 : slope_pct <= 3 ? 0.3 : slope_pct <= 5 ? 0.4 : 0.5;
  double lambda = std::min(fa * cell, max_length);
  return std::pow(lambda / 22.13, m) * s;
}

// ----- Annual Water Yield ---------------------------------------------------------------------

Result<ModelResult> run_awy(const AwyArgs& a, const std::string& ws, const EngineOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  // Each input block is read once: a small block cache suffices (evicted blocks are recycled).
  raster::init_gdal(std::min<std::int64_t>(opt.memory_budget / 16, 128ll << 20));
  auto lulc_info = raster::probe(a.lulc);
  if (!lulc_info.ok()) return lulc_info.error();
  const Grid g = lulc_info->grid;
  auto table = read_table(a.biophysical_table, "lucode");
  if (!table.ok()) return table.error();
  auto lk = Lookup::build(*table, {"kc", "root_depth", "lulc_veg"});
  if (!lk.ok()) return lk.error();
  lk->raster_path = a.lulc;
  std::vector<Source> srcs = {{"lulc_path", a.lulc, raster::Resample::nearest},
                              {"precipitation_path", a.precipitation, raster::Resample::nearest},
                              {"eto_path", a.eto, raster::Resample::nearest},
                              {"depth_to_root_rest_layer_path", a.depth, raster::Resample::nearest},
                              {"pawc_path", a.pawc, raster::Resample::nearest}};
  for (auto& s : srcs) {
    auto i = raster::probe(s.path);
    if (!i.ok()) return i.error();
    RL_TRY(raster::check_alignable(s, *i, g));
  }
  std::error_code ec;
  fs::create_directories(fs::path(ws) / "output" / "per_pixel", ec);
  fs::create_directories(fs::path(ws) / "intermediate", ec);
  if (ec) return Error::field("eco.write_failed", ws, ws + ": " + ec.message());
  auto zones = raster::rasterize_zones(a.watersheds, "ws_id", g, (fs::path(ws) / "intermediate" / ("watershed_zones" + a.suffix + ".tif")).string());
  if (!zones.ok()) return zones.error();
  srcs.push_back({"watersheds_path", zones->raster_path, raster::Resample::nearest});
  std::map<std::string, double> stage;
  auto t_stage = t0;
  auto lap = [&](const char* name) {
    stage[name] = seconds_since(t_stage);
    t_stage = std::chrono::steady_clock::now();
  };
  lap("zones");

  std::string sfx = a.suffix.empty() ? "" : "_" + a.suffix;
  auto out = [&](const std::string& rel) { return (fs::path(ws) / rel).string(); };
  std::vector<std::string> names = {"output/per_pixel/wyield" + sfx + ".tif", "output/per_pixel/fractp" + sfx + ".tif",
                                    "output/per_pixel/aet" + sfx + ".tif", "intermediate/pet" + sfx + ".tif"};
  std::vector<Writer> writers;
  for (auto& n : names) {
    auto w = Writer::create(out(n), g, {.type = raster::PixelType::float32, .nodata = -1});
    if (!w.ok()) return w.error();
    writers.push_back(std::move(*w));
  }
  int threads = raster::thread_count(opt);
  std::vector<std::vector<Reader>> readers(static_cast<std::size_t>(threads));
  for (auto& rs : readers)
    for (auto& s : srcs) {
      auto r = Reader::open(s, g);
      if (!r.ok()) return r.error();
      rs.push_back(std::move(*r));
    }
  const std::size_t nz = zones->zones.size();
  enum { P, PET, AET, WY, NM };
  std::vector<ZoneAcc> acc(static_cast<std::size_t>(threads));
  for (auto& z : acc) z.init(NM, nz);
  std::vector<std::int64_t> valid_p(std::size_t(threads), 0), valid_lulc(std::size_t(threads), 0);
  const float z = float(a.seasonality);
  // Per-thread tile buffers, reused from tile to tile (fresh allocations of this size are mmap'd
  // and page-faulted on every tile).
  struct Buf {
    std::vector<std::int32_t> lu, zone;
    std::vector<float> p, eto, dep, pawc, wy, fr, aet, pet;
  };
  std::vector<Buf> bufs(static_cast<std::size_t>(threads));
  auto st = raster::for_each_tile(g, opt, 4 * 12, [&](int t, const Window& w) -> Status {
    auto& rs = readers[std::size_t(t)];
    std::size_t n = std::size_t(w.size());
    auto& b = bufs[std::size_t(t)];
    for (auto* v : {&b.lu, &b.zone}) v->resize(n);
    for (auto* v : {&b.p, &b.eto, &b.dep, &b.pawc, &b.wy, &b.fr, &b.aet, &b.pet}) v->resize(n);
    auto &lu = b.lu, &zone = b.zone;
    auto &p = b.p, &eto = b.eto, &dep = b.dep, &pawc = b.pawc, &wy = b.wy, &fr = b.fr, &aet = b.aet, &pet = b.pet;
    RL_TRY(rs[0].read(w.x0, w.y0, w.w, w.h, lu.data()));
    RL_TRY(rs[1].read(w.x0, w.y0, w.w, w.h, p.data()));
    RL_TRY(rs[2].read(w.x0, w.y0, w.w, w.h, eto.data()));
    RL_TRY(rs[3].read(w.x0, w.y0, w.w, w.h, dep.data()));
    RL_TRY(rs[4].read(w.x0, w.y0, w.w, w.h, pawc.data()));
    RL_TRY(rs[5].read(w.x0, w.y0, w.w, w.h, zone.data()));
    const auto& lnd = rs[0].nodata();
    const auto& pnd = rs[1].nodata();
    const auto& end = rs[2].nodata();
    const auto& dnd = rs[3].nodata();
    const auto& wnd = rs[4].nodata();
    auto& za = acc[std::size_t(t)];
    for (std::size_t i = 0; i < n; ++i) {
      wy[i] = fr[i] = aet[i] = pet[i] = -1.0f;
      bool p_ok = !is_nodata(p[i], pnd);
      if (p_ok && p[i] < 0)
        return Error::field("eco.negative_precipitation", "precipitation_path",
                            a.precipitation + ": negative precipitation " + std::to_string(p[i]) + " at pixel (" +
                                std::to_string(w.x0 + int(i % std::size_t(w.w))) + "," +
                                std::to_string(w.y0 + int(i / std::size_t(w.w))) + ")");
      int zi = zone[i] > 0 && std::size_t(zone[i]) <= nz ? zone[i] : 0;
      if (p_ok) {
        ++valid_p[std::size_t(t)];
        za.sum[P][std::size_t(zi)] += p[i];
        za.cnt[P][std::size_t(zi)] += 1;
      }
      if (is_nodata(lu[i], lnd)) continue;
      ++valid_lulc[std::size_t(t)];
      long li = lk->idx(lu[i]);
      if (li < 0) return lk->missing(lu[i]);
      float kc = float(lk->cols[0][std::size_t(li)]), root = float(lk->cols[1][std::size_t(li)]);
      bool veg = lk->cols[2][std::size_t(li)] == 1.0;
      if (!is_nodata(eto[i], end)) {
        pet[i] = kc * eto[i];
        za.sum[PET][std::size_t(zi)] += pet[i];
        za.cnt[PET][std::size_t(zi)] += 1;
      }
      if (!p_ok || p[i] == 0 || is_nodata(eto[i], end) || is_nodata(dep[i], dnd) || is_nodata(pawc[i], wnd)) continue;
      float f = awy_fractp(kc, root, veg, p[i], eto[i], dep[i], pawc[i], z);
      fr[i] = f;
      wy[i] = (1.0f - f) * p[i];
      aet[i] = f * p[i];
      za.sum[AET][std::size_t(zi)] += aet[i];
      za.cnt[AET][std::size_t(zi)] += 1;
      za.sum[WY][std::size_t(zi)] += wy[i];
      za.cnt[WY][std::size_t(zi)] += 1;
    }
    RL_TRY(writers[0].write(w.x0, w.y0, w.w, w.h, wy.data()));
    RL_TRY(writers[1].write(w.x0, w.y0, w.w, w.h, fr.data()));
    RL_TRY(writers[2].write(w.x0, w.y0, w.w, w.h, aet.data()));
    RL_TRY(writers[3].write(w.x0, w.y0, w.w, w.h, pet.data()));
    return ok_status();
  });
  if (!st.ok()) {
    writers.clear();
    for (auto& n : names) fs::remove(out(n), ec);
    return st.error();
  }
  lap("tiles");
  for (auto& w : writers) RL_TRY(w.close());
  lap("close");
  std::int64_t vp = 0, vl = 0;
  for (auto v : valid_p) vp += v;
  for (auto v : valid_lulc) vl += v;
  auto fail = [&](Error e) -> Error {
    for (auto& n : names) fs::remove(out(n), ec);
    return e;
  };
  if (vl == 0) return fail(require_some_valid("lulc_path", a.lulc, 0).error());
  if (vp == 0) return fail(require_some_valid("precipitation_path", a.precipitation, 0).error());
  for (std::size_t t = 1; t < acc.size(); ++t) acc[0].merge(acc[t]);
  ModelResult res;
  for (std::size_t k = 0; k < nz; ++k) {
    WatershedRow r;
    r.ws_id = zones->zones[k].id;
    r.name = zones->zones[k].name;
    auto mean = [&](int m) { double c = acc[0].cnt[std::size_t(m)][k + 1]; return c > 0 ? acc[0].sum[std::size_t(m)][k + 1].value() / c : 0.0; };
    r.values["precip_mn"] = mean(P);
    r.values["PET_mn"] = mean(PET);
    r.values["AET_mn"] = mean(AET);
    r.values["wyield_mn"] = mean(WY);
    r.values["wyield_vol"] = mean(WY) * zones->zones[k].area_m2 / 1000.0;
    r.values["polygon_area_m2"] = zones->zones[k].area_m2;
    res.watersheds.push_back(r);
  }
  std::string csv = "output/watershed_results_wyield" + sfx + ".csv";
  RL_TRY(write_ws_csv(out(csv), res.watersheds, {"precip_mn", "PET_mn", "AET_mn", "wyield_mn", "wyield_vol"}, true));
  res.files = names;
  res.files.push_back(csv);
  res.seconds = stage;
  res.seconds["total"] = seconds_since(t0);
  res.totals["pixels"] = double(g.pixels());
  return res;
}

// ----- Carbon ---------------------------------------------------------------------------------

Result<ModelResult> run_carbon(const CarbonArgs& a, const std::string& ws, const EngineOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  // Each input block is read once: a small block cache suffices (evicted blocks are recycled).
  raster::init_gdal(std::min<std::int64_t>(opt.memory_budget / 16, 128ll << 20));
  auto cur_info = raster::probe(a.lulc_cur);
  if (!cur_info.ok()) return cur_info.error();
  const Grid g = cur_info->grid;
  bool fut = a.sequestration;
  if (fut) {
    auto fi = raster::probe(a.lulc_fut);
    if (!fi.ok()) return fi.error();
    if (!fi->grid.same(g))
      return Error::field("eco.grid_mismatch", "lulc_fut_path",
                          a.lulc_fut + ": grid (" + fi->grid.describe() + ") differs from lulc_cur_path (" + g.describe() + ")");
  }
  auto table = read_table(a.carbon_pools, "lucode");
  if (!table.ok()) return table.error();
  auto lk = Lookup::build(*table, {"c_above", "c_below", "c_soil", "c_dead"});
  if (!lk.ok()) return lk.error();
  std::error_code ec;
  fs::create_directories(fs::path(ws) / "intermediate_outputs", ec);
  if (ec) return Error::field("eco.write_failed", ws, ws + ": " + ec.message());
  std::optional<raster::Zones> zones;
  std::vector<Source> srcs = {{"lulc_cur_path", a.lulc_cur, raster::Resample::nearest}};
  if (fut) srcs.push_back({"lulc_fut_path", a.lulc_fut, raster::Resample::nearest});
  if (!a.watersheds.empty()) {
    auto z = raster::rasterize_zones(a.watersheds, "ws_id", g, (fs::path(ws) / "intermediate_outputs" / "watershed_zones.tif").string());
    if (!z.ok()) return z.error();
    zones = std::move(*z);
    srcs.push_back({"watersheds_path", zones->raster_path, raster::Resample::nearest});
  }
  std::map<std::string, double> stage;
  auto t_stage = t0;
  auto lap = [&](const char* name) {
    stage[name] = seconds_since(t_stage);
    t_stage = std::chrono::steady_clock::now();
  };
  lap("zones");
  const double ha = g.cell_area() / 10000.0;
  // Per-class totals per pixel, as InVEST: each pool density x pixel ha stored as float32, then summed.
  std::vector<float> tot_by_class(lk->present.size(), 0.0f);
  for (std::size_t i = 0; i < lk->present.size(); ++i) {
    float s = 0;
    for (int c = 0; c < 4; ++c) s += float(lk->cols[std::size_t(c)][i] * ha);
    tot_by_class[i] = s;
  }
  double K = a.valuation ? carbon_valuation_constant(a.cur_year, a.fut_year, a.price, a.discount_rate, a.rate_change) : 0;
  std::string sfx = a.suffix.empty() ? "" : "_" + a.suffix;
  std::vector<std::string> names = {"tot_c_cur" + sfx + ".tif"};
  if (fut) names.push_back("tot_c_fut" + sfx + ".tif"), names.push_back("delta_cur_fut" + sfx + ".tif");
  if (a.valuation) names.push_back("npv_fut" + sfx + ".tif");
  auto out = [&](const std::string& rel) { return (fs::path(ws) / rel).string(); };
  std::vector<Writer> writers;
  for (auto& n : names) {
    bool npv = n.rfind("npv", 0) == 0;
    auto w = Writer::create(out(n), g, {.type = raster::PixelType::float32, .nodata = npv ? double(kF32Min) : -1.0});
    if (!w.ok()) return w.error();
    writers.push_back(std::move(*w));
  }
  int threads = raster::thread_count(opt);
  std::vector<std::vector<Reader>> readers(static_cast<std::size_t>(threads));
  for (auto& rs : readers)
    for (auto& s : srcs) {
      auto r = Reader::open(s, g);
      if (!r.ok()) return r.error();
      rs.push_back(std::move(*r));
    }
  const std::size_t nz = zones ? zones->zones.size() : 0;
  std::vector<ZoneAcc> acc(static_cast<std::size_t>(threads));
  for (auto& z : acc) z.init(4, nz);
  std::vector<std::array<double, 4>> tot(std::size_t(threads), {0, 0, 0, 0});
  std::vector<std::array<std::int64_t, 2>> valid(std::size_t(threads), {0, 0});
  struct Buf {
    std::vector<std::int32_t> cur, futv, zone;
    std::vector<float> oc, of, od, onpv;
  };
  std::vector<Buf> bufs(static_cast<std::size_t>(threads));
  auto st = raster::for_each_tile(g, opt, 4 * 8, [&](int t, const Window& w) -> Status {
    auto& rs = readers[std::size_t(t)];
    std::size_t n = std::size_t(w.size());
    auto& b = bufs[std::size_t(t)];
    b.cur.resize(n);
    b.futv.resize(fut ? n : 0);
    b.zone.assign(n, 0);
    b.oc.assign(n, -1.0f);
    b.of.assign(fut ? n : 0, -1.0f);
    b.od.assign(fut ? n : 0, -1.0f);
    b.onpv.assign(a.valuation ? n : 0, kF32Min);
    auto &cur = b.cur, &futv = b.futv, &zone = b.zone;
    auto &oc = b.oc, &of = b.of, &od = b.od, &onpv = b.onpv;
    RL_TRY(rs[0].read(w.x0, w.y0, w.w, w.h, cur.data()));
    if (fut) RL_TRY(rs[1].read(w.x0, w.y0, w.w, w.h, futv.data()));
    if (zones) RL_TRY(rs.back().read(w.x0, w.y0, w.w, w.h, zone.data()));
    auto& T = tot[std::size_t(t)];
    auto& za = acc[std::size_t(t)];
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t zi = zone[i] > 0 && std::size_t(zone[i]) <= nz ? std::size_t(zone[i]) : 0;
      bool c_ok = !is_nodata(cur[i], rs[0].nodata());
      if (c_ok) {
        long li = lk->idx(cur[i]);
        if (li < 0) { lk->raster_path = a.lulc_cur; return lk->missing(cur[i]); }
        oc[i] = tot_by_class[std::size_t(li)];
        T[0] += oc[i];
        za.sum[0][zi] += oc[i];
        ++valid[std::size_t(t)][0];
      }
      if (!fut) continue;
      bool f_ok = !is_nodata(futv[i], rs[1].nodata());
      if (f_ok) {
        long li = lk->idx(futv[i]);
        if (li < 0) { lk->raster_path = a.lulc_fut; return lk->missing(futv[i]); }
        of[i] = tot_by_class[std::size_t(li)];
        T[1] += of[i];
        za.sum[1][zi] += of[i];
        ++valid[std::size_t(t)][1];
      }
      if (c_ok && f_ok) {
        od[i] = of[i] - oc[i];
        T[2] += od[i];
        za.sum[2][zi] += od[i];
        if (a.valuation) {
          onpv[i] = od[i] * float(K);
          T[3] += onpv[i];
          za.sum[3][zi] += onpv[i];
        }
      }
    }
    std::size_t k = 0;
    RL_TRY(writers[k++].write(w.x0, w.y0, w.w, w.h, oc.data()));
    if (fut) {
      RL_TRY(writers[k++].write(w.x0, w.y0, w.w, w.h, of.data()));
      RL_TRY(writers[k++].write(w.x0, w.y0, w.w, w.h, od.data()));
    }
    if (a.valuation) RL_TRY(writers[k++].write(w.x0, w.y0, w.w, w.h, onpv.data()));
    return ok_status();
  });
  auto fail = [&](Error e) -> Error {
    writers.clear();
    for (auto& n : names) fs::remove(out(n), ec);
    return e;
  };
  if (!st.ok()) return fail(st.error());
  lap("tiles");
  for (auto& w : writers) RL_TRY(w.close());
  lap("close");
  std::array<double, 4> T{0, 0, 0, 0};
  std::int64_t vc = 0, vf = 0;
  for (std::size_t t = 0; t < tot.size(); ++t) {
    for (int i = 0; i < 4; ++i) T[std::size_t(i)] += tot[t][std::size_t(i)];
    vc += valid[t][0];
    vf += valid[t][1];
    if (t) acc[0].merge(acc[t]);
  }
  if (vc == 0) return fail(require_some_valid("lulc_cur_path", a.lulc_cur, 0).error());
  if (fut && vf == 0) return fail(require_some_valid("lulc_fut_path", a.lulc_fut, 0).error());
  ModelResult res;
  res.totals["tot_c_cur"] = T[0];
  if (fut) res.totals["tot_c_fut"] = T[1], res.totals["delta_cur_fut"] = T[2];
  if (a.valuation) res.totals["npv_fut"] = T[3], res.totals["valuation_constant"] = K;
  std::string s = "description,value,units,raster\n";
  s += "Total cur," + fmt17(T[0]) + ",Mg of C,tot_c_cur" + sfx + ".tif\n";
  if (fut) {
    s += "Total fut," + fmt17(T[1]) + ",Mg of C,tot_c_fut" + sfx + ".tif\n";
    s += "Change in C for fut," + fmt17(T[2]) + ",Mg of C,delta_cur_fut" + sfx + ".tif\n";
  }
  if (a.valuation) s += "Net present value from cur to fut," + fmt17(T[3]) + ",currency units,npv_fut" + sfx + ".tif\n";
  RL_TRY(write_text(out("carbon_summary" + sfx + ".csv"), s));
  core::Json js = core::Json::object();
  for (auto& [k, v] : res.totals) js["totals"][k] = v;
  names.push_back("carbon_summary" + sfx + ".csv");
  if (zones) {
    std::vector<std::string> cols = {"tot_c_cur"};
    if (fut) cols.push_back("tot_c_fut"), cols.push_back("delta_cur_fut");
    if (a.valuation) cols.push_back("npv_fut");
    for (std::size_t k = 0; k < nz; ++k) {
      WatershedRow r;
      r.ws_id = zones->zones[k].id;
      r.name = zones->zones[k].name;
      for (std::size_t c = 0; c < cols.size(); ++c) r.values[cols[c]] = acc[0].sum[c][k + 1].value();
      js["per_watershed"][std::to_string(r.ws_id)] = r.values;
      res.watersheds.push_back(r);
    }
    RL_TRY(write_ws_csv(out("carbon_by_watershed" + sfx + ".csv"), res.watersheds, cols, false));
    names.push_back("carbon_by_watershed" + sfx + ".csv");
  }
  RL_TRY(write_text(out("carbon_summary" + sfx + ".json"), js.dump(2) + "\n"));
  names.push_back("carbon_summary" + sfx + ".json");
  res.files = names;
  res.seconds = stage;
  res.seconds["total"] = seconds_since(t0);
  return res;
}

}  // namespace riverlink::eco::gep
