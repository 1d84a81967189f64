#include "eco/raster/routing.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <queue>

namespace riverlink::eco::raster {
namespace {
constexpr double kSqrt2Inv = 0.70710678118654752440;
constexpr double kSqrt2 = 1.4142135623730951;
}  // namespace

namespace {
// A monotone priority queue (radix heap) keyed by heights: priority-flood only ever pushes keys at
// or above the last one popped, so a radix heap replaces the binary heap's log n sift with a few
// bucket moves per item. Ties leave in any order: the filled heights do not depend on it.
class HeightQueue {
 public:
  static std::uint32_t key(float h) {
    std::uint32_t u;
    std::memcpy(&u, &h, sizeof u);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);  // order-preserving
  }
  bool empty() const { return size_ == 0; }
  void push(float h, std::uint32_t i) {
    std::uint32_t k = key(h);
    b_[bucket(k)].push_back({k, i});
    ++size_;
  }
  std::uint32_t pop() {
    if (b_[0].empty()) {
      int j = 1;
      while (b_[j].empty()) ++j;
      std::uint32_t lo = b_[j][0].first;
      for (auto& e : b_[j]) lo = std::min(lo, e.first);
      last_ = lo;
      for (auto& e : b_[j]) b_[bucket(e.first)].push_back(e);
      b_[j].clear();
    }
    auto e = b_[0].back();
    b_[0].pop_back();
    --size_;
    return e.second;
  }

 private:
  int bucket(std::uint32_t k) const { return k == last_ ? 0 : 32 - __builtin_clz(k ^ last_); }
  std::vector<std::pair<std::uint32_t, std::uint32_t>> b_[33];
  std::uint32_t last_ = 0;
  std::size_t size_ = 0;
};
}  // namespace

void fill_pits(std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid) {
  HeightQueue open;
  std::deque<std::uint32_t> pit;
  std::vector<std::uint8_t> closed(d.n(), 0);
  for (int y = 0; y < d.rows; ++y)
    for (int x = 0; x < d.cols; ++x) {
      std::size_t i = std::size_t(y) * d.cols + x;
      if (!valid[i]) continue;
      bool edge = false;
      for (int k = 0; k < 8 && !edge; ++k) {
        int nx = x + kDx[k], ny = y + kDy[k];
        if (!d.inside(nx, ny) || !valid[std::size_t(ny) * d.cols + nx]) edge = true;
      }
      if (edge) {
        closed[i] = 1;
        open.push(dem[i], std::uint32_t(i));
      }
    }
  while (!open.empty() || !pit.empty()) {
    std::uint32_t c;
    if (!pit.empty()) {
      c = pit.front();
      pit.pop_front();
    } else {
      c = open.pop();
    }
    int cx = int(c % d.cols), cy = int(c / d.cols);
    float hc = dem[c];
    for (int k = 0; k < 8; ++k) {
      int nx = cx + kDx[k], ny = cy + kDy[k];
      if (!d.inside(nx, ny)) continue;
      std::size_t n = std::size_t(ny) * d.cols + nx;
      if (!valid[n] || closed[n]) continue;
      closed[n] = 1;
      if (dem[n] <= hc) {
        dem[n] = hc;
        pit.push_back(std::uint32_t(n));
      } else {
        open.push(dem[n], std::uint32_t(n));
      }
    }
  }
}

