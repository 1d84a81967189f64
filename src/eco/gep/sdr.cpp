// SDR (InVEST 3.13.0): routing on whole bands in memory. See invest.hpp and the InVEST README
// of the reference data for the conventions reproduced here.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "eco/gep/invest.hpp"
#include "eco/gep/table.hpp"
#include "eco/raster/routing.hpp"

namespace riverlink::eco::gep {
namespace fs = std::filesystem;
using namespace raster;

namespace {
constexpr float kF32Min = -3.4028234663852886e+38f;
constexpr double kFaNodata = -1.23789789e29;
constexpr double kSqrt2 = 1.4142135623730951;

double secs(std::chrono::steady_clock::time_point& t) {
  auto now = std::chrono::steady_clock::now();
  double s = std::chrono::duration<double>(now - t).count();
  t = now;
  return s;
}
}  // namespace

Result<ModelResult> run_sdr(const SdrArgs& a, const std::string& ws, const EngineOptions& opt) {
  auto t = std::chrono::steady_clock::now();
  auto t_all = t;
  ModelResult res;
  init_gdal(opt.memory_budget / 8);
  auto dem_info = probe(a.dem);
  if (!dem_info.ok()) return dem_info.error();
  const Grid g = dem_info->grid;
  const Dims d{g.cols, g.rows};
  const std::size_t n = d.n();
  if (std::int64_t(n) * kRoutingBytesPerPixel > opt.memory_budget)
    return Error::field("eco.memory_budget", "memory_budget",
                        "SDR routing of " + std::to_string(n) + " px needs about " +
                            std::to_string(std::int64_t(n) * kRoutingBytesPerPixel >> 20) + " MiB, over the budget of " +
                            std::to_string(opt.memory_budget >> 20) + " MiB");
  if (n >= (std::size_t(1) << 32)) return Error::field("eco.raster_too_large", "dem_path", a.dem + ": more than 2^32 pixels");
  auto table = read_table(a.biophysical_table, "lucode");
  if (!table.ok()) return table.error();
  RL_TRY(table->require({"usle_c", "usle_p"}));
  std::vector<Source> srcs = {{"erosivity_path", a.erosivity, Resample::bilinear},
                              {"erodibility_path", a.erodibility, Resample::bilinear},
                              {"lulc_path", a.lulc, Resample::mode}};
  for (auto& s : srcs) {
    auto i = probe(s.path);
    if (!i.ok()) return i.error();
    RL_TRY(check_alignable(s, *i, g));
  }
  std::error_code ec;
  fs::create_directories(fs::path(ws) / "intermediate_outputs", ec);
  if (ec) return Error::field("eco.write_failed", ws, ws + ": " + ec.message());
  std::string sfx = a.suffix.empty() ? "" : "_" + a.suffix;
  auto out = [&](const std::string& rel) { return (fs::path(ws) / rel).string(); };
  auto zones = rasterize_zones(a.watersheds, "ws_id", g, out("intermediate_outputs/watershed_zones" + sfx + ".tif"));
  if (!zones.ok()) return zones.error();
  std::optional<double> dem_nd, r_nd, k_nd, lu_nd;
  auto zone = read_all_i32({"watersheds_path", zones->raster_path, Resample::nearest}, g);
  if (!zone.ok()) return zone.error();
  auto dem = read_all_f32({"dem_path", a.dem, Resample::bilinear}, g, &dem_nd);
  if (!dem.ok()) return dem.error();
  std::vector<std::uint8_t> valid(n);
  std::int64_t nvalid = 0;
  for (std::size_t i = 0; i < n; ++i) {
    valid[i] = (*zone)[i] > 0 && !is_nodata((*dem)[i], dem_nd);
    nvalid += valid[i];
  }
  if (nvalid == 0)
    return Error::field("eco.all_nodata", "dem_path", a.dem + ": no valid DEM pixel inside the watersheds");
  res.seconds["read"] = secs(t);

  std::vector<float>& filled = *dem;
  fill_pits(filled, d, valid);
  res.seconds["fill_pits"] = secs(t);
  auto slope = slope_percent(filled, d, valid, g.cell_w(), g.cell_h(), kF32Min);
  res.seconds["slope"] = secs(t);
  auto fd = flow_dir_mfd(filled, d, valid);
  res.seconds["flow_dir"] = secs(t);
  auto order = upslope_first_order(fd, d);
  auto fa = accumulate(fd, d, order, nullptr, kFaNodata);
  res.seconds["flow_accumulation"] = secs(t);
  {
    std::vector<float> fdem(n);
    for (std::size_t i = 0; i < n; ++i) fdem[i] = valid[i] ? filled[i] : -9999.0f;
    RL_TRY(write_all(out("intermediate_outputs/pit_filled_dem" + sfx + ".tif"), g, {.type = PixelType::float32, .nodata = -9999}, fdem));
  }
  auto wsum = [&](std::int32_t f) { int s = 0; for (int k = 0; k < 8; ++k) s += mfd_weight(f, k); return s; };
  auto nb = [&](std::size_t i, int k, std::size_t& nout) -> bool {
    int x = int(i % std::size_t(d.cols)) + kDx[k], y = int(i / std::size_t(d.cols)) + kDy[k];
    if (!d.inside(x, y)) return false;
    nout = std::size_t(y) * std::size_t(d.cols) + std::size_t(x);
    return true;
  };

  // Streams (pygeoprocessing extract_streams_mfd, trace threshold proportion 0.7).
  std::vector<std::uint8_t> st(n, 0);  // 0 none, 1 stream, 2 candidate
  {
    const double tfa = a.tfa, ttfa = 0.7 * a.tfa;
    std::vector<std::size_t> q, stack;
    auto promote = [&](std::size_t u) {
      stack.assign(1, u);
      while (!stack.empty()) {
        std::size_t p = stack.back();
        stack.pop_back();
        for (int k = 0; k < 8; ++k) {
          std::size_t m;
          if (!mfd_weight(fd[p], k) || !nb(p, k, m) || !fd[m]) continue;
          if (st[m] == 2) { st[m] = 1; stack.push_back(m); }
        }
      }
    };
    for (int by = 0; by < d.rows; by += 256)
      for (int bx = 0; bx < d.cols; bx += 256)
        for (int y = by; y < std::min(by + 256, d.rows); ++y)
          for (int x = bx; x < std::min(bx + 256, d.cols); ++x) {
            std::size_t i = std::size_t(y) * std::size_t(d.cols) + std::size_t(x);
            if (!fd[i] || st[i] || fa[i] < tfa) continue;
            bool outlet = false;
            for (int k = 0; k < 8 && !outlet; ++k) {
              std::size_t m;
              if (!mfd_weight(fd[i], k)) continue;
              if (!nb(i, k, m) || !fd[m]) outlet = true;
            }
            if (!outlet) continue;
            st[i] = 1;
            q.assign(1, i);
            for (std::size_t h = 0; h < q.size(); ++h) {
              std::size_t c = q[h];
              for (int k = 0; k < 8; ++k) {
                std::size_t u;
                if (!nb(c, k, u) || !fd[u] || st[u]) continue;
                if (!mfd_weight(fd[u], (k + 4) % 8)) continue;
                if (fa[u] >= tfa) {
                  st[u] = 1;
                  q.push_back(u);
                  promote(u);
                } else if (fa[u] >= ttfa) {
                  st[u] = 2;
                  q.push_back(u);
                }
              }
            }
          }
  }
  std::vector<std::uint8_t> stream(n, 255);
  for (std::size_t i = 0; i < n; ++i)
    if (fd[i]) stream[i] = st[i] == 1 ? 1 : 0;
  st.clear();
  st.shrink_to_fit();
  res.seconds["streams"] = secs(t);

  // Weighted average aspect (x term of L): mean of 1 / sqrt 2 over outflow inside the raster.
  std::vector<float> aspect(n, -1.0f), ls(n, -1.0f);
  for (std::size_t i = 0; i < n; ++i) {
    if (!fd[i]) continue;
    double num = 0, den = 0;
    for (int k = 0; k < 8; ++k) {
      int w = mfd_weight(fd[i], k);
      std::size_t m;
      if (!w || !nb(i, k, m)) continue;
      num += w * ((k & 1) ? kSqrt2 : 1.0);
      den += w;
    }
    if (den > 0) aspect[i] = float(num / den);
  }
  for (std::size_t i = 0; i < n; ++i)
    if (aspect[i] > 0) ls[i] = float(ls_factor_313(slope[i], fa[i], aspect[i], g.cell_w(), a.l_max));
  res.seconds["ls"] = secs(t);

  // Aligned R, K, LULC (watershed-masked).
  auto R = read_all_f32(srcs[0], g, &r_nd);
  if (!R.ok()) return R.error();
  auto K = read_all_f32(srcs[1], g, &k_nd);
  if (!K.ok()) return K.error();
  auto LU = read_all_i32(srcs[2], g, &lu_nd);
  if (!LU.ok()) return LU.error();
  std::map<std::int32_t, std::pair<float, float>> cp;  // code -> (C, P)
  std::vector<float> C(n, -1.0f), Pf(n, -1.0f);
  std::int64_t lu_valid = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!valid[i] || is_nodata((*LU)[i], lu_nd)) continue;
    std::int32_t code = (*LU)[i];
    auto it = cp.find(code);
    if (it == cp.end()) {
      if (!table->rows.count(code))
        return Error::field("eco.class_missing", "lucode",
                            a.lulc + ": land-cover class " + std::to_string(code) + " is not in " + a.biophysical_table);
      auto c = table->num(code, "usle_c");
      if (!c.ok()) return c.error();
      auto p = table->num(code, "usle_p");
      if (!p.ok()) return p.error();
      it = cp.emplace(code, std::make_pair(float(*c), float(*p))).first;
    }
    C[i] = it->second.first;
    Pf[i] = it->second.second;
    ++lu_valid;
  }
  if (lu_valid == 0) return Error::field("eco.all_nodata", "lulc_path", a.lulc + ": no valid land-cover pixel inside the watersheds");
  const float cell_ha = float(g.cell_area() / 10000.0);
  std::vector<float> rkls(n, -1.0f), usle(n, -1.0f);
  for (std::size_t i = 0; i < n; ++i) {
    if (!valid[i] || ls[i] < 0 || is_nodata((*R)[i], r_nd) || is_nodata((*K)[i], k_nd) || stream[i] == 255) continue;
    rkls[i] = stream[i] == 1 ? 1.0f : ls[i] * (*R)[i] * (*K)[i] * cell_ha;
    if (C[i] >= 0) usle[i] = rkls[i] * C[i] * Pf[i] * float(1 - stream[i]);
  }
  R->clear(); R->shrink_to_fit();
  K->clear(); K->shrink_to_fit();

  // Connectivity: W_bar, S_bar, D_up, D_dn, IC, SDR.
  std::vector<double> v(n, 0.0);
  std::vector<float> wgt(n, -1.0f), sth(n, -1.0f);
  for (std::size_t i = 0; i < n; ++i) {
    if (C[i] >= 0) wgt[i] = std::max(C[i], 0.001f);
    if (slope[i] != kF32Min && valid[i]) sth[i] = std::min(std::max(slope[i] / 100.0f, 0.005f), 1.0f);
  }
  for (std::size_t i = 0; i < n; ++i) v[i] = wgt[i] >= 0 ? wgt[i] : 0.0;
  auto accw = accumulate(fd, d, order, &v, -1);
  for (std::size_t i = 0; i < n; ++i) v[i] = sth[i] >= 0 ? sth[i] : 0.0;
  auto accs = accumulate(fd, d, order, &v, -1);
  v.clear(); v.shrink_to_fit();
  std::vector<float> wbar(n, -1.0f), sbar(n, -1.0f), dup(n, -1.0f);
  for (std::size_t i = 0; i < n; ++i) {
    if (!fd[i]) continue;
    wbar[i] = float(accw[i] / fa[i]);
    sbar[i] = float(accs[i] / fa[i]);
    dup[i] = float(double(wbar[i]) * double(sbar[i]) * std::sqrt(fa[i] * g.cell_area()));
  }
  accw.clear(); accw.shrink_to_fit();
  accs.clear(); accs.shrink_to_fit();
  std::vector<double> ddn(n, -1.0);
  for (std::size_t h = order.size(); h-- > 0;) {
    std::size_t c = order[h];
    if (stream[c] == 1) { ddn[c] = 0; continue; }
    int s = wsum(fd[c]);
    double num = 0, den = 0;
    for (int k = 0; k < 8; ++k) {
      int w = mfd_weight(fd[c], k);
      std::size_t m;
      if (!w || !nb(c, k, m) || !fd[m] || ddn[m] < 0) continue;
      double p = double(w) / s;
      double wn = (wgt[m] > 0 && sth[m] > 0) ? 1.0 / (double(wgt[m]) * double(sth[m])) : 0.0;
      num += p * (wn + ddn[m]);
      den += p;
    }
    if (den > 0) ddn[c] = num / den;
  }
  std::vector<std::uint8_t> drains(n, 255);
  std::vector<float> ic(n, kF32Min), sdr(n, -1.0f);
  for (std::size_t i = 0; i < n; ++i) {
    if (!fd[i]) continue;
    drains[i] = ddn[i] >= 0 ? 1 : 0;
    if (ddn[i] > 0 && dup[i] > 0) ic[i] = float(std::log10(double(dup[i]) / ddn[i]));
    if (stream[i] == 1) sdr[i] = 0.0f;
    else if (ic[i] != kF32Min) sdr[i] = float(a.sdr_max / (1.0 + std::exp((a.ic0 - double(ic[i])) / a.k)));
  }
  res.seconds["connectivity"] = secs(t);

  // Sediment export and deposition (3.13.0 sdr_core traversal).
  std::vector<float> sed_export(n, -1.0f), eprime(n, -1.0f), dep(n, -1.0f), fflux(n, -1.0f);
  for (std::size_t i = 0; i < n; ++i)
    if (usle[i] >= 0 && sdr[i] >= 0) {
      sed_export[i] = usle[i] * sdr[i];
      eprime[i] = usle[i] * (1.0f - sdr[i]);
    }
  {
    std::vector<std::size_t> stack;
    auto has_up = [&](std::size_t i) {
      for (int k = 0; k < 8; ++k) {
        std::size_t u;
        if (nb(i, k, u) && fd[u] && mfd_weight(fd[u], (k + 4) % 8)) return true;
      }
      return false;
    };
    for (int by = 0; by < d.rows; by += 256)
      for (int bx = 0; bx < d.cols; bx += 256)
        for (int y = by; y < std::min(by + 256, d.rows); ++y)
          for (int x = bx; x < std::min(bx + 256, d.cols); ++x) {
            std::size_t s0 = std::size_t(y) * std::size_t(d.cols) + std::size_t(x);
            if (!fd[s0] || has_up(s0)) continue;
            stack.assign(1, s0);
            while (!stack.empty()) {
              std::size_t i = stack.back();
              stack.pop_back();
              for (int k = 0; k < 8; ++k) {
                std::size_t m;
                // A downslope neighbour without SDR is never pushed (3.13.0 skips it while
                // summing the downslope SDR), so nothing below it is reached through it.
                if (!mfd_weight(fd[i], k) || !nb(i, k, m) || !fd[m] || sdr[m] < 0) continue;
                bool ready = true;
                for (int kk = 0; kk < 8 && ready; ++kk) {
                  std::size_t u;
                  if (!nb(m, kk, u) || u == i || !fd[u] || !mfd_weight(fd[u], (kk + 4) % 8)) continue;
                  if (dep[u] < 0) ready = false;
                }
                if (ready) stack.push_back(m);
              }
              if (sdr[i] < 0 || eprime[i] < 0) continue;
              double sdr_i = sdr[i];
              double dr;
              if (sdr_i == 1.0) dr = 1.0;
              else {
                int s = wsum(fd[i]);
                double sum = 0;
                for (int k = 0; k < 8; ++k) {
                  int w = mfd_weight(fd[i], k);
                  std::size_t m;
                  if (!w || !nb(i, k, m) || sdr[m] < 0) continue;
                  double sk = sdr[m] == 0.0f ? 1.0 : double(sdr[m]);
                  sum += sk * double(w) / s;
                }
                if (sum < sdr_i) sum = sdr_i;
                dr = (sum - sdr_i) / (1.0 - sdr_i);
              }
              if (dr < 0) dr = 0;
              double fin = 0;
              for (int k = 0; k < 8; ++k) {
                std::size_t u;
                if (!nb(i, k, u) || !fd[u]) continue;
                int w = mfd_weight(fd[u], (k + 4) % 8);
                if (!w || fflux[u] < 0) continue;
                fin += double(fflux[u]) * double(w) / wsum(fd[u]);
              }
              double tdep = std::max(0.0, dr * fin);
              double f = std::max(0.0, (1.0 - dr) * fin + double(eprime[i]));
              dep[i] = float(tdep);
              fflux[i] = float(f);
            }
          }
  }
  res.seconds["deposition"] = secs(t);
  std::vector<float> av_eros(n, -1.0f), av_exp(n, -1.0f);
  for (std::size_t i = 0; i < n; ++i) {
    if (rkls[i] >= 0 && usle[i] >= 0) av_eros[i] = rkls[i] - usle[i];
    if (av_eros[i] >= 0 && sdr[i] >= 0 && dep[i] >= 0) av_exp[i] = av_eros[i] * sdr[i] + dep[i];
  }

  // Outputs.
  const WriteOptions f32{.type = PixelType::float32, .nodata = -1};
  const WriteOptions f32min{.type = PixelType::float32, .nodata = double(kF32Min)};
  const WriteOptions u8{.type = PixelType::byte, .nodata = 255};
  auto W = [&](const std::string& rel, const auto& data, const WriteOptions& o) -> Status {
    res.files.push_back(rel);
    return write_all(out(rel), g, o, data);
  };
  RL_TRY(W("rkls" + sfx + ".tif", rkls, f32));
  RL_TRY(W("usle" + sfx + ".tif", usle, f32));
  RL_TRY(W("sed_export" + sfx + ".tif", sed_export, f32));
  RL_TRY(W("sed_deposition" + sfx + ".tif", dep, f32));
  RL_TRY(W("avoided_erosion" + sfx + ".tif", av_eros, f32));
  RL_TRY(W("avoided_export" + sfx + ".tif", av_exp, f32));
  RL_TRY(W("stream" + sfx + ".tif", stream, u8));
  RL_TRY(W("intermediate_outputs/sdr_factor" + sfx + ".tif", sdr, f32));
  RL_TRY(W("intermediate_outputs/slope" + sfx + ".tif", slope, f32min));
  RL_TRY(W("intermediate_outputs/flow_direction" + sfx + ".tif", fd, WriteOptions{.type = PixelType::int32, .nodata = 0}));
  RL_TRY(W("intermediate_outputs/flow_accumulation" + sfx + ".tif", fa, WriteOptions{.type = PixelType::float64, .nodata = kFaNodata}));
  RL_TRY(W("intermediate_outputs/weighted_avg_aspect" + sfx + ".tif", aspect, f32));
  RL_TRY(W("intermediate_outputs/ls" + sfx + ".tif", ls, f32));
  RL_TRY(W("intermediate_outputs/w_bar" + sfx + ".tif", wbar, f32));
  RL_TRY(W("intermediate_outputs/s_bar" + sfx + ".tif", sbar, f32));
  RL_TRY(W("intermediate_outputs/d_up" + sfx + ".tif", dup, f32));
  RL_TRY(W("intermediate_outputs/d_dn" + sfx + ".tif", ddn, WriteOptions{.type = PixelType::float64, .nodata = -1}));
  RL_TRY(W("intermediate_outputs/ic" + sfx + ".tif", ic, f32min));
  RL_TRY(W("intermediate_outputs/what_drains_to_stream" + sfx + ".tif", drains, u8));
  res.seconds["write"] = secs(t);

  // Watershed table.
  const std::size_t nz = zones->zones.size();
  std::vector<std::array<double, 5>> sums(nz + 1, {0, 0, 0, 0, 0});
  for (std::size_t i = 0; i < n; ++i) {
    std::int32_t z = (*zone)[i];
    if (z <= 0 || std::size_t(z) > nz) continue;
    auto& s = sums[std::size_t(z)];
    if (usle[i] >= 0) s[0] += usle[i];
    if (sed_export[i] >= 0) s[1] += sed_export[i];
    if (dep[i] >= 0) s[2] += dep[i];
    if (av_exp[i] >= 0) s[3] += av_exp[i];
    if (av_eros[i] >= 0) s[4] += av_eros[i];
  }
  const char* cols[5] = {"usle_tot", "sed_export", "sed_dep", "avoid_exp", "avoid_eros"};
  std::string csv = "ws_id,name,usle_tot,sed_export,sed_dep,avoid_exp,avoid_eros\n";
  for (std::size_t k = 0; k < nz; ++k) {
    WatershedRow r;
    r.ws_id = zones->zones[k].id;
    r.name = zones->zones[k].name;
    csv += std::to_string(r.ws_id) + "," + r.name;
    for (int c = 0; c < 5; ++c) {
      r.values[cols[c]] = sums[k + 1][std::size_t(c)];
      char b[64];
      std::snprintf(b, sizeof b, ",%.17g", sums[k + 1][std::size_t(c)]);
      csv += b;
    }
    csv += "\n";
    res.watersheds.push_back(r);
  }
  {
    std::ofstream o(out("watershed_results_sdr" + sfx + ".csv"), std::ios::binary);
    o << csv;
    if (!o) return Error::field("eco.write_failed", ws, out("watershed_results_sdr" + sfx + ".csv") + ": write failed");
  }
  res.files.push_back("watershed_results_sdr" + sfx + ".csv");
  res.seconds["total"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_all).count();
  res.totals["pixels"] = double(n);
  return res;
}

}  // namespace riverlink::eco::gep
