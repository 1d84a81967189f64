// SDR (InVEST 3.13.0). See invest.hpp and the InVEST README of the reference data for the
// conventions reproduced here.
//
// Memory: only what the routing traversals index at random stays in memory (flow directions,
// topological order, one accumulation at a time, the SDR factor and the deposition state);
// every per-pixel quantity is computed in strips of 256 rows on all cores and written at once
// to its output GeoTIFF, and read back strip by strip where a later stage needs it. Peak about
// kSdrBytesPerPixel bytes per pixel of the grid.
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <mutex>
#include <thread>

#include "eco/gep/exact_sum.hpp"
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
constexpr int kStrip = 256;

double secs(std::chrono::steady_clock::time_point& t) {
  auto now = std::chrono::steady_clock::now();
  double s = std::chrono::duration<double>(now - t).count();
  t = now;
  return s;
}

template <class T>
void free_vec(std::vector<T>& v) {
  std::vector<T>().swap(v);
}

// Runs fn(thread, y0, h) over strips of kStrip rows on `threads` threads; first error wins.
Status for_strips(const Grid& g, int threads, const std::function<Status(int, int, int)>& fn) {
  const int strips = (g.rows + kStrip - 1) / kStrip;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::optional<Error> first;
  auto work = [&](int t) {
    for (int s; !failed.load() && (s = next.fetch_add(1)) < strips;) {
      int y0 = s * kStrip;
      auto st = fn(t, y0, std::min(kStrip, g.rows - y0));
      if (!st.ok()) {
        std::lock_guard lk(mu);
        if (!first) first = st.error();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  if (first) return *first;
  return ok_status();
}

// Per-thread readers of a set of sources on the grid.
struct Readers {
  std::vector<std::vector<Reader>> r;  // [thread][source]
  static Result<Readers> open(const std::vector<Source>& srcs, const Grid& g, int threads) {
    Readers out;
    out.r.resize(std::size_t(threads));
    for (auto& rs : out.r)
      for (auto& s : srcs) {
        auto x = Reader::open(s, g);
        if (!x.ok()) return x.error();
        rs.push_back(std::move(*x));
      }
    return out;
  }
  const Reader& at(int t, std::size_t k) const { return r[std::size_t(t)][k]; }
};

}  // namespace

Result<ModelResult> run_sdr(const SdrArgs& a, const std::string& ws, const EngineOptions& opt) {
  auto t = std::chrono::steady_clock::now();
  auto t_all = t;
  ModelResult res;
  // Strips are read once each: a small block cache suffices (blocks are recycled).
  init_gdal(std::min<std::int64_t>(opt.memory_budget / 16, 128ll << 20));
  auto dem_info = probe(a.dem);
  if (!dem_info.ok()) return dem_info.error();
  const Grid g = dem_info->grid;
  const Dims d{g.cols, g.rows};
  const std::size_t n = d.n();
  const int threads = thread_count(opt);
  if (std::int64_t(n) * kSdrBytesPerPixel > opt.memory_budget)
    return Error::field("eco.memory_budget", "memory_budget",
                        "SDR routing of " + std::to_string(n) + " px needs about " +
                            std::to_string(std::int64_t(n) * kSdrBytesPerPixel >> 20) + " MiB, over the budget of " +
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
  const Source zone_src{"watersheds_path", zones->raster_path, Resample::nearest};

  // Output names (InVEST 3.13.0) and their pixel types.
  const WriteOptions f32{.type = PixelType::float32, .nodata = -1};
  const WriteOptions f32min{.type = PixelType::float32, .nodata = double(kF32Min)};
  const WriteOptions u8{.type = PixelType::byte, .nodata = 255};
  // Intermediates (InVEST writes them too) use ZSTD's fast mode: written once, read back once.
  auto fast = [](WriteOptions o) {
    o.zstd_level = -4;
    return o;
  };
  const std::string n_rkls = "rkls" + sfx + ".tif", n_usle = "usle" + sfx + ".tif",
                    n_sedx = "sed_export" + sfx + ".tif", n_dep = "sed_deposition" + sfx + ".tif",
                    n_avx = "avoided_export" + sfx + ".tif", n_stream = "stream" + sfx + ".tif",
                    n_sdr = "intermediate_outputs/sdr_factor" + sfx + ".tif",
                    n_slope = "intermediate_outputs/slope" + sfx + ".tif",
                    n_fd = "intermediate_outputs/flow_direction" + sfx + ".tif",
                    n_fa = "intermediate_outputs/flow_accumulation" + sfx + ".tif",
                    n_asp = "intermediate_outputs/weighted_avg_aspect" + sfx + ".tif",
                    n_ls = "intermediate_outputs/ls" + sfx + ".tif", n_wbar = "intermediate_outputs/w_bar" + sfx + ".tif",
                    n_sbar = "intermediate_outputs/s_bar" + sfx + ".tif", n_dup = "intermediate_outputs/d_up" + sfx + ".tif",
                    n_ddn = "intermediate_outputs/d_dn" + sfx + ".tif", n_ic = "intermediate_outputs/ic" + sfx + ".tif",
                    n_drains = "intermediate_outputs/what_drains_to_stream" + sfx + ".tif";
  const std::string n_avero = "avoided_erosion" + sfx + ".tif";
  auto src = [&](const std::string& rel) { return Source{rel, out(rel), Resample::nearest}; };
  auto create = [&](const std::string& rel, const WriteOptions& o) { return Writer::create(out(rel), g, o); };

  // DEM and the valid mask (inside a watershed, DEM not nodata).
  std::vector<std::uint8_t> valid(n);
  std::vector<float> dem(n);
  std::int64_t nvalid = 0;
  {
    auto rd = Readers::open({zone_src, {"dem_path", a.dem, Resample::bilinear}}, g, threads);
    if (!rd.ok()) return rd.error();
    std::vector<std::int64_t> cnt(std::size_t(threads), 0);
    RL_TRY(for_strips(g, threads, [&](int th, int y0, int h) -> Status {
      std::size_t o = std::size_t(y0) * std::size_t(g.cols), m = std::size_t(h) * std::size_t(g.cols);
      std::vector<std::int32_t> z(m);
      RL_TRY(rd->at(th, 0).read(0, y0, g.cols, h, z.data()));
      RL_TRY(rd->at(th, 1).read(0, y0, g.cols, h, dem.data() + o));
      const auto& nd = rd->at(th, 1).nodata();
      for (std::size_t i = 0; i < m; ++i) {
        valid[o + i] = z[i] > 0 && !is_nodata(dem[o + i], nd);
        cnt[std::size_t(th)] += valid[o + i];
      }
      return ok_status();
    }));
    for (auto c : cnt) nvalid += c;
  }
  if (nvalid == 0)
    return Error::field("eco.all_nodata", "dem_path", a.dem + ": no valid DEM pixel inside the watersheds");
  res.seconds["read"] = secs(t);

  // Pit filling, slope, flow direction.
  fill_pits(dem, d, valid, threads);
  res.seconds["fill_pits"] = secs(t);
  // From here on, files are written by a second thread while the routing goes on (each job is
  // declared after the vectors it reads, so every way out of this function waits for it first).
  // The pit-filled DEM and the slope, during the flow directions (slope lives beside them:
  // DEM 4, valid 1, slope 4, directions 4, flat marks 1 and flat distances 8 B/px at most).
  std::future<Status> slope_job = std::async(std::launch::async, [&]() -> Status {
    auto wf = Writer::create(out("intermediate_outputs/pit_filled_dem" + sfx + ".tif"), g, fast({.type = PixelType::float32, .nodata = -9999}));
    if (!wf.ok()) return wf.error();
    RL_TRY(for_strips(g, 1, [&](int, int y0, int h) -> Status {
      std::size_t o = std::size_t(y0) * std::size_t(g.cols), m = std::size_t(h) * std::size_t(g.cols);
      std::vector<float> b(m);
      for (std::size_t i = 0; i < m; ++i) b[i] = valid[o + i] ? dem[o + i] : -9999.0f;
      return wf->write(0, y0, g.cols, h, b.data());
    }));
    RL_TRY(wf->close());
    auto slope = slope_percent(dem, d, valid, g.cell_w(), g.cell_h(), kF32Min, 1);
    return write_all(out(n_slope), g, fast(f32min), slope);
  });
  std::vector<std::int32_t> fd = flow_dir_mfd(dem, d, valid, threads);
  RL_TRY(slope_job.get());
  free_vec(dem);
  res.seconds["flow_dir"] = secs(t);
  // The directions, during the order and the flow accumulation.
  std::future<Status> fd_job = std::async(std::launch::async, [&]() -> Status {
    return write_all(out(n_fd), g, fast({.type = PixelType::int32, .nodata = 0}), fd);
  });
  std::vector<double> fa;
  std::vector<std::uint32_t> order = upslope_first_order(fd, d, &fa, kFaNodata);
  res.seconds["flow_accumulation"] = secs(t);
  // The flow accumulation, during the streams and the LS pass.
  std::future<Status> fa_job = std::async(std::launch::async, [&]() -> Status {
    return write_all(out(n_fa), g, fast({.type = PixelType::float64, .nodata = kFaNodata}), fa);
  });

  auto wsum = [](std::int32_t f) { return mfd_sum(f); };
  const Nav nav(d);
  auto nb = [&](std::size_t i, int k, std::size_t& nout) -> bool {
    std::uint32_t m;
    if (!nav.nb(std::uint32_t(i), k, m)) return false;
    nout = m;
    return true;
  };

  // Streams (pygeoprocessing extract_streams_mfd, trace threshold proportion 0.7).
  std::vector<std::uint8_t> stream(n, 0);  // finally 1 stream, 0 not, 255 no direction
  {
    std::vector<std::uint8_t>& st = stream;  // working states: 0 none, 1 stream, 2 candidate
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
    for (std::size_t i = 0; i < n; ++i) st[i] = fd[i] ? (st[i] == 1 ? 1 : 0) : 255;
  }
  RL_TRY(write_all(out(n_stream), g, u8, stream));
  res.seconds["streams"] = secs(t);

  // Per pixel: weighted average aspect (x term of L: mean of 1 / sqrt 2 over outflow inside the
  // raster), LS, aligned R, K, C, P; RKLS, USLE; the connectivity weights W (= C, >= 0.001) and
  // S (slope, 0.005..1), kept in memory with 0 where undefined (routing reads them at random).
  std::vector<float> wgt(n), sth(n);
  std::int64_t lu_valid = 0;
  {
    std::map<std::int32_t, std::pair<float, float>> cp;  // code -> (C, P)
    for (auto& [code, _] : table->rows) {
      auto c = table->num(code, "usle_c");
      if (!c.ok()) return c.error();
      auto p = table->num(code, "usle_p");
      if (!p.ok()) return p.error();
      cp.emplace(std::int32_t(code), std::make_pair(float(*c), float(*p)));
    }
    auto rd = Readers::open({srcs[0], srcs[1], srcs[2], src(n_slope)}, g, threads);
    if (!rd.ok()) return rd.error();
    auto w_asp = create(n_asp, fast(f32)), w_ls = create(n_ls, fast(f32)), w_rkls = create(n_rkls, f32), w_usle = create(n_usle, f32);
    for (auto* w : {&w_asp, &w_ls, &w_rkls, &w_usle})
      if (!w->ok()) return w->error();
    std::vector<std::int64_t> luv(std::size_t(threads), 0);
    const float cell_ha = float(g.cell_area() / 10000.0);
    RL_TRY(for_strips(g, threads, [&](int th, int y0, int h) -> Status {
      std::size_t o = std::size_t(y0) * std::size_t(g.cols), m = std::size_t(h) * std::size_t(g.cols);
      std::vector<float> R(m), K(m), slope(m), aspect(m, -1.0f), ls(m, -1.0f), rkls(m, -1.0f), usle(m, -1.0f);
      std::vector<std::int32_t> LU(m);
      RL_TRY(rd->at(th, 0).read(0, y0, g.cols, h, R.data()));
      RL_TRY(rd->at(th, 1).read(0, y0, g.cols, h, K.data()));
      RL_TRY(rd->at(th, 2).read(0, y0, g.cols, h, LU.data()));
      RL_TRY(rd->at(th, 3).read(0, y0, g.cols, h, slope.data()));
      const auto &r_nd = rd->at(th, 0).nodata(), &k_nd = rd->at(th, 1).nodata(), &lu_nd = rd->at(th, 2).nodata();
      for (std::size_t j = 0; j < m; ++j) {
        std::size_t i = o + j;
        float C = -1.0f, P = -1.0f;
        if (valid[i] && !is_nodata(LU[j], lu_nd)) {
          auto it = cp.find(LU[j]);
          if (it == cp.end())
            return Error::field("eco.class_missing", "lucode",
                                a.lulc + ": land-cover class " + std::to_string(LU[j]) + " is not in " + a.biophysical_table);
          C = it->second.first;
          P = it->second.second;
          ++luv[std::size_t(th)];
        }
        wgt[i] = C >= 0 ? std::max(C, 0.001f) : 0.0f;
        sth[i] = (slope[j] != kF32Min && valid[i]) ? std::min(std::max(slope[j] / 100.0f, 0.005f), 1.0f) : 0.0f;
        if (!fd[i]) continue;
        double num = 0, den = 0;
        const std::int32_t f = fd[i];
        nav.each(std::uint32_t(i), [&](int k, std::uint32_t) {
          int w = mfd_weight(f, k);
          num += w * ((k & 1) ? kSqrt2 : 1.0);
          den += w;
        });
        if (den > 0) aspect[j] = float(num / den);
        if (aspect[j] > 0) ls[j] = float(ls_factor_313(slope[j], fa[i], aspect[j], g.cell_w(), a.l_max));
        if (!valid[i] || ls[j] < 0 || is_nodata(R[j], r_nd) || is_nodata(K[j], k_nd) || stream[i] == 255) continue;
        rkls[j] = stream[i] == 1 ? 1.0f : ls[j] * R[j] * K[j] * cell_ha;
        if (C >= 0) usle[j] = rkls[j] * C * P * float(1 - stream[i]);
      }
      RL_TRY(w_asp->write(0, y0, g.cols, h, aspect.data()));
      RL_TRY(w_ls->write(0, y0, g.cols, h, ls.data()));
      RL_TRY(w_rkls->write(0, y0, g.cols, h, rkls.data()));
      return w_usle->write(0, y0, g.cols, h, usle.data());
    }));
    for (auto* w : {&w_asp, &w_ls, &w_rkls, &w_usle}) RL_TRY((*w)->close());
    for (auto v : luv) lu_valid += v;
  }
  if (lu_valid == 0) return Error::field("eco.all_nodata", "lulc_path", a.lulc + ": no valid land-cover pixel inside the watersheds");
  RL_TRY(fd_job.get());
  RL_TRY(fa_job.get());
  free_vec(fa);
  free_vec(valid);  // not needed below
  res.seconds["ls"] = secs(t);

  // Connectivity: W_bar and S_bar (weighted accumulation / flow accumulation), D_up.
  auto bar = [&](std::vector<double> acc, const std::string& name) -> Status {
    auto rd = Readers::open({src(n_fa)}, g, threads);
    if (!rd.ok()) return rd.error();
    auto w = create(name, fast(f32));
    if (!w.ok()) return w.error();
    RL_TRY(for_strips(g, threads, [&](int th, int y0, int h) -> Status {
      std::size_t o = std::size_t(y0) * std::size_t(g.cols), m = std::size_t(h) * std::size_t(g.cols);
      std::vector<double> fa_s(m);
      std::vector<float> b(m, -1.0f);
      RL_TRY(rd->at(th, 0).read(0, y0, g.cols, h, fa_s.data()));
      for (std::size_t j = 0; j < m; ++j)
        if (fd[o + j]) b[j] = float(acc[o + j] / fa_s[j]);
      return w->write(0, y0, g.cols, h, b.data());
    }));
    return w->close();
  };
  // D_dn, downslope-first: independent of the two accumulations.
  std::vector<double> ddn;
  auto run_ddn = [&] {
    ddn.assign(n, -1.0);
    for (std::size_t h = order.size(); h-- > 0;) {
      const std::uint32_t c = order[h];
      if (stream[c] == 1) { ddn[c] = 0; continue; }
      const std::int32_t f = fd[c];
      const int s = wsum(f);
      double num = 0, den = 0;
      nav.each(c, [&](int k, std::uint32_t m) {
        int w = mfd_weight(f, k);
        if (!w || !fd[m] || ddn[m] < 0) return;
        double p = double(w) / s;
        double wn = (wgt[m] > 0 && sth[m] > 0) ? 1.0 / (double(wgt[m]) * double(sth[m])) : 0.0;
        num += p * (wn + ddn[m]);
        den += p;
      });
      if (den > 0) ddn[c] = num / den;
    }
  };
  // Live here: fd 4, order 4, stream 1, W 4, S 4 B/px, each accumulation 8 and D_dn 8. The three
  // traversals are independent: with room for all (41 B/px), D_dn runs beside the two
  // accumulations; with room for two (33), the accumulations run side by side; else in turn.
  if (threads > 1 && std::int64_t(n) * 44 <= opt.memory_budget) {
    std::thread other(run_ddn);
    std::vector<double> accw, accs;
    accumulate_pair(fd, d, order, wgt, sth, -1, accw, accs);
    other.join();
    RL_TRY(bar(std::move(accw), n_wbar));
    RL_TRY(bar(std::move(accs), n_sbar));
  } else if (threads > 1 && std::int64_t(n) * 36 <= opt.memory_budget) {
    // Room for both accumulations at once: run them side by side (same values).
    std::vector<double> accs;
    std::thread other([&] { accs = accumulate(fd, d, order, sth, -1); });
    std::vector<double> accw = accumulate(fd, d, order, wgt, -1);
    other.join();
    RL_TRY(bar(std::move(accw), n_wbar));
    RL_TRY(bar(std::move(accs), n_sbar));
  } else {
    RL_TRY(bar(accumulate(fd, d, order, wgt, -1), n_wbar));
    RL_TRY(bar(accumulate(fd, d, order, sth, -1), n_sbar));
  }
  {
    auto rd = Readers::open({src(n_fa), src(n_wbar), src(n_sbar)}, g, threads);
    if (!rd.ok()) return rd.error();
    auto w = create(n_dup, fast(f32));
    if (!w.ok()) return w.error();
    RL_TRY(for_strips(g, threads, [&](int th, int y0, int h) -> Status {
      std::size_t o = std::size_t(y0) * std::size_t(g.cols), m = std::size_t(h) * std::size_t(g.cols);
      std::vector<double> fa_s(m);
      std::vector<float> wb(m), sb(m), b(m, -1.0f);
      RL_TRY(rd->at(th, 0).read(0, y0, g.cols, h, fa_s.data()));
      RL_TRY(rd->at(th, 1).read(0, y0, g.cols, h, wb.data()));
      RL_TRY(rd->at(th, 2).read(0, y0, g.cols, h, sb.data()));
      for (std::size_t j = 0; j < m; ++j)
        if (fd[o + j]) b[j] = float(double(wb[j]) * double(sb[j]) * std::sqrt(fa_s[j] * g.cell_area()));
      return w->write(0, y0, g.cols, h, b.data());
    }));
    RL_TRY(w->close());
  }
  if (ddn.empty()) run_ddn();
  free_vec(order);
  free_vec(wgt);
  free_vec(sth);
  // D_dn and the SDR factor are written by a second thread while the deposition traversal runs,
  // when the budget has room to keep D_dn meanwhile (fd 4, stream 1, SDR 4, E' 4, deposition 4,
  // flux 4, pend 1 and D_dn 8 B/px).
  const bool overlap = threads > 1 && std::int64_t(n) * 44 <= opt.memory_budget;
  if (!overlap) RL_TRY(write_all(out(n_ddn), g, fast({.type = PixelType::float64, .nodata = -1}), ddn));
  // IC, SDR and E' = USLE (1 - SDR) (kept for the deposition traversal), what drains to the
  // stream, sediment export.
  std::vector<float> sdr(n, -1.0f), eprime(n, -1.0f);
  {
    auto rd = Readers::open({src(n_dup), src(n_usle)}, g, threads);
    if (!rd.ok()) return rd.error();
    auto w_ic = create(n_ic, fast(f32min)), w_dr = create(n_drains, fast(u8)), w_sx = create(n_sedx, f32);
    for (auto* w : {&w_ic, &w_dr, &w_sx})
      if (!w->ok()) return w->error();
    RL_TRY(for_strips(g, threads, [&](int th, int y0, int h) -> Status {
      std::size_t o = std::size_t(y0) * std::size_t(g.cols), m = std::size_t(h) * std::size_t(g.cols);
      std::vector<float> dup(m), ic(m, kF32Min), usle(m), sx(m, -1.0f);
      std::vector<std::uint8_t> drains(m, 255);
      RL_TRY(rd->at(th, 0).read(0, y0, g.cols, h, dup.data()));
      RL_TRY(rd->at(th, 1).read(0, y0, g.cols, h, usle.data()));
      for (std::size_t j = 0; j < m; ++j) {
        std::size_t i = o + j;
        if (!fd[i]) continue;
        drains[j] = ddn[i] >= 0 ? 1 : 0;
        if (ddn[i] > 0 && dup[j] > 0) ic[j] = float(std::log10(double(dup[j]) / ddn[i]));
        if (stream[i] == 1) sdr[i] = 0.0f;
        else if (ic[j] != kF32Min) sdr[i] = float(a.sdr_max / (1.0 + std::exp((a.ic0 - double(ic[j])) / a.k)));
        if (usle[j] >= 0 && sdr[i] >= 0) {
          sx[j] = usle[j] * sdr[i];
          eprime[i] = usle[j] * (1.0f - sdr[i]);
        }
      }
      RL_TRY(w_ic->write(0, y0, g.cols, h, ic.data()));
      RL_TRY(w_sx->write(0, y0, g.cols, h, sx.data()));
      return w_dr->write(0, y0, g.cols, h, drains.data());
    }));
    for (auto* w : {&w_ic, &w_dr, &w_sx}) RL_TRY((*w)->close());
  }
  // Avoided erosion RKLS - USLE (kept, 4 B/px, for avoided export), its output, and the watershed
  // sums that do not need deposition (USLE, sediment export, avoided erosion), exact (ExactSum).
  const std::size_t nz = zones->zones.size();
  std::vector<std::array<ExactSum, 5>> sums(nz + 1);
  std::vector<float> ae_all;
  auto avoided_erosion = [&](int pass_threads) -> Status {
    ae_all.assign(n, -1.0f);
    auto rd = Readers::open({zone_src, src(n_rkls), src(n_usle), src(n_sedx)}, g, pass_threads);
    if (!rd.ok()) return rd.error();
    auto w_ae = create(n_avero, f32);
    if (!w_ae.ok()) return w_ae.error();
    std::vector<std::vector<std::array<ExactSum, 5>>> part(std::size_t(pass_threads), std::vector<std::array<ExactSum, 5>>(nz + 1));
    RL_TRY(for_strips(g, pass_threads, [&](int th, int y0, int h) -> Status {
      std::size_t o = std::size_t(y0) * std::size_t(g.cols), m = std::size_t(h) * std::size_t(g.cols);
      std::vector<std::int32_t> z(m);
      std::vector<float> rkls(m), usle(m), sx(m);
      RL_TRY(rd->at(th, 0).read(0, y0, g.cols, h, z.data()));
      RL_TRY(rd->at(th, 1).read(0, y0, g.cols, h, rkls.data()));
      RL_TRY(rd->at(th, 2).read(0, y0, g.cols, h, usle.data()));
      RL_TRY(rd->at(th, 3).read(0, y0, g.cols, h, sx.data()));
      float* ae = ae_all.data() + o;
      auto& mine = part[std::size_t(th)];
      for (std::size_t j = 0; j < m; ++j) {
        if (rkls[j] >= 0 && usle[j] >= 0) ae[j] = rkls[j] - usle[j];
        std::int32_t zz = z[j];
        if (zz <= 0 || std::size_t(zz) > nz) continue;
        auto& sm = mine[std::size_t(zz)];
        if (usle[j] >= 0) sm[0] += usle[j];
        if (sx[j] >= 0) sm[1] += sx[j];
        if (ae[j] >= 0) sm[4] += ae[j];
      }
      return w_ae->write(0, y0, g.cols, h, ae);
    }));
    RL_TRY(w_ae->close());
    for (auto& pt : part)
      for (std::size_t k = 0; k <= nz; ++k)
        for (int c = 0; c < 5; ++c) sums[k][std::size_t(c)] += pt[k][std::size_t(c)];
    return ok_status();
  };
  // (Declared after the vectors it reads: its destructor waits for it on every path out.)
  std::future<Status> background;
  if (overlap) {
    background = std::async(std::launch::async, [&]() -> Status {
      RL_TRY(write_all(out(n_ddn), g, fast({.type = PixelType::float64, .nodata = -1}), ddn));
      free_vec(ddn);
      RL_TRY(write_all(out(n_sdr), g, fast(f32), sdr));
      return avoided_erosion(1);
    });
  } else {
    free_vec(ddn);
    RL_TRY(write_all(out(n_sdr), g, fast(f32), sdr));
  }
  res.seconds["connectivity"] = secs(t);

  // Deposition (3.13.0 sdr_core traversal: from each cell without inflow, in 256 x 256 blocks,
  // depth first; a downslope neighbour is pushed once every other upslope neighbour of it has a
  // deposition value). pend[m] counts the upslope neighbours of m still without one (bit 7: m has
  // upslope neighbours at all), so the readiness test costs one byte instead of a neighbourhood.
  std::vector<float> dep(n, -1.0f), fflux(n, -1.0f);
  {
    std::vector<std::uint8_t> pend(n, 0);
    RL_TRY(for_strips(g, threads, [&](int, int y0, int h) -> Status {
      for (std::uint32_t m = std::uint32_t(y0) * std::uint32_t(g.cols), e = std::uint32_t(y0 + h) * std::uint32_t(g.cols); m < e; ++m) {
        std::uint8_t c = 0;
        nav.each(m, [&](int k, std::uint32_t u) { c += (fd[u] && mfd_weight(fd[u], (k + 4) & 7)) ? 1 : 0; });
        pend[m] = c ? std::uint8_t(0x80 | c) : 0;
      }
      return ok_status();
    }));
    std::vector<std::uint32_t> stack;
    for (int by = 0; by < d.rows; by += 256)
      for (int bx = 0; bx < d.cols; bx += 256)
        for (int y = by; y < std::min(by + 256, d.rows); ++y)
          for (int x = bx; x < std::min(bx + 256, d.cols); ++x) {
            const std::uint32_t s0 = std::uint32_t(y) * std::uint32_t(d.cols) + std::uint32_t(x);
            if (!fd[s0] || (pend[s0] & 0x80)) continue;
            stack.assign(1, s0);
            while (!stack.empty()) {
              const std::uint32_t i = stack.back();
              stack.pop_back();
              const std::int32_t fi = fd[i];
              std::uint32_t nb8[8];
              const unsigned inside = nav.around(i, nb8);
              unsigned down = 0;  // downslope neighbours inside the raster
              for (int k = 0; k < 8; ++k)
                if ((inside >> k & 1) && mfd_weight(fi, k)) down |= 1u << k;
              // A downslope neighbour without SDR is never pushed (3.13.0 skips it while
              // summing the downslope SDR), so nothing below it is reached through it.
              for (int k = 0; k < 8; ++k) {
                if (!(down >> k & 1)) continue;
                const std::uint32_t m = nb8[k];
                if (fd[m] && sdr[m] >= 0 && (pend[m] & 0x7F) == 1) stack.push_back(m);
              }
              if (sdr[i] < 0 || eprime[i] < 0) continue;
              double sdr_i = sdr[i];
              double dr;
              if (sdr_i == 1.0) dr = 1.0;
              else {
                int s = wsum(fi);
                double sum = 0;
                for (int k = 0; k < 8; ++k) {
                  if (!(down >> k & 1)) continue;
                  const float sm = sdr[nb8[k]];
                  if (sm < 0) continue;
                  double sk = sm == 0.0f ? 1.0 : double(sm);
                  sum += sk * double(mfd_weight(fi, k)) / s;
                }
                if (sum < sdr_i) sum = sdr_i;
                dr = (sum - sdr_i) / (1.0 - sdr_i);
              }
              if (dr < 0) dr = 0;
              double fin = 0;
              for (int k = 0; k < 8; ++k) {
                if (!(inside >> k & 1)) continue;
                const std::uint32_t u = nb8[k];
                const std::int32_t fu = fd[u];
                if (!fu) continue;
                int w = mfd_weight(fu, (k + 4) % 8);
                if (!w || fflux[u] < 0) continue;
                fin += double(fflux[u]) * double(w) / wsum(fu);
              }
              double tdep = std::max(0.0, dr * fin);
              double f = std::max(0.0, (1.0 - dr) * fin + double(eprime[i]));
              dep[i] = float(tdep);
              fflux[i] = float(f);
              for (int k = 0; k < 8; ++k)
                if (down >> k & 1) --pend[nb8[k]];
            }
          }
  }
  if (background.valid()) RL_TRY(background.get());
  free_vec(fflux);
  free_vec(eprime);
  free_vec(fd);
  free_vec(stream);
  if (!overlap) RL_TRY(avoided_erosion(threads));
  res.seconds["deposition"] = secs(t);

  // Avoided export AE x SDR + deposition, the deposition output, and the sums that need them.
  {
    auto rd = Readers::open({zone_src}, g, threads);
    if (!rd.ok()) return rd.error();
    auto w_dep = create(n_dep, f32), w_ax = create(n_avx, f32);
    for (auto* w : {&w_dep, &w_ax})
      if (!w->ok()) return w->error();
    std::vector<std::vector<std::array<ExactSum, 5>>> part(std::size_t(threads), std::vector<std::array<ExactSum, 5>>(nz + 1));
    RL_TRY(for_strips(g, threads, [&](int th, int y0, int h) -> Status {
      std::size_t o = std::size_t(y0) * std::size_t(g.cols), m = std::size_t(h) * std::size_t(g.cols);
      std::vector<std::int32_t> z(m);
      std::vector<float> ax(m, -1.0f);
      RL_TRY(rd->at(th, 0).read(0, y0, g.cols, h, z.data()));
      auto& mine = part[std::size_t(th)];
      for (std::size_t j = 0; j < m; ++j) {
        std::size_t i = o + j;
        const float ae = ae_all[i];
        if (ae >= 0 && sdr[i] >= 0 && dep[i] >= 0) ax[j] = ae * sdr[i] + dep[i];
        std::int32_t zz = z[j];
        if (zz <= 0 || std::size_t(zz) > nz) continue;
        auto& sm = mine[std::size_t(zz)];
        if (dep[i] >= 0) sm[2] += dep[i];
        if (ax[j] >= 0) sm[3] += ax[j];
      }
      RL_TRY(w_dep->write(0, y0, g.cols, h, dep.data() + o));
      return w_ax->write(0, y0, g.cols, h, ax.data());
    }));
    for (auto* w : {&w_dep, &w_ax}) RL_TRY((*w)->close());
    for (auto& pt : part)
      for (std::size_t k = 0; k <= nz; ++k)
        for (int c = 0; c < 5; ++c) sums[k][std::size_t(c)] += pt[k][std::size_t(c)];
  }
  res.seconds["write"] = secs(t);
  for (auto* f : {&n_rkls, &n_usle, &n_sedx, &n_dep, &n_avero, &n_avx, &n_stream, &n_sdr, &n_slope, &n_fd, &n_fa,
                  &n_asp, &n_ls, &n_wbar, &n_sbar, &n_dup, &n_ddn, &n_ic, &n_drains})
    res.files.push_back(*f);

  // Watershed table.
  const char* cols[5] = {"usle_tot", "sed_export", "sed_dep", "avoid_exp", "avoid_eros"};
  std::string csv = "ws_id,name,usle_tot,sed_export,sed_dep,avoid_exp,avoid_eros\n";
  for (std::size_t k = 0; k < nz; ++k) {
    WatershedRow r;
    r.ws_id = zones->zones[k].id;
    r.name = zones->zones[k].name;
    csv += std::to_string(r.ws_id) + "," + r.name;
    for (int c = 0; c < 5; ++c) {
      r.values[cols[c]] = sums[k + 1][std::size_t(c)].value();
      char b[64];
      std::snprintf(b, sizeof b, ",%.17g", sums[k + 1][std::size_t(c)].value());
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