std::vector<float> slope_percent(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid,
                                 double cell_x, double cell_y, float nodata) {
  // Horn's 1-2-1 differences; where a neighbour is missing (nodata or outside the raster) the
  // pair falls back to a one-sided difference, as pygeoprocessing's calculate_slope does.
  std::vector<float> out(d.n(), nodata);
  const double r2 = std::sqrt(2.0);
  for (int y = 0; y < d.rows; ++y)
    for (int x = 0; x < d.cols; ++x) {
      std::size_t i = std::size_t(y) * d.cols + x;
      if (!valid[i]) continue;
      double e = dem[i];
      double v[9];
      bool ok[9];
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          int k = (dy + 1) * 3 + (dx + 1), nx = x + dx, ny = y + dy;
          std::size_t n = std::size_t(ny) * d.cols + nx;
          ok[k] = d.inside(nx, ny) && valid[n];
          v[k] = ok[k] ? double(dem[n]) : 0.0;
        }
      // a b c / d e f / g h i  ->  0 1 2 / 3 4 5 / 6 7 8
      double ax = 0, ay = 0;
      int fx = 0, fy = 0;
      // Outer row/column pair (p, mid, q): full difference, half differences, or diagonal to e.
      auto outer = [&](int p, int mid, int q, double& acc, int& den) {
        if (ok[p] && ok[q]) { acc += v[p] - v[q]; den += 2; }
        else if (ok[p] && ok[mid]) { acc += v[p] - v[mid]; den += 1; }
        else if (ok[mid] && ok[q]) { acc += v[mid] - v[q]; den += 1; }
        else if (ok[p]) { acc += (v[p] - e) * r2; den += 1; }
        else if (ok[q]) { acc += (e - v[q]) * r2; den += 1; }
      };
      auto centre = [&](int p, int q, double& acc, int& den) {
        if (ok[p] && ok[q]) { acc += 2 * (v[p] - v[q]); den += 4; }
        else if (ok[p]) { acc += 2 * (v[p] - e); den += 2; }
        else if (ok[q]) { acc += 2 * (e - v[q]); den += 2; }
      };
      outer(0, 1, 2, ax, fx);
      centre(3, 5, ax, fx);
      outer(6, 7, 8, ax, fx);
      outer(0, 3, 6, ay, fy);
      centre(1, 7, ay, fy);
      outer(2, 5, 8, ay, fy);
      double dzdx = fx ? ax / (fx * cell_x) : 0.0;
      double dzdy = fy ? ay / (fy * cell_y) : 0.0;
      out[i] = float(100.0 * std::sqrt(dzdx * dzdx + dzdy * dzdy));
    }
  return out;
}

namespace {

std::int32_t pack(const double w[8], double sum) {
  std::int32_t v = 0;
  for (int k = 0; k < 8; ++k) v |= std::int32_t(int(0.5 + w[k] / sum * 15.0)) << (4 * k);
  return v;
}

// Plateau handling shared by MFD and D8: given a flat root with no lower neighbour, find its
// drains and compute the plateau distance of each flat cell. Calls set_dir for every flat cell.
template <class Normal, class Nodata, class Towards>
void drain_plateau(std::uint32_t root, const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid,
                   std::vector<std::uint8_t>& flat_seen, std::vector<double>& dist, Normal&& set_normal,
                   Nodata&& set_nodata_drain, Towards&& set_towards) {
  const float h = dem[root];
  std::vector<std::uint32_t> members, drains, nodata_drains;
  std::deque<std::uint32_t> q{root};
  flat_seen[root] = 1;
  while (!q.empty()) {
    std::uint32_t c = q.front();
    q.pop_front();
    members.push_back(c);
    int cx = int(c % d.cols), cy = int(c / d.cols);
    bool lower = false, touches_nodata = false;
    for (int k = 0; k < 8; ++k) {
      int nx = cx + kDx[k], ny = cy + kDy[k];
      if (!d.inside(nx, ny)) { touches_nodata = true; continue; }
      std::size_t n = std::size_t(ny) * d.cols + nx;
      if (!valid[n]) { touches_nodata = true; continue; }
      if (dem[n] < h) lower = true;
      else if (dem[n] == h && !flat_seen[n]) {
        flat_seen[n] = 1;
        q.push_back(std::uint32_t(n));
      }
    }
    if (lower) drains.push_back(c);
    else if (touches_nodata) nodata_drains.push_back(c);
  }
  if (drains.empty()) {
    for (auto c : nodata_drains) set_nodata_drain(c);
    drains = nodata_drains;
  } else {
    for (auto c : drains) set_normal(c);
  }
  std::deque<std::uint32_t> dq;
  for (auto c : drains) {
    dist[c] = 0;
    dq.push_back(c);
  }
  while (!dq.empty()) {
    std::uint32_t c = dq.front();
    dq.pop_front();
    int cx = int(c % d.cols), cy = int(c / d.cols);
    for (int k = 0; k < 8; ++k) {
      int nx = cx + kDx[k], ny = cy + kDy[k];
      if (!d.inside(nx, ny)) continue;
      std::size_t n = std::size_t(ny) * d.cols + nx;
      if (!valid[n] || dem[n] != h) continue;
      double nd = dist[c] + ((k & 1) ? kSqrt2 : 1.0);
      if (dist[n] > nd) {
        dist[n] = nd;
        dq.push_back(std::uint32_t(n));
      }
    }
  }
  for (auto c : members) set_towards(c, h);
}

}  // namespace

