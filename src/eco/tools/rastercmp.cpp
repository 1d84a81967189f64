// eco_rastercmp A.tif B.tif: valid counts, nodata-mask differences, sums and max differences.
#include <cmath>
#include <cstdio>

#include "eco/raster/raster.hpp"

using namespace riverlink::eco::raster;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: eco_rastercmp A.tif B.tif\n");
    return 2;
  }
  init_gdal();
  auto ia = probe(argv[1]);
  auto ib = probe(argv[2]);
  if (!ia.ok() || !ib.ok()) {
    std::fprintf(stderr, "%s\n", (!ia.ok() ? ia.error() : ib.error()).message.c_str());
    return 2;
  }
  std::optional<double> na, nb;
  auto a = read_all_f64({"a", argv[1]}, ia->grid, &na);
  auto b = read_all_f64({"b", argv[2]}, ia->grid, &nb);
  if (!a.ok() || !b.ok()) {
    std::fprintf(stderr, "%s\n", (!a.ok() ? a.error() : b.error()).message.c_str());
    return 2;
  }
  long va = 0, vb = 0, only_a = 0, only_b = 0, diff = 0;
  double sa = 0, sb = 0, maxabs = 0, maxrel = 0;
  long worst = -1;
  for (std::size_t i = 0; i < a->size(); ++i) {
    bool oa = !is_nodata((*a)[i], na), ob = !is_nodata((*b)[i], nb);
    va += oa; vb += ob;
    if (oa) sa += (*a)[i];
    if (ob) sb += (*b)[i];
    if (oa && !ob) { ++only_a; if (only_a <= 3) std::printf("only A valid at x=%zu y=%zu (%g)\n", i % ia->grid.cols, i / ia->grid.cols, (*a)[i]); }
    if (ob && !oa) { ++only_b; if (only_b <= 3) std::printf("only B valid at x=%zu y=%zu (%g)\n", i % ia->grid.cols, i / ia->grid.cols, (*b)[i]); }
    if (oa && ob) {
      double d = std::abs((*a)[i] - (*b)[i]);
      if (d > 0) ++diff;
      double r = d / std::max(1e-12, std::abs((*b)[i]));
      if (d > maxabs) { maxabs = d; worst = long(i); }
      maxrel = std::max(maxrel, d > 1e-9 ? r : 0.0);
    }
  }
  std::printf("valid A %ld B %ld; only A %ld only B %ld; differing %ld\n", va, vb, only_a, only_b, diff);
  std::printf("sum A %.10g B %.10g rel %.3g\n", sa, sb, sb != 0 ? (sa - sb) / sb : 0.0);
  std::printf("max abs %.6g (at x=%ld y=%ld) max rel %.3g\n", maxabs, worst < 0 ? -1 : worst % ia->grid.cols,
              worst < 0 ? -1 : worst / ia->grid.cols, maxrel);
  return 0;
}
