#include "eco/gep/outputs.hpp"

#include <gdal.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "eco/raster/raster.hpp"

namespace riverlink::eco::gep {
namespace fs = std::filesystem;

namespace {

Error out_error(const std::string& path, const std::string& what) {
  return Error::field("eco.write_failed", path, path + ": " + what);
}

struct Band {
  int w = 0, h = 0, cols = 0, rows = 0;
  std::vector<double> v;  // NaN = nodata
  std::array<double, 6> gt{};
  std::string wkt;
};

Result<Band> read_decimated(const std::string& path, int max_px) {
  GDALDatasetH ds = GDALOpen(path.c_str(), GA_ReadOnly);
  if (!ds) return out_error(path, "cannot open");
  Band b;
  int cols = GDALGetRasterXSize(ds), rows = GDALGetRasterYSize(ds);
  b.cols = cols;
  b.rows = rows;
  double f = std::max(1.0, double(std::max(cols, rows)) / max_px);
  b.w = std::max(1, int(std::lround(cols / f)));
  b.h = std::max(1, int(std::lround(rows / f)));
  GDALGetGeoTransform(ds, b.gt.data());
  b.wkt = GDALGetProjectionRef(ds);
  GDALRasterBandH band = GDALGetRasterBand(ds, 1);
  int has = 0;
  double nd = GDALGetRasterNoDataValue(band, &has);
  b.v.resize(std::size_t(b.w) * std::size_t(b.h));
  CPLErr e = GDALRasterIO(band, GF_Read, 0, 0, cols, rows, b.v.data(), b.w, b.h, GDT_Float64, 0, 0);
  GDALClose(ds);
  if (e != CE_None) return out_error(path, "read failed");
  for (auto& x : b.v)
    if (has && raster::is_nodata(x, nd)) x = NAN;
  return b;
}

// Green ramp (light to dark), as used for value maps.
void ramp(double t, std::uint8_t* rgb) {
  static const double stops[5][3] = {{255, 255, 204}, {194, 230, 153}, {120, 198, 121}, {49, 163, 84}, {0, 104, 55}};
  t = std::clamp(t, 0.0, 1.0) * 4;
  int k = std::min(3, int(t));
  double f = t - k;
  for (int c = 0; c < 3; ++c) rgb[c] = std::uint8_t(std::lround(stops[k][c] * (1 - f) + stops[k + 1][c] * f));
}

Result<QuickLook> write_png(const std::string& run_dir, const std::string& service, const Band& b) {
  QuickLook q;
  q.service = service;
  q.png = "quicklooks/" + service + ".png";
  q.width = b.w;
  q.height = b.h;
  std::vector<double> vals;
  for (double x : b.v)
    if (!std::isnan(x)) vals.push_back(x);
  std::sort(vals.begin(), vals.end());
  if (!vals.empty()) {
    q.min = vals[std::size_t(double(vals.size() - 1) * 0.02)];
    q.max = vals[std::size_t(double(vals.size() - 1) * 0.98)];
  }
  std::size_t n = b.v.size();
  std::vector<std::uint8_t> px(n * 4, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(b.v[i])) continue;
    double t = q.max > q.min ? (b.v[i] - q.min) / (q.max - q.min) : 0.5;
    ramp(t, &px[i * 4]);
    px[i * 4 + 3] = 255;
  }
  GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", b.w, b.h, 4, GDT_Byte, nullptr);
  for (int c = 0; c < 4; ++c)
    if (GDALRasterIO(GDALGetRasterBand(mem, c + 1), GF_Write, 0, 0, b.w, b.h, px.data() + c, b.w, b.h, GDT_Byte, 4, 4 * b.w) != CE_None) {
      GDALClose(mem);
      return out_error(q.png, "PNG band write failed");
    }
  std::string path = (fs::path(run_dir) / q.png).string();
  GDALDatasetH png = GDALCreateCopy(GDALGetDriverByName("PNG"), path.c_str(), mem, FALSE, nullptr, nullptr, nullptr);
  GDALClose(mem);
  if (!png) return out_error(path, "PNG write failed");
  GDALClose(png);
  std::error_code ec;
  fs::remove(path + ".aux.xml", ec);
  // Bounds: the envelope of the four corners in WGS 84 (lon/lat order).
  OGRSpatialReferenceH src = OSRNewSpatialReference(b.wkt.c_str()), dst = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(dst, 4326);
  OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
  OGRCoordinateTransformationH ct = b.wkt.empty() ? nullptr : OCTNewCoordinateTransformation(src, dst);
  q.bounds = {90, 180, -90, -180};
  for (int k = 0; k < 4; ++k) {
    double X = b.gt[0] + b.gt[1] * b.cols * ((k & 1) ? 1 : 0), Y = b.gt[3] + b.gt[5] * b.rows * ((k & 2) ? 1 : 0);
    if (ct && !OCTTransform(ct, 1, &X, &Y, nullptr)) continue;
    q.bounds[0] = std::min(q.bounds[0], Y);
    q.bounds[1] = std::min(q.bounds[1], X);
    q.bounds[2] = std::max(q.bounds[2], Y);
    q.bounds[3] = std::max(q.bounds[3], X);
  }
  if (ct) OCTDestroyCoordinateTransformation(ct);
  OSRDestroySpatialReference(src);
  OSRDestroySpatialReference(dst);
  return q;
}

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string yuan(std::int64_t fen) {
  // 万元 with two decimals, from integer fen (1 万元 = 1 000 000 fen).
  char b[64];
  std::snprintf(b, sizeof b, "%.2f", double(fen) / 1e6);
  return b;
}

std::string num(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

}  // namespace

core::Json to_json(const QuickLook& q) {
  return {{"service", q.service}, {"png", q.png}, {"min", q.min}, {"max", q.max}, {"width", q.width}, {"height", q.height},
          {"bounds", {{q.bounds[0], q.bounds[1]}, {q.bounds[2], q.bounds[3]}}}};
}

Result<std::vector<QuickLook>> write_quicklooks(const std::string& run_dir, const std::vector<std::string>& services, int max_px) {
  std::error_code ec;
  fs::create_directories(fs::path(run_dir) / "quicklooks", ec);
  if (ec) return out_error(run_dir, ec.message());
  std::vector<QuickLook> out;
  Band total;
  for (auto& s : services) {
    auto b = read_decimated((fs::path(run_dir) / "rasters" / (s + "_value.tif")).string(), max_px);
    if (!b.ok()) return b.error();
    auto q = write_png(run_dir, s, *b);
    if (!q.ok()) return q.error();
    out.push_back(*q);
    if (total.v.empty()) {
      total = *b;
    } else {
      for (std::size_t i = 0; i < total.v.size() && i < b->v.size(); ++i) {
        if (std::isnan(b->v[i])) continue;
        total.v[i] = std::isnan(total.v[i]) ? b->v[i] : total.v[i] + b->v[i];
      }
    }
  }
  if (!total.v.empty()) {
    auto q = write_png(run_dir, "gep_total", total);
    if (!q.ok()) return q.error();
    out.insert(out.begin(), *q);
  }
  core::Json j = core::Json::array();
  for (auto& q : out) j.push_back(to_json(q));
  std::ofstream o(fs::path(run_dir) / "quicklooks.json", std::ios::binary);
  o << j.dump(1) << "\n";
  if (!o) return out_error(run_dir + "/quicklooks.json", "write failed");
  return out;
}

Status write_report(const std::string& run_dir, const core::Json& summary, const core::Json& zonal, const std::vector<QuickLook>& maps,
                    const std::string& manifest_sha256) {
  std::string h;
  h += "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>GEP " + esc(summary.value("name", "")) + "</title>\n";
  h += "<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
       "td,th{border:1px solid #999;padding:3px 8px;text-align:right}th{background:#eee}td.l,th.l{text-align:left}"
       ".maps{display:flex;flex-wrap:wrap;gap:12px}.maps figure{margin:0;width:300px;page-break-inside:avoid}"
       ".maps img{width:300px;border:1px solid #ccc}.note{color:#a33}@media print{body{margin:1cm}}</style></head><body>\n";
  h += "<h1>生态产品总值核算报告 GEP accounting report</h1>\n";
  h += "<p><b>" + esc(summary.value("name", "")) + "</b> · accounting year " + std::to_string(summary.value("accounting_year", 0)) + "</p>\n";
  h += "<p class=\"note\">All coefficients and prices come from the run's versioned tables; the bundled ones are placeholders "
       "[unverified] until checked against the standard texts.</p>\n";
  std::int64_t gep = summary.value("gep_fen", std::int64_t(0));
  h += "<h2>GEP: " + yuan(gep) + " 万元 (10<sup>4</sup> yuan)</h2>\n<table><tr><th class=l>category</th><th>value (万元)</th><th>share</th></tr>\n";
  if (summary.contains("categories"))
    for (auto& [c, v] : summary["categories"].items())
      h += "<tr><td class=l>" + esc(c) + "</td><td>" + yuan(v.value("value_fen", std::int64_t(0))) + "</td><td>" + num(100 * v.value("share", 0.0)) +
           " %</td></tr>\n";
  h += "</table>\n<h2>Services</h2>\n<table><tr><th class=l>indicator</th><th class=l>category</th><th>quantity</th><th class=l>unit</th><th>value (万元)</th></tr>\n";
  if (summary.contains("services"))
    for (auto& [k, v] : summary["services"].items())
      h += "<tr><td class=l>" + esc(k) + "</td><td class=l>" + esc(v.value("category", "")) + "</td><td>" + num(v.value("quantity", 0.0)) +
           "</td><td class=l>" + esc(v.value("unit", "")) + "</td><td>" + yuan(v.value("value_fen", std::int64_t(0))) + "</td></tr>\n";
  h += "</table>\n<h2>By zone</h2>\n";
  std::map<std::string, std::map<std::string, std::int64_t>> by_zone;  // zone label -> indicator -> fen
  std::map<std::string, bool> indicators;
  for (auto& r : zonal) {
    std::string label = std::to_string(r.value("zone_id", std::int64_t(0))) + " " + r.value("zone_name", "");
    by_zone[label][r.value("indicator", "")] += r.value("value_fen", std::int64_t(0));
    indicators[r.value("indicator", "")] = true;
  }
  h += "<table><tr><th class=l>zone</th>";
  for (auto& [k, _] : indicators) h += "<th>" + esc(k) + "</th>";
  h += "<th>total</th></tr>\n";
  for (auto& [z, m] : by_zone) {
    std::int64_t t = 0;
    h += "<tr><td class=l>" + esc(z) + "</td>";
    for (auto& [k, _] : indicators) {
      h += "<td>" + yuan(m[k]) + "</td>";
      t += m[k];
    }
    h += "<td>" + yuan(t) + "</td></tr>\n";
  }
  h += "</table>\n<h2>Maps (value per pixel, yuan)</h2>\n<div class=maps>\n";
  for (auto& q : maps)
    h += "<figure><img src=\"" + esc(q.png) + "\" alt=\"" + esc(q.service) + "\"><figcaption>" + esc(q.service) + ": " + num(q.min) + " – " +
         num(q.max) + " yuan/px</figcaption></figure>\n";
  h += "</div>\n<p>Manifest SHA-256: <code>" + esc(manifest_sha256) + "</code> (inputs, profile, prices, engine version; "
       "the same manifest gives the same tables).</p>\n</body></html>\n";
  std::ofstream o(fs::path(run_dir) / "report.html", std::ios::binary);
  o << h;
  if (!o) return out_error(run_dir + "/report.html", "write failed");
  return ok_status();
}

}  // namespace riverlink::eco::gep