std::vector<std::int32_t> flow_dir_mfd(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid) {
  std::vector<std::int32_t> fd(d.n(), 0);
  std::vector<std::uint8_t> flat_seen(d.n(), 0);
  const double far = double(d.n()) + 1;
  std::vector<double> dist;  // allocated lazily: only flats need it
  auto normal = [&](std::uint32_t c) -> bool {
    int cx = int(c % d.cols), cy = int(c / d.cols);
    double w[8] = {0, 0, 0, 0, 0, 0, 0, 0}, sum = 0;
    for (int k = 0; k < 8; ++k) {
      int nx = cx + kDx[k], ny = cy + kDy[k];
      if (!d.inside(nx, ny)) continue;
      std::size_t n = std::size_t(ny) * d.cols + nx;
      if (!valid[n]) continue;
      double s = double(dem[c]) - double(dem[n]);
      if (s > 0) {
        if (k & 1) s *= kSqrt2Inv;
        w[k] = s;
        sum += s;
      }
    }
    if (sum <= 0) return false;
    fd[c] = pack(w, sum);
    return true;
  };
  for (std::uint32_t i = 0; i < d.n(); ++i) {
    if (!valid[i] || fd[i] != 0 || flat_seen[i]) continue;
    if (normal(i)) continue;
    if (dist.empty()) dist.assign(d.n(), far);
    drain_plateau(
        i, dem, d, valid, flat_seen, dist, [&](std::uint32_t c) { normal(c); },
        [&](std::uint32_t c) {
          int cx = int(c % d.cols), cy = int(c / d.cols);
          double w[8] = {0, 0, 0, 0, 0, 0, 0, 0}, sum = 0;
          for (int k = 0; k < 8; ++k) {
            int nx = cx + kDx[k], ny = cy + kDy[k];
            if (d.inside(nx, ny) && valid[std::size_t(ny) * d.cols + nx]) continue;
            w[k] = (k & 1) ? kSqrt2Inv : 1.0;
            sum += w[k];
          }
          fd[c] = pack(w, sum);
        },
        [&](std::uint32_t c, float h) {
          if (dist[c] == 0) return;  // a drain
          int cx = int(c % d.cols), cy = int(c / d.cols);
          double w[8] = {0, 0, 0, 0, 0, 0, 0, 0}, sum = 0;
          for (int k = 0; k < 8; ++k) {
            int nx = cx + kDx[k], ny = cy + kDy[k];
            if (!d.inside(nx, ny)) continue;
            std::size_t n = std::size_t(ny) * d.cols + nx;
            if (!valid[n] || dem[n] != h || dist[n] >= far) continue;
            if (dist[n] < dist[c]) {
              w[k] = (k & 1) ? kSqrt2Inv : 1.0;
              sum += w[k];
            }
          }
          if (sum > 0) fd[c] = pack(w, sum);
        });
  }
  return fd;
}

std::vector<std::uint8_t> flow_dir_d8(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid) {
  std::vector<std::uint8_t> fd(d.n(), 255);
  std::vector<std::uint8_t> flat_seen(d.n(), 0);
  const double far = double(d.n()) + 1;
  std::vector<double> dist;
  auto normal = [&](std::uint32_t c) -> bool {
    int cx = int(c % d.cols), cy = int(c / d.cols);
    double best = 0;
    int bk = -1;
    for (int k = 0; k < 8; ++k) {
      int nx = cx + kDx[k], ny = cy + kDy[k];
      if (!d.inside(nx, ny)) continue;
      std::size_t n = std::size_t(ny) * d.cols + nx;
      if (!valid[n]) continue;
      double s = double(dem[c]) - double(dem[n]);
      if (k & 1) s *= kSqrt2Inv;
      if (s > best) { best = s; bk = k; }
    }
    if (bk < 0) return false;
    fd[c] = std::uint8_t(bk);
    return true;
  };
  for (std::uint32_t i = 0; i < d.n(); ++i) {
    if (!valid[i] || fd[i] != 255 || flat_seen[i]) continue;
    if (normal(i)) continue;
    if (dist.empty()) dist.assign(d.n(), far);
    drain_plateau(
        i, dem, d, valid, flat_seen, dist, [&](std::uint32_t c) { normal(c); },
        [&](std::uint32_t c) {
          int cx = int(c % d.cols), cy = int(c / d.cols);
          for (int k = 0; k < 8; ++k) {
            int nx = cx + kDx[k], ny = cy + kDy[k];
            if (!d.inside(nx, ny) || !valid[std::size_t(ny) * d.cols + nx]) { fd[c] = std::uint8_t(k); return; }
          }
        },
        [&](std::uint32_t c, float h) {
          if (dist[c] == 0) return;
          int cx = int(c % d.cols), cy = int(c / d.cols);
          double best = dist[c];
          int bk = -1;
          for (int k = 0; k < 8; ++k) {
            int nx = cx + kDx[k], ny = cy + kDy[k];
            if (!d.inside(nx, ny)) continue;
            std::size_t n = std::size_t(ny) * d.cols + nx;
            if (!valid[n] || dem[n] != h) continue;
            if (dist[n] < best) { best = dist[n]; bk = k; }
          }
          if (bk >= 0) fd[c] = std::uint8_t(bk);
        });
  }
  return fd;
}

