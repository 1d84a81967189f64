#include "eco/raster/routing.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <queue>
#include <limits>
#include <unordered_map>
#include <thread>
#include <atomic>

namespace riverlink::eco::raster {
namespace {
constexpr double kSqrt2Inv = 0.70710678118654752440;
constexpr double kSqrt2 = 1.4142135623730951;

// Runs f(y0, y1) over bands of rows on `threads` threads (cells of one band are independent).
template <class F>
void for_rows(Dims d, int threads, F&& f) {
  threads = std::max(1, std::min(threads, d.rows / 64));
  if (threads == 1) return f(0, d.rows);
  constexpr int kBand = 64;
  std::atomic<int> next{0};
  auto work = [&] {
    for (int y0; (y0 = next.fetch_add(kBand)) < d.rows;) f(y0, std::min(d.rows, y0 + kBand));
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
}
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
  // The item k pops ahead when it is already known (for prefetching), else UINT32_MAX.
  std::uint32_t ahead(std::size_t k) const { return b_[0].size() > k ? b_[0][b_[0].size() - 1 - k].second : UINT32_MAX; }

 private:
  int bucket(std::uint32_t k) const { return k == last_ ? 0 : 32 - __builtin_clz(k ^ last_); }
  std::vector<std::pair<std::uint32_t, std::uint32_t>> b_[33];
  std::uint32_t last_ = 0;
  std::size_t size_ = 0;
};
}  // namespace

namespace {

constexpr std::uint32_t kOcean = 1;  // label of cells that drain off the raster or into nodata

// Spill edges between labels of one strip: (a, b) with a < b -> lowest level joining them.
using SpillEdges = std::unordered_map<std::uint64_t, float>;
void add_spill(SpillEdges& e, std::uint32_t a, std::uint32_t b, float h) {
  if (a == b) return;
  std::uint64_t key = a < b ? (std::uint64_t(a) << 32 | b) : (std::uint64_t(b) << 32 | a);
  auto [it, fresh] = e.try_emplace(key, h);
  if (!fresh && h < it->second) it->second = h;
}

// Priority-flood of the rows [y0, y1) alone, on their own (dem/closed point at row y0). Seeds:
// cells next to the raster's edge or to nodata (outlets), and, when the strip is not the whole
// raster, its first and last rows. With labels, every cell gets the label of the seed it was
// flooded from (outlets: kOcean; other seeds: next_label++) and the lowest level at which two
// labels meet is recorded.
template <bool kLabels>
std::uint32_t fill_strip(float* dem, std::uint8_t* closed, std::uint32_t* label, const std::vector<std::uint8_t>& valid, Dims d,
                int y0, int y1, std::uint32_t next_label, SpillEdges* spill) {
  const Dims sd{d.cols, y1 - y0};
  const Nav nav(sd);
  const std::size_t base = std::size_t(y0) * std::size_t(d.cols);
  HeightQueue open;
  std::vector<std::uint32_t> pit, trace;  // pit: FIFO (from pit_head); trace: LIFO
  std::size_t pit_head = 0;
  // closed: settled, queued, or nodata (never raised, never a way through).
  for (std::size_t i = 0; i < sd.n(); ++i) closed[i] = !valid[base + i];
  for (int y = y0; y < y1; ++y)
    for (int x = 0; x < d.cols; ++x) {
      std::size_t gi = std::size_t(y) * d.cols + x;
      if (!valid[gi]) continue;
      bool outlet = false;
      for (int k = 0; k < 8 && !outlet; ++k) {
        int nx = x + kDx[k], ny = y + kDy[k];
        if (!d.inside(nx, ny) || !valid[std::size_t(ny) * d.cols + nx]) outlet = true;
      }
      if (outlet || y == y0 || y == y1 - 1) {
        const std::uint32_t i = std::uint32_t(gi - base);
        if (kLabels) label[i] = outlet ? kOcean : 0;
        closed[i] = 1;
        open.push(dem[i], i);
      }
    }
  // A cell above a neighbour whose level is final drains through it, so its own height is its
  // final level: close it and trace on up the slope. A traced cell with a lower (or equal)
  // unclosed neighbour goes to the queue at its height, where that neighbour is settled in turn.
  auto trace_up = [&](std::uint32_t start) {
    trace.push_back(start);
    while (!trace.empty()) {
      std::uint32_t t = trace.back();
      trace.pop_back();
      const float ht = dem[t];
      bool boundary = false;
      nav.each(t, [&](int, std::uint32_t m) {
        if (closed[m]) {
          if (kLabels && label[m]) add_spill(*spill, label[t], label[m], std::max(ht, dem[m]));
          return;
        }
        if (dem[m] > ht) {
          closed[m] = 1;
          if (kLabels) label[m] = label[t];
          trace.push_back(m);
        } else {
          boundary = true;
        }
      });
      if (boundary) open.push(ht, t);
    }
  };
  // Queued cells lie anywhere: fetch the neighbourhood of one a few places ahead.
  auto prefetch = [&](std::uint32_t a) {
    if (a == UINT32_MAX) return;
    for (std::int64_t r : {-std::int64_t(d.cols), std::int64_t(0), std::int64_t(d.cols)}) {
      const std::int64_t j = std::clamp<std::int64_t>(std::int64_t(a) + r, 0, std::int64_t(sd.n()) - 1);
      __builtin_prefetch(&dem[std::size_t(j)]);
      __builtin_prefetch(&closed[std::size_t(j)]);
    }
  };
  for (;;) {
    std::uint32_t c;
    if (pit_head < pit.size()) {
      if (pit_head + 8 < pit.size()) prefetch(pit[pit_head + 8]);
      c = pit[pit_head++];
      if (pit_head == pit.size()) {
        pit.clear();
        pit_head = 0;
      }
    } else if (!open.empty()) {
      c = open.pop();
      prefetch(open.ahead(4));
    } else {
      break;
    }
    if (kLabels && label[c] == 0) label[c] = next_label++;
    const float hc = dem[c];
    nav.each(c, [&](int, std::uint32_t n) {
      if (closed[n]) {
        if (kLabels && label[n]) add_spill(*spill, label[c], label[n], std::max(hc, dem[n]));
        return;
      }
      closed[n] = 1;
      if (kLabels) label[n] = label[c];
      if (dem[n] <= hc) {
        dem[n] = hc;
        pit.push_back(n);
      } else {
        trace_up(n);
      }
    });
  }
  return next_label;
}

}  // namespace

void fill_pits(std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid, int threads) {
  std::vector<std::uint8_t> closed(d.n());
  const int strips = std::max(1, std::min(threads * 2, d.rows / 64));
  if (threads <= 1 || strips < 2) {
    fill_strip<false>(dem.data(), closed.data(), nullptr, valid, d, 0, d.rows, 0, nullptr);
    return;
  }
  // Parallel priority-flood (after Barnes 2016): each strip is filled on its own with its first
  // and last rows as extra seeds, labelling cells by seed; the spill graph of labels (within
  // strips, and across each pair of strip rows) gives the level at which each label really
  // drains (min over paths to an outlet of the highest spill), and every cell is raised to its
  // label's level. The result is the same filling as one priority-flood over the raster.
  std::vector<std::uint32_t> label(d.n(), 0);
  std::vector<int> row0(std::size_t(strips) + 1);
  for (int s = 0; s <= strips; ++s) row0[std::size_t(s)] = int(std::int64_t(d.rows) * s / strips);
  std::vector<SpillEdges> spill(std::size_t(strips) + 1);
  // Label spaces: strip s numbers its seeds from first[s] = 2 + s * stride (dense index: the
  // label minus first[s] plus the labels of the strips before; index 0 is the outlets).
  const std::uint32_t stride = std::uint32_t((std::uint64_t(0xFFFFFFF0u) / std::uint64_t(strips)));
  std::vector<std::uint32_t> first(static_cast<std::size_t>(strips)), used(static_cast<std::size_t>(strips));
  for (int s = 0; s < strips; ++s) first[std::size_t(s)] = 2 + std::uint32_t(s) * stride;
  std::atomic<int> next{0};
  auto work = [&] {
    for (int s; (s = next.fetch_add(1)) < strips;) {
      const std::size_t off = std::size_t(row0[std::size_t(s)]) * std::size_t(d.cols);
      used[std::size_t(s)] = fill_strip<true>(dem.data() + off, closed.data() + off, label.data() + off, valid, d,
                                              row0[std::size_t(s)], row0[std::size_t(s) + 1], first[std::size_t(s)],
                                              &spill[std::size_t(s)]) - first[std::size_t(s)];
    }
  };
  {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
  }
  std::vector<std::uint32_t> dense0(static_cast<std::size_t>(strips));
  std::uint32_t nlabels = 1;
  for (int s = 0; s < strips; ++s) {
    dense0[std::size_t(s)] = nlabels;
    nlabels += used[std::size_t(s)];
  }
  auto dense = [&](std::uint32_t l) -> std::uint32_t {
    if (l == kOcean) return 0;
    std::size_t s = std::size_t((l - 2) / stride);
    return dense0[s] + (l - first[s]);
  };
  // Spill edges across strip boundaries.
  SpillEdges& across = spill[std::size_t(strips)];
  for (int s = 1; s < strips; ++s) {
    const int y = row0[std::size_t(s)];
    for (int x = 0; x < d.cols; ++x) {
      std::size_t a = std::size_t(y - 1) * d.cols + x;
      if (!valid[a]) continue;
      for (int dx = -1; dx <= 1; ++dx) {
        if (x + dx < 0 || x + dx >= d.cols) continue;
        std::size_t b = std::size_t(y) * d.cols + std::size_t(x + dx);
        if (valid[b]) add_spill(across, label[a], label[b], std::max(dem[a], dem[b]));
      }
    }
  }
  // Levels: Dijkstra from the outlets with max in place of +.
  std::vector<std::vector<std::pair<std::uint32_t, float>>> graph(nlabels);
  for (auto& e : spill)
    for (auto& [key, h] : e) {
      auto a = dense(std::uint32_t(key >> 32)), b = dense(std::uint32_t(key));
      graph[a].push_back({b, h});
      graph[b].push_back({a, h});
    }
  const float lowest = -std::numeric_limits<float>::infinity();
  std::vector<float> level(nlabels, std::numeric_limits<float>::infinity());
  using Item = std::pair<float, std::uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> pq;
  level[0] = lowest;
  pq.push({lowest, 0});
  while (!pq.empty()) {
    auto [h, l] = pq.top();
    pq.pop();
    if (h > level[l]) continue;
    for (auto& [m, w] : graph[l]) {
      float nh = std::max(h, w);
      if (nh < level[m]) {
        level[m] = nh;
        pq.push({nh, m});
      }
    }
  }
  for_rows(d, threads, [&](int y0, int y1) {
    for (std::size_t i = std::size_t(y0) * d.cols, e = std::size_t(y1) * d.cols; i < e; ++i) {
      if (!valid[i] || label[i] == kOcean) continue;
      const float lv = level[dense(label[i])];
      if (dem[i] < lv && lv != std::numeric_limits<float>::infinity()) dem[i] = lv;
    }
  });
}

std::vector<float> slope_percent(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid,
                                 double cell_x, double cell_y, float nodata, int threads) {
  // Horn's 1-2-1 differences; where a neighbour is missing (nodata or outside the raster) the
  // pair falls back to a one-sided difference, as pygeoprocessing's calculate_slope does.
  std::vector<float> out(d.n(), nodata);
  const double r2 = std::sqrt(2.0);
  for_rows(d, threads, [&](int y0, int y1) {
  for (int y = y0; y < y1; ++y)
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
  });
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
// Scratch lists of drain_plateau, kept across calls (a filled DEM has one flat per filled pit).
struct PlateauScratch {
  std::vector<std::uint32_t> members, drains, nodata_drains, queue;
};

template <class Normal, class Nodata, class Towards>
void drain_plateau(std::uint32_t root, const std::vector<float>& dem, const Nav& nav, const std::vector<std::uint8_t>& valid,
                   std::vector<std::uint8_t>& flat_seen, std::vector<double>& dist, PlateauScratch& sc, Normal&& set_normal,
                   Nodata&& set_nodata_drain, Towards&& set_towards) {
  const float h = dem[root];
  auto& members = sc.members;
  auto& drains = sc.drains;
  auto& nodata_drains = sc.nodata_drains;
  auto& q = sc.queue;
  members.clear();
  drains.clear();
  nodata_drains.clear();
  q.assign(1, root);
  flat_seen[root] = 1;
  for (std::size_t head = 0; head < q.size(); ++head) {
    const std::uint32_t c = q[head];
    members.push_back(c);
    bool lower = false;
    std::uint32_t nb8[8];
    const unsigned inside = nav.around(c, nb8);
    bool touches_nodata = inside != 0xFF;
    for (int k = 0; k < 8; ++k) {
      if (!(inside >> k & 1)) continue;
      const std::uint32_t n = nb8[k];
      if (!valid[n]) { touches_nodata = true; continue; }
      if (dem[n] < h) lower = true;
      else if (dem[n] == h && !flat_seen[n]) {
        flat_seen[n] = 1;
        q.push_back(n);
      }
    }
    if (lower) drains.push_back(c);
    else if (touches_nodata) nodata_drains.push_back(c);
  }
  if (drains.empty()) {
    for (auto c : nodata_drains) set_nodata_drain(c);
    drains.swap(nodata_drains);
  } else {
    for (auto c : drains) set_normal(c);
  }
  q.clear();
  for (auto c : drains) {
    dist[c] = 0;
    q.push_back(c);
  }
  for (std::size_t head = 0; head < q.size(); ++head) {
    const std::uint32_t c = q[head];
    nav.each(c, [&](int k, std::uint32_t n) {
      if (!valid[n] || dem[n] != h) return;
      double nd = dist[c] + ((k & 1) ? kSqrt2 : 1.0);
      if (dist[n] > nd) {
        dist[n] = nd;
        q.push_back(n);
      }
    });
  }
  for (auto c : members) set_towards(c, h);
}

}  // namespace

std::vector<std::int32_t> flow_dir_mfd(const std::vector<float>& dem, Dims d, const std::vector<std::uint8_t>& valid,
                                       int threads) {
  std::vector<std::int32_t> fd(d.n(), 0);
  std::vector<std::uint8_t> flat_seen(d.n(), 0);
  const double far = double(d.n()) + 1;
  std::vector<double> dist;  // allocated lazily: only flats need it
  const Nav nav(d);
  PlateauScratch scratch;
  auto normal = [&](std::uint32_t c) -> bool {
    double w[8] = {0, 0, 0, 0, 0, 0, 0, 0}, sum = 0;
    const double hc = dem[c];
    nav.each(c, [&](int k, std::uint32_t n) {
      if (!valid[n]) return;
      double s = hc - double(dem[n]);
      if (s > 0) {
        if (k & 1) s *= kSqrt2Inv;
        w[k] = s;
      }
    });
    for (int k = 0; k < 8; ++k) sum += w[k];
    if (sum <= 0) return false;
    fd[c] = pack(w, sum);
    return true;
  };
  // Every cell with a lower neighbour depends on the DEM alone: all cores. Then the flats, in
  // raster order (a cell left without direction has no lower neighbour).
  for_rows(d, threads, [&](int y0, int y1) {
    for (std::uint32_t i = std::uint32_t(y0) * std::uint32_t(d.cols), e = std::uint32_t(y1) * std::uint32_t(d.cols); i < e; ++i)
      if (valid[i]) normal(i);
  });
  for (std::uint32_t i = 0; i < d.n(); ++i) {
    if (!valid[i] || fd[i] != 0 || flat_seen[i]) continue;
    if (dist.empty()) dist.assign(d.n(), far);
    drain_plateau(
        i, dem, nav, valid, flat_seen, dist, scratch, [&](std::uint32_t c) { normal(c); },
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
          double w[8] = {0, 0, 0, 0, 0, 0, 0, 0}, sum = 0;
          const double dc = dist[c];
          nav.each(c, [&](int k, std::uint32_t n) {
            if (!valid[n] || dem[n] != h || dist[n] >= far) return;
            if (dist[n] < dc) w[k] = (k & 1) ? kSqrt2Inv : 1.0;
          });
          for (int k = 0; k < 8; ++k) sum += w[k];
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
  const Nav nav(d);
  PlateauScratch scratch;
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
        i, dem, nav, valid, flat_seen, dist, scratch, [&](std::uint32_t c) { normal(c); },
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

std::vector<std::uint32_t> upslope_first_order(const std::vector<std::int32_t>& fdir, Dims d, std::vector<double>* counts,
                                               double nodata) {
  const Nav nav(d);
  const std::uint32_t n = std::uint32_t(d.n());
  // In-degree of each cell with a direction: its upslope neighbours that also have one.
  std::vector<std::uint8_t> indeg(n, 0);
  std::atomic<std::size_t> cells{0};
  for_rows(d, int(std::min(8u, std::max(1u, std::thread::hardware_concurrency()))), [&](int y0, int y1) {
    std::size_t mine = 0;
    for (std::uint32_t i = std::uint32_t(y0) * std::uint32_t(d.cols), e = std::uint32_t(y1) * std::uint32_t(d.cols); i < e; ++i) {
      if (!fdir[i]) continue;
      ++mine;
      std::uint8_t c = 0;
      nav.each(i, [&](int k, std::uint32_t u) { c += (fdir[u] && mfd_weight(fdir[u], (k + 4) & 7)) ? 1 : 0; });
      indeg[i] = c;
    }
    cells += mine;
  });
  if (counts) {
    counts->assign(n, nodata);
    for (std::uint32_t i = 0; i < n; ++i)
      if (fdir[i]) (*counts)[i] = 1.0;
  }
  constexpr std::uint8_t kDone = 0xFF;  // emitted or on the stack
  std::vector<std::uint32_t> order, stack;
  order.reserve(cells);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!fdir[i] || indeg[i] != 0) continue;
    indeg[i] = kDone;
    stack.push_back(i);
    while (!stack.empty()) {
      std::uint32_t c = stack.back();
      stack.pop_back();
      order.push_back(c);
      const std::int32_t f = fdir[c];
      const int sum = mfd_sum(f);
      const double a = counts ? (*counts)[c] : 0.0, s = double(sum);
      nav.each(c, [&](int k, std::uint32_t m) {
        const int w = mfd_weight(f, k);
        if (!w || !fdir[m]) return;
        if (counts) (*counts)[m] += a * double(w) / s;
        if (--indeg[m] == 0) {
          indeg[m] = kDone;
          stack.push_back(m);
        }
      });
    }
  }
  return order;
}

namespace {
template <class Init>
std::vector<double> accumulate_with(const std::vector<std::int32_t>& fdir, Dims d, const std::vector<std::uint32_t>& order,
                                    double nodata, Init&& init) {
  const Nav nav(d);
  std::vector<double> acc(d.n(), nodata);
  for (std::uint32_t i = 0; i < d.n(); ++i)
    if (fdir[i]) acc[i] = init(i);
  for (auto c : order) {
    const std::int32_t f = fdir[c];
    const int sum = mfd_sum(f);
    if (!sum) continue;
    const double a = acc[c], s = double(sum);
    nav.each(c, [&](int k, std::uint32_t n) {
      int w = mfd_weight(f, k);
      if (w && fdir[n]) acc[n] += a * double(w) / s;
    });
  }
  return acc;
}
}  // namespace

void accumulate_pair(const std::vector<std::int32_t>& fdir, Dims d, const std::vector<std::uint32_t>& order,
                     const std::vector<float>& v1, const std::vector<float>& v2, double nodata,
                     std::vector<double>& out1, std::vector<double>& out2) {
  const Nav nav(d);
  out1.assign(d.n(), nodata);
  out2.assign(d.n(), nodata);
  for (std::uint32_t i = 0; i < d.n(); ++i)
    if (fdir[i]) {
      out1[i] = double(v1[i]);
      out2[i] = double(v2[i]);
    }
  for (auto c : order) {
    const std::int32_t f = fdir[c];
    const int sum = mfd_sum(f);
    if (!sum) continue;
    const double a1 = out1[c], a2 = out2[c], s = double(sum);
    nav.each(c, [&](int k, std::uint32_t n) {
      int w = mfd_weight(f, k);
      if (!w || !fdir[n]) return;
      out1[n] += a1 * double(w) / s;
      out2[n] += a2 * double(w) / s;
    });
  }
}

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
