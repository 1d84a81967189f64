#include "eco/demo/suqian.hpp"

#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/divisions.hpp"
#include "core/json.hpp"
#include "eco/raster/raster.hpp"

namespace riverlink::eco::demo {
namespace fs = std::filesystem;

Result<SuqianOptions> size_preset(std::string_view name) {
  if (name == "tiny") return SuqianOptions{64, 72, 2026};
  if (name == "demo" || name.empty()) return SuqianOptions{};
  if (name == "full") return SuqianOptions{4000, 4800, 2026};
  return Error::field("eco.demo_size", "size", "size must be tiny, demo or full");
}

Status write_bundled(const std::string& dir) {
  for (auto& [rel, text] : bundled_files()) {
    fs::path p = fs::path(dir) / std::string(rel);
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream o(p, std::ios::binary);
    o << text;
    if (!o) return Error::field("eco.write_failed", p.string(), p.string() + ": write failed");
  }
  return ok_status();
}

namespace {

// Deterministic value noise in [0, 1): integer hash of lattice points, smooth interpolation.
double lattice(std::uint64_t seed, std::int64_t x, std::int64_t y) {
  std::uint64_t h = seed * 0x9E3779B97F4A7C15ull ^ (std::uint64_t(x) * 0xBF58476D1CE4E5B9ull) ^ (std::uint64_t(y) * 0x94D049BB133111EBull);
  h ^= h >> 31;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return double(h >> 11) / double(1ull << 53);
}
double value_noise(std::uint64_t seed, double x, double y) {
  double fx = std::floor(x), fy = std::floor(y);
  auto ix = std::int64_t(fx), iy = std::int64_t(fy);
  double tx = x - fx, ty = y - fy;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  double a = lattice(seed, ix, iy), b = lattice(seed, ix + 1, iy), c = lattice(seed, ix, iy + 1), d = lattice(seed, ix + 1, iy + 1);
  return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
}
// Fractal noise over normalised coordinates (u, v in 0..1), features of about 1/freq.
double fbm(std::uint64_t seed, double u, double v, double freq, int octaves = 3) {
  double s = 0, amp = 1, norm = 0;
  for (int o = 0; o < octaves; ++o) {
    s += amp * value_noise(seed + std::uint64_t(o) * 7919, u * freq, v * freq);
    norm += amp;
    amp *= 0.5;
    freq *= 2;
  }
  return s / norm;
}

// Distance from the segment a-b (normalised coordinates).
double seg_dist(double u, double v, double ax, double ay, double bx, double by) {
  double dx = bx - ax, dy = by - ay;
  double t = ((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy);
  t = std::max(0.0, std::min(1.0, t));
  double ex = ax + t * dx - u, ey = ay + t * dy - v;
  return std::sqrt(ex * ex + ey * ey);
}
double polyline_dist(double u, double v, const std::vector<std::pair<double, double>>& pts) {
  double d = 1e9;
  for (std::size_t i = 1; i < pts.size(); ++i) d = std::min(d, seg_dist(u, v, pts[i - 1].first, pts[i - 1].second, pts[i].first, pts[i].second));
  return d;
}

struct County {
  const char* code;
  double su, sv, weight;  // seed (normalised) and additive weight (larger = bigger)
};
// Rough geography of Suqian: Shuyang north-east, Suyu north, Sucheng in the middle (the city),
// Siyang south-east, Sihong south-west on Hongze Lake.
const County kCounties[] = {
    {"321302", 0.30, 0.52, 0.00},  // 宿城区
    {"321311", 0.36, 0.80, 0.02},  // 宿豫区
    {"321322", 0.80, 0.78, 0.10},  // 沭阳县
    {"321323", 0.74, 0.36, 0.06},  // 泗阳县
    {"321324", 0.22, 0.17, 0.12},  // 泗洪县
};

// Land-cover codes (CLCD): 1 cropland, 2 forest, 3 shrub, 4 grassland, 5 water, 7 barren,
// 8 impervious, 9 wetland.
struct Lake {
  const char* name;
  double cu, cv, ru, rv;
};
const Lake kLakes[] = {{"骆马湖 Luoma Lake", 0.34, 0.97, 0.13, 0.10}, {"洪泽湖 Hongze Lake", 0.02, -0.02, 0.30, 0.24}};

std::string utm50n() {
  OGRSpatialReferenceH s = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(s, 32650);
  char* w = nullptr;
  OSRExportToWkt(s, &w);
  std::string out = w;
  CPLFree(w);
  OSRDestroySpatialReference(s);
  return out;
}

Error gdal_error(const std::string& path, const std::string& what) {
  return Error::field("eco.write_failed", path, path + ": " + what + ": " + CPLGetLastErrorMsg());
}

// Polygonises the county raster into one (multi)polygon feature per county, written as GeoJSON
// with fields code (GB/T 2260, integer), name (Chinese) and name_en.
Status write_counties(const std::string& path, const raster::Grid& g, const std::vector<std::int32_t>& cid) {
  GDALDriverH mem = GDALGetDriverByName("MEM");
  GDALDatasetH ds = GDALCreate(mem, "", g.cols, g.rows, 1, GDT_Int32, nullptr);
  GDALSetGeoTransform(ds, const_cast<double*>(g.gt.data()));
  GDALSetProjection(ds, g.wkt.c_str());
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  if (GDALRasterIO(b, GF_Write, 0, 0, g.cols, g.rows, const_cast<std::int32_t*>(cid.data()), g.cols, g.rows, GDT_Int32, 0, 0) != CE_None) {
    GDALClose(ds);
    return gdal_error(path, "county raster");
  }
  OGRSFDriverH md = OGRGetDriverByName("Memory");
  OGRDataSourceH ms = OGR_Dr_CreateDataSource(md, "counties", nullptr);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(g.wkt.c_str());
  OGRLayerH ml = OGR_DS_CreateLayer(ms, "c", srs, wkbPolygon, nullptr);
  OGRFieldDefnH fd = OGR_Fld_Create("idx", OFTInteger);
  OGR_L_CreateField(ml, fd, TRUE);
  OGR_Fld_Destroy(fd);
  CPLErr e = GDALPolygonize(b, b, ml, 0, nullptr, nullptr, nullptr);
  GDALClose(ds);
  if (e != CE_None) {
    OGR_DS_Destroy(ms);
    OSRDestroySpatialReference(srs);
    return gdal_error(path, "polygonize");
  }
  std::map<int, OGRGeometryH> parts;
  OGR_L_ResetReading(ml);
  while (OGRFeatureH f = OGR_L_GetNextFeature(ml)) {
    int idx = OGR_F_GetFieldAsInteger(f, 0);
    if (idx > 0) {
      auto& mp = parts[idx];
      if (!mp) mp = OGR_G_CreateGeometry(wkbMultiPolygon);
      OGR_G_AddGeometry(mp, OGR_F_GetGeometryRef(f));
    }
    OGR_F_Destroy(f);
  }
  OGR_DS_Destroy(ms);
  std::error_code ec;
  fs::remove(path, ec);
  OGRSFDriverH gj = OGRGetDriverByName("GeoJSON");
  OGRDataSourceH out = OGR_Dr_CreateDataSource(gj, path.c_str(), nullptr);
  if (!out) {
    for (auto& [_, g2] : parts) OGR_G_DestroyGeometry(g2);
    OSRDestroySpatialReference(srs);
    return gdal_error(path, "create");
  }
  OGRLayerH l = OGR_DS_CreateLayer(out, "counties", srs, wkbMultiPolygon, nullptr);
  for (auto [name, type] : {std::pair{"code", OFTInteger}, std::pair{"name", OFTString}, std::pair{"name_en", OFTString}}) {
    OGRFieldDefnH f = OGR_Fld_Create(name, type);
    OGR_L_CreateField(l, f, TRUE);
    OGR_Fld_Destroy(f);
  }
  const auto& dv = core::Divisions::yrd();
  for (auto& [idx, geom] : parts) {
    const auto* d = dv.find(kCounties[idx - 1].code);
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
    OGR_F_SetFieldInteger(f, 0, std::atoi(kCounties[idx - 1].code));
    OGR_F_SetFieldString(f, 1, d ? d->name_zh.c_str() : kCounties[idx - 1].code);
    OGR_F_SetFieldString(f, 2, d ? d->name_en.c_str() : "");
    OGR_F_SetGeometryDirectly(f, geom);
    OGRErr fe = OGR_L_CreateFeature(l, f);
    OGR_F_Destroy(f);
    if (fe != OGRERR_NONE) {
      OGR_DS_Destroy(out);
      OSRDestroySpatialReference(srs);
      return gdal_error(path, "write feature");
    }
  }
  OGR_DS_Destroy(out);
  OSRDestroySpatialReference(srs);
  return ok_status();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream o(path, std::ios::binary);
  o << text;
}

std::string fmt(double v, int prec = 2) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

}  // namespace

Result<DemoDataset> generate_suqian(const std::string& dir, const SuqianOptions& o) {
  if (o.cols < 16 || o.rows < 16 || o.cols > 20000 || o.rows > 20000)
    return Error::field("eco.demo_size", "cols", "demo grid must be 16..20000 pixels on each side");
  raster::init_gdal();
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "rasters", ec);
  if (ec) return Error::field("eco.write_failed", dir, dir + ": " + ec.message());
  DemoDataset out;
  out.dir = dir;
  RL_TRY(write_bundled(dir));
  // Grid: 30 m, centred on Suqian (about 118.3 E, 33.95 N; UTM 50N easting 620 km, northing 3757 km).
  raster::Grid g;
  g.cols = o.cols;
  g.rows = o.rows;
  const double cell = 30;
  double x0 = std::round((620000 - o.cols * cell / 2) / cell) * cell, y0 = std::round((3757000 + o.rows * cell / 2) / cell) * cell;
  g.gt = {x0, cell, 0, y0, 0, -cell};
  g.wkt = utm50n();
  const std::size_t n = std::size_t(g.pixels());
  const std::uint64_t S = o.seed;
  std::vector<std::uint8_t> lulc(n, 255), proj;
  std::vector<std::int32_t> cid(n, 0);
  std::vector<float> precip(n, -9999), et(n, -9999), storm(n, -9999), npp(n, -9999), dem(n, -9999), rr(n, -9999), kk(n, -9999),
      evap(n, -9999);
  // Rivers: the Grand Canal (from Luoma Lake through the city to Siyang), the Xinyi River in
  // Shuyang, the Huai-Shu new river in Sihong.
  const std::vector<std::pair<double, double>> canal = {{0.36, 0.88}, {0.33, 0.62}, {0.36, 0.50}, {0.62, 0.38}, {1.02, 0.22}};
  const std::vector<std::pair<double, double>> xinyi = {{0.50, 0.92}, {0.70, 0.80}, {1.02, 0.74}};
  const std::vector<std::pair<double, double>> huaishu = {{0.28, 0.05}, {0.35, 0.30}, {0.52, 0.45}};
  const double px = 1.0 / std::max(o.cols, o.rows);  // one pixel in normalised units
  const double river_w = std::max(0.0035, 1.2 * px);
  struct Town { double u, v, r; };
  const Town towns[] = {{0.33, 0.55, 0.07}, {0.80, 0.74, 0.04}, {0.70, 0.33, 0.035}, {0.28, 0.22, 0.035}};
  for (int y = 0; y < g.rows; ++y) {
    for (int x = 0; x < g.cols; ++x) {
      const std::size_t i = std::size_t(y) * std::size_t(g.cols) + std::size_t(x);
      double u = (x + 0.5) / g.cols, v = 1.0 - (y + 0.5) / g.rows;
      // Region outline: an irregular blob (nodata outside).
      double du = u - 0.5, dv = v - 0.5;
      double rad = std::sqrt(du * du + dv * dv), ang = std::atan2(dv, du);
      double edge = 0.47 + 0.06 * (fbm(S + 1, std::cos(ang) + 2, std::sin(ang) + 2, 2.5) - 0.5) + 0.1 * std::pow(std::abs(std::sin(2 * ang)), 3);
      if (rad > edge) continue;
      // County: additively weighted nearest seed, with noisy borders.
      double best = 1e9;
      for (int c = 0; c < 5; ++c) {
        double d = std::hypot(u - kCounties[c].su, v - kCounties[c].sv) - kCounties[c].weight + 0.05 * (fbm(S + 2 + std::uint64_t(c), u, v, 6) - 0.5);
        if (d < best) best = d, cid[i] = c + 1;
      }
      double nz = fbm(S + 10, u, v, 24, 4);  // land-cover patches
      double nf = fbm(S + 11, u, v, 40, 3);  // plantations
      double shore = 1e9;
      std::uint8_t c = 1;  // cropland
      for (auto& L : kLakes) {
        double e = std::hypot((u - L.cu) / L.ru, (v - L.cv) / L.rv) + 0.12 * (fbm(S + 20, u, v, 14) - 0.5);
        shore = std::min(shore, e);
      }
      double dmaling = std::hypot(u - 0.47, v - 0.70);
      if (shore < 1.0) c = 5;
      else if (shore < 1.09 + 0.05 * nz) c = 9;
      else if (polyline_dist(u, v, canal) < river_w || polyline_dist(u, v, xinyi) < river_w * 0.8 ||
               polyline_dist(u, v, huaishu) < river_w * 0.8)
        c = 5;
      else {
        bool town = false;
        for (auto& t : towns) town = town || std::hypot(u - t.u, v - t.v) < t.r * (0.8 + 0.4 * nz);
        if (town) c = 8;
        else if (dmaling < 0.05 + 0.02 * nz) c = nz > 0.55 ? 3 : 2;
        else if (nf > 0.66) c = 2;  // poplar plantations
        else if (nz > 0.78) c = 8;  // villages
        else if (nz < 0.14) c = 4;
        else if (nz < 0.16) c = 7;
        else if (nf < 0.18 && shore < 1.5) c = 9;  // ponds and marshes near the lakes
      }
      lulc[i] = c;
      double w1 = fbm(S + 30, u, v, 8) - 0.5, w2 = fbm(S + 31, u, v, 60, 2) - 0.5;
      // Annual precipitation (mm): about 890 in the north to 970 in the south.
      precip[i] = float(890 + 80 * (1 - v) + 30 * w1);
      // Actual ET (mm) by cover: open water and marshes evaporate most.
      static const double et_by[10] = {0, 690, 770, 720, 650, 1010, 0, 420, 320, 900};
      et[i] = float(et_by[c] + 25 * w2);
      storm[i] = float(150 + 70 * (1 - v) + 20 * w1);
      static const double npp_by[10] = {0, 540, 650, 500, 390, 30, 0, 60, 70, 470};
      npp[i] = float(npp_by[c] * (1 + 0.1 * w2));
      // Elevation (m): plain rising to the north-east, the Maling hills north of the city,
      // lakes at their water level; small noise as in SRTM over plains.
      double h = 14 + 18 * v + 8 * u + 45 * std::exp(-dmaling * dmaling / 0.004) + 0.6 * w2;
      if (c == 5) h = shore < 1.0 ? (v > 0.5 ? 21.5 : 12.5) : h - 2;
      dem[i] = float(h);
      rr[i] = float(3900 - 500 * v + 120 * w1);
      kk[i] = float(0.029 + 0.01 * w2);
      evap[i] = float(175 + 15 * w1);  // water-surface evaporation over the hot days (mm)
    }
  }
  // Project scenario (VEP parcels): a lake-shore wetland restoration in Suyu and a poplar belt
  // in Siyang; cropland, barren and grassland become wetland / forest.
  struct Parcel { int id; const char* name; double u0, v0, u1, v1; std::uint8_t to; };
  const Parcel parcels[] = {{1, "骆马湖湿地修复 Luoma Lake shore wetland restoration", 0.40, 0.745, 0.47, 0.795, 9},
                            {2, "泗阳杨树生态林带 Siyang poplar shelter belt", 0.60, 0.28, 0.69, 0.31, 2}};
  proj = lulc;
  for (auto& p : parcels) {
    for (int y = 0; y < g.rows; ++y)
      for (int x = 0; x < g.cols; ++x) {
        double u = (x + 0.5) / g.cols, v = 1.0 - (y + 0.5) / g.rows;
        std::size_t i = std::size_t(y) * std::size_t(g.cols) + std::size_t(x);
        if (u >= p.u0 && u <= p.u1 && v >= p.v0 && v <= p.v1 && (proj[i] == 1 || proj[i] == 4 || proj[i] == 7)) proj[i] = p.to;
      }
  }
  using raster::PixelType;
  auto put_f = [&](const std::string& name, const std::vector<float>& data) -> Status {
    out.files.push_back("rasters/" + name);
    return raster::write_all((fs::path(dir) / "rasters" / name).string(), g, {.type = PixelType::float32, .nodata = -9999}, data);
  };
  auto put_b = [&](const std::string& name, const std::vector<std::uint8_t>& data) -> Status {
    out.files.push_back("rasters/" + name);
    return raster::write_all((fs::path(dir) / "rasters" / name).string(), g, {.type = PixelType::byte, .nodata = 255}, data);
  };
  RL_TRY(put_b("lulc.tif", lulc));
  RL_TRY(put_b("lulc_project.tif", proj));
  RL_TRY(put_f("precipitation.tif", precip));
  RL_TRY(put_f("et.tif", et));
  RL_TRY(put_f("storm_precipitation.tif", storm));
  RL_TRY(put_f("npp.tif", npp));
  RL_TRY(put_f("dem.tif", dem));
  RL_TRY(put_f("erosivity.tif", rr));
  RL_TRY(put_f("erodibility.tif", kk));
  RL_TRY(put_f("evaporation_hot_days.tif", evap));
  RL_TRY(write_counties((fs::path(dir) / "counties.geojson").string(), g, cid));
  out.files.push_back("counties.geojson");
  // Parcels: rectangles with edges off the pixel grid (fractional coverage matters).
  {
    std::string s = R"({"type":"FeatureCollection","name":"parcels","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32650"}},"features":[)";
    for (std::size_t k = 0; k < 2; ++k) {
      const auto& p = parcels[k];
      double ax = x0 + p.u0 * g.cols * cell + 7.5, bx = x0 + p.u1 * g.cols * cell - 4.5;
      double ay = y0 - (1 - p.v0) * g.rows * cell + 5.5, by = y0 - (1 - p.v1) * g.rows * cell - 8.5;
      char b[900];
      std::snprintf(b, sizeof b,
                    R"(%s{"type":"Feature","properties":{"id":%d,"name":"%s"},"geometry":{"type":"Polygon","coordinates":[[[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f]]]}})",
                    k ? "," : "", p.id, p.name, ax, ay, bx, ay, bx, by, ax, by, ax, ay);
      s += b;
    }
    s += "]}\n";
    write_text((fs::path(dir) / "parcels.geojson").string(), s);
    out.files.push_back("parcels.geojson");
    out.parcels = (fs::path(dir) / "parcels.geojson").string();
  }
  // Per-county statistics (demo): class areas give the lake areas, yields, visitors, emissions.
  std::map<int, std::map<int, double>> ha;  // county idx -> class -> ha
  std::map<int, std::map<int, double>> lake_km2;  // county idx -> lake -> km2
  for (std::size_t i = 0; i < n; ++i) {
    if (!cid[i] || lulc[i] == 255) continue;
    ha[cid[i]][lulc[i]] += cell * cell / 1e4;
    if (lulc[i] == 5) {
      int y = int(i / std::size_t(g.cols)), x = int(i % std::size_t(g.cols));
      double u = (x + 0.5) / g.cols, v = 1.0 - (y + 0.5) / g.rows;
      for (int L = 0; L < 2; ++L)
        if (std::hypot((u - kLakes[L].cu) / kLakes[L].ru, (v - kLakes[L].cv) / kLakes[L].rv) < 1.1) {
          lake_km2[cid[i]][L] += cell * cell / 1e6;
          break;
        }
    }
  }
  std::string wb = "zone_id,name,kind,area_km2,capacity_m3,note\n";
  std::string em = "zone_id,pollutant,year,kg,note\n";
  std::string pr = "zone_id,indicator,price_item,quantity,year,note\n";
  for (auto& [idx, cls] : ha) {
    std::string z = kCounties[idx - 1].code;
    double total = 0;
    for (auto& [_, a] : cls) total += a;
    for (auto& [L, a] : lake_km2[idx]) wb += z + "," + kLakes[L].name + ",lake," + fmt(a, 4) + ",,demo (area of the lake part in this county)\n";
    for (auto [pol, per_ha] : {std::pair{"so2", 3.0}, {"nox", 4.0}, {"dust", 60.0}, {"cod", 55.0}, {"nh3n", 6.0}, {"tp", 0.8}})
      em += z + "," + pol + ",2022," + fmt(total * per_ha, 0) + ",demo\n";
    pr += z + ",provisioning,grain," + fmt(cls[1] * 13.5 / 1, 1) + ",2022,demo: wheat + rice t\n";
    pr += z + ",provisioning,aquatic_products," + fmt((cls[5] + cls[9]) * 1.2, 1) + ",2022,demo: t\n";
    pr += z + ",provisioning,timber," + fmt(cls[2] * 8.0, 1) + ",2022,demo: poplar m3\n";
    pr += z + ",cultural,tourism_visit," + fmt(total / 100 * 900, 0) + ",2022,demo: nature-based visits\n";
  }
  write_text((fs::path(dir) / "tables" / "water_bodies.csv").string(), wb);
  write_text((fs::path(dir) / "tables" / "emissions.csv").string(), em);
  write_text((fs::path(dir) / "tables" / "products.csv").string(), pr);
  for (auto* f : {"tables/water_bodies.csv", "tables/emissions.csv", "tables/products.csv"}) out.files.push_back(f);
  auto run = [&](const std::string& name, const std::string& lulc_file) {
    core::Json j = {{"name", name},
                    {"accounting_year", 2022},
                    {"demo", true},
                    {"profile", "profiles/ndrc_2022.json"},
                    {"rasters",
                     {{"lulc", "rasters/" + lulc_file},
                      {"precipitation", "rasters/precipitation.tif"},
                      {"et", "rasters/et.tif"},
                      {"storm_precipitation", "rasters/storm_precipitation.tif"},
                      {"npp", "rasters/npp.tif"},
                      {"dem", "rasters/dem.tif"},
                      {"erosivity", "rasters/erosivity.tif"},
                      {"erodibility", "rasters/erodibility.tif"},
                      {"evaporation_hot_days", "rasters/evaporation_hot_days.tif"}}},
                    {"zones", {{"path", "counties.geojson"}, {"id_field", "code"}}},
                    {"tables",
                     {{"coefficients", "tables/coefficients_clcd_example.csv"},
                      {"prices", "tables/prices_example.csv"},
                      {"deflators", "tables/deflators_example.csv"},
                      {"emissions", "tables/emissions.csv"},
                      {"products", "tables/products.csv"},
                      {"water_bodies", "tables/water_bodies.csv"}}}};
    return j.dump(2) + "\n";
  };
  out.run_file = (fs::path(dir) / "run.json").string();
  out.project_run_file = (fs::path(dir) / "run_project.json").string();
  write_text(out.run_file, run("宿迁 Suqian (demo) 2022", "lulc.tif"));
  write_text(out.project_run_file, run("宿迁 Suqian (demo) 2022, VEP project scenario", "lulc_project.tif"));
  out.files.push_back("run.json");
  out.files.push_back("run_project.json");
  return out;
}

}  // namespace riverlink::eco::demo