std::vector<std::int32_t> d8_as_mfd(const std::vector<std::uint8_t>& d8) {
  std::vector<std::int32_t> out(d8.size(), 0);
  for (std::size_t i = 0; i < d8.size(); ++i)
    if (d8[i] < 8) out[i] = std::int32_t(15) << (4 * d8[i]);
  return out;
}

std::vector<std::uint32_t> upslope_first_order(const std::vector<std::int32_t>& fdir, Dims d) {
  std::vector<std::uint8_t> indeg(d.n(), 0);
  for (int y = 0; y < d.rows; ++y)
    for (int x = 0; x < d.cols; ++x) {
      std::int32_t f = fdir[std::size_t(y) * d.cols + x];
      if (!f) continue;
      for (int k = 0; k < 8; ++k) {
        if (!mfd_weight(f, k)) continue;
        int nx = x + kDx[k], ny = y + kDy[k];
        if (!d.inside(nx, ny)) continue;
        std::size_t n = std::size_t(ny) * d.cols + nx;
        if (fdir[n]) ++indeg[n];
      }
    }
  std::vector<std::uint32_t> order;
  order.reserve(d.n());
  for (std::uint32_t i = 0; i < d.n(); ++i)
    if (fdir[i] && indeg[i] == 0) order.push_back(i);
  for (std::size_t h = 0; h < order.size(); ++h) {
    std::uint32_t c = order[h];
    int cx = int(c % d.cols), cy = int(c / d.cols);
    std::int32_t f = fdir[c];
    for (int k = 0; k < 8; ++k) {
      if (!mfd_weight(f, k)) continue;
      int nx = cx + kDx[k], ny = cy + kDy[k];
      if (!d.inside(nx, ny)) continue;
      std::size_t n = std::size_t(ny) * d.cols + nx;
      if (fdir[n] && --indeg[n] == 0) order.push_back(std::uint32_t(n));
    }
  }
  return order;
}

namespace {
template <class Init>
std::vector<double> accumulate_with(const std::vector<std::int32_t>& fdir, Dims d, const std::vector<std::uint32_t>& order,
                                    double nodata, Init&& init) {
  std::vector<double> acc(d.n(), nodata);
  for (auto c : order) acc[c] = init(c);
  for (auto c : order) {
    std::int32_t f = fdir[c];
    int sum = 0;
    for (int k = 0; k < 8; ++k) sum += mfd_weight(f, k);
    if (!sum) continue;
    int cx = int(c % d.cols), cy = int(c / d.cols);
    for (int k = 0; k < 8; ++k) {
      int w = mfd_weight(f, k);
      if (!w) continue;
      int nx = cx + kDx[k], ny = cy + kDy[k];
      if (!d.inside(nx, ny)) continue;
      std::size_t n = std::size_t(ny) * d.cols + nx;
      if (!fdir[n]) continue;
      acc[n] += acc[c] * double(w) / double(sum);
    }
  }
  return acc;
}
}  // namespace

std::vector<double> accumulate(const std::vector<std::int32_t>& fdir, Dims d, const std::vector<std::uint32_t>& order,
                               const std::vector<double>* v, double nodata) {
  if (!v) return accumulate_with(fdir, d, order, nodata, [](std::uint32_t) { return 1.0; });
  return accumulate_with(fdir, d, order, nodata, [&](std::uint32_t c) { return (*v)[c]; });
}

std::vector<double> accumulate(const std::vector<std::int32_t>& fdir, Dims d, const std::vector<std::uint32_t>& order,
                               const std::vector<float>& v, double nodata) {
  return accumulate_with(fdir, d, order, nodata, [&](std::uint32_t c) { return double(v[c]); });
}

}  // namespace riverlink::eco::raster
