#include "eco/vep/vep.hpp"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/json.hpp"
#include "eco/raster/raster.hpp"

namespace riverlink::eco::vep {
namespace fs = std::filesystem;

namespace {

Error err(const std::string& code, const std::string& field, const std::string& msg) { return Error::field(code, field, msg); }

Result<core::Json> manifest(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "manifest.json");
  if (!in) return err("eco.vep_invalid", dir, dir + "/manifest.json: missing (not a GEP run output folder)");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = core::parse_json(ss.str());
  if (!j.ok()) return err("eco.vep_invalid", dir, dir + "/manifest.json: " + j.error().message);
  return *j;
}

struct Geom {
  OGRGeometryH h = nullptr;
  explicit Geom(OGRGeometryH g) : h(g) {}
  ~Geom() { if (h) OGR_G_DestroyGeometry(h); }
  Geom(const Geom&) = delete;
  Geom& operator=(const Geom&) = delete;
};

}  // namespace

Result<VepResult> run_vep(const std::string& parcels_path, const std::string& id_field, const std::string& base_dir,
                          const std::string& proj_dir, const std::string& out_dir) {
  raster::init_gdal();
  auto mb = manifest(base_dir);
  if (!mb.ok()) return mb.error();
  auto mp = manifest(proj_dir);
  if (!mp.ok()) return mp.error();
  for (const char* k : {"accounting_year", "profile", "unit_prices"})
    if ((*mb).value(k, core::Json()) != (*mp).value(k, core::Json()))
      return err("eco.vep_mismatch", k, std::string("baseline and project differ in '") + k + "': scenarios must share the profile, prices and accounting year");
  // Services: rasters/<service>_value.tif in the baseline, all present in the project.
  std::vector<std::string> services;
  for (auto& e : fs::directory_iterator(fs::path(base_dir) / "rasters")) {
    auto name = e.path().filename().string();
    const std::string suf = "_value.tif";
    if (name.size() > suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0)
      services.push_back(name.substr(0, name.size() - suf.size()));
  }
  std::sort(services.begin(), services.end());
  if (services.empty()) return err("eco.vep_invalid", base_dir, base_dir + "/rasters: no *_value.tif");
  auto path = [&](const std::string& dir, const std::string& s) { return (fs::path(dir) / "rasters" / (s + "_value.tif")).string(); };
  auto first = raster::probe(path(base_dir, services[0]));
  if (!first.ok()) return first.error();
  const raster::Grid g = first->grid;
  for (auto& s : services)
    for (auto* d : {&base_dir, &proj_dir}) {
      auto i = raster::probe(path(*d, s));
      if (!i.ok()) return i.error();
      if (!i->grid.same(g)) return err("eco.grid_mismatch", s, path(*d, s) + ": grid differs from the baseline's");
    }
  GDALDatasetH vds = GDALOpenEx(parcels_path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, nullptr, nullptr, nullptr);
  if (!vds) return err("eco.vector_unreadable", parcels_path, parcels_path + ": not a readable vector");
  struct Closer { GDALDatasetH d; ~Closer() { GDALClose(d); } } closer{vds};
  OGRLayerH layer = GDALDatasetGetLayer(vds, 0);
  if (!layer) return err("eco.vector_empty", parcels_path, parcels_path + ": no layer");
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
  int id_idx = id_field.empty() ? -1 : OGR_FD_GetFieldIndex(defn, id_field.c_str());
  if (!id_field.empty() && id_idx < 0) return err("eco.vector_field", id_field, parcels_path + ": field '" + id_field + "' is missing");
  int name_idx = OGR_FD_GetFieldIndex(defn, "name");
  OGRSpatialReferenceH gsrs = nullptr;
  OGRCoordinateTransformationH ct = nullptr;
  if (OGRSpatialReferenceH lsrs = OGR_L_GetSpatialRef(layer); lsrs && !g.wkt.empty()) {
    gsrs = OSRNewSpatialReference(g.wkt.c_str());
    OSRSetAxisMappingStrategy(gsrs, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(lsrs, OAMS_TRADITIONAL_GIS_ORDER);
    if (!OSRIsSame(lsrs, gsrs)) ct = OCTNewCoordinateTransformation(lsrs, gsrs);
  }
  // Readers per service and scenario.
  std::vector<raster::Reader> rb, rp;
  for (auto& s : services) {
    auto a = raster::Reader::open({s, path(base_dir, s)}, g);
    if (!a.ok()) return a.error();
    auto b = raster::Reader::open({s, path(proj_dir, s)}, g);
    if (!b.ok()) return b.error();
    rb.push_back(std::move(*a));
    rp.push_back(std::move(*b));
  }
  VepResult res;
  const double cw = g.gt[1], ch = g.gt[5], ca = g.cell_area();
  OGR_L_ResetReading(layer);
  OGRFeatureH f;
  while ((f = OGR_L_GetNextFeature(layer)) != nullptr) {
    std::int64_t pid = id_idx >= 0 ? OGR_F_GetFieldAsInteger64(f, id_idx) : OGR_F_GetFID(f);
    std::string pname = name_idx >= 0 ? OGR_F_GetFieldAsString(f, name_idx) : "";
    OGRGeometryH raw = OGR_F_GetGeometryRef(f);
    if (!raw) { OGR_F_Destroy(f); continue; }
    Geom geom(OGR_G_Clone(raw));
    OGR_F_Destroy(f);
    if (ct) OGR_G_Transform(geom.h, ct);
    OGREnvelope env;
    OGR_G_GetEnvelope(geom.h, &env);
    int x0 = std::max(0, int(std::floor((env.MinX - g.gt[0]) / cw)));
    int x1 = std::min(g.cols, int(std::ceil((env.MaxX - g.gt[0]) / cw)));
    int y0 = std::max(0, int(std::floor((env.MaxY - g.gt[3]) / ch)));
    int y1 = std::min(g.rows, int(std::ceil((env.MinY - g.gt[3]) / ch)));
    std::vector<double> frac, centre;
    int w = std::max(0, x1 - x0), h = std::max(0, y1 - y0);
    frac.assign(std::size_t(w) * std::size_t(h), 0);
    centre.assign(frac.size(), 0);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        double px0 = g.gt[0] + (x0 + x) * cw, py0 = g.gt[3] + (y0 + y) * ch;
        double px1 = px0 + cw, py1 = py0 + ch;
        Geom ring(OGR_G_CreateGeometry(wkbLinearRing));
        OGR_G_AddPoint_2D(ring.h, px0, py0);
        OGR_G_AddPoint_2D(ring.h, px1, py0);
        OGR_G_AddPoint_2D(ring.h, px1, py1);
        OGR_G_AddPoint_2D(ring.h, px0, py1);
        OGR_G_AddPoint_2D(ring.h, px0, py0);
        Geom sq(OGR_G_CreateGeometry(wkbPolygon));
        OGR_G_AddGeometry(sq.h, ring.h);
        Geom inter(OGR_G_Intersection(geom.h, sq.h));
        std::size_t i = std::size_t(y) * std::size_t(w) + std::size_t(x);
        if (inter.h) frac[i] = std::min(1.0, OGR_G_Area(inter.h) / ca);
        Geom pt(OGR_G_CreateGeometry(wkbPoint));
        OGR_G_SetPoint_2D(pt.h, 0, (px0 + px1) / 2, (py0 + py1) / 2);
        centre[i] = OGR_G_Contains(geom.h, pt.h) ? 1.0 : 0.0;
      }
    double parea = OGR_G_Area(geom.h);
    for (std::size_t s = 0; s < services.size(); ++s) {
      ParcelService row{.parcel_id = pid, .parcel_name = pname, .service = services[s], .parcel_area_m2 = parea};
      if (w > 0 && h > 0) {
        std::vector<double> vb(frac.size()), vp(frac.size());
        auto a = rb[s].read(x0, y0, w, h, vb.data());
        auto b = rp[s].read(x0, y0, w, h, vp.data());
        if (!a.ok()) return a.error();
        if (!b.ok()) return b.error();
        double sb = 0, sp = 0, cb = 0, cp = 0;
        for (std::size_t i = 0; i < frac.size(); ++i) {
          double xb = raster::is_nodata(vb[i], rb[s].nodata()) ? 0 : vb[i];
          double xp = raster::is_nodata(vp[i], rp[s].nodata()) ? 0 : vp[i];
          sb += xb * frac[i];
          sp += xp * frac[i];
          cb += xb * centre[i];
          cp += xp * centre[i];
        }
        auto fen = [](double y) { return std::int64_t(std::llround(y * 100)); };
        row.baseline_fen = fen(sb);
        row.project_fen = fen(sp);
        row.baseline_centre_fen = fen(cb);
        row.project_centre_fen = fen(cp);
      }
      row.gain_fen = row.project_fen - row.baseline_fen;
      row.gain_centre_fen = row.project_centre_fen - row.baseline_centre_fen;
      res.rows.push_back(row);
    }
  }
  if (ct) OCTDestroyCoordinateTransformation(ct);
  if (gsrs) OSRDestroySpatialReference(gsrs);
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  std::string csv = "parcel_id,name,service,area_m2,baseline_fen,project_fen,gain_fen,baseline_centre_fen,project_centre_fen,gain_centre_fen\n";
  core::Json js = core::Json::array();
  for (auto& r : res.rows) {
    char b[128];
    std::snprintf(b, sizeof b, "%.2f", r.parcel_area_m2);
    csv += std::to_string(r.parcel_id) + "," + r.parcel_name + "," + r.service + "," + b + "," + std::to_string(r.baseline_fen) + "," +
           std::to_string(r.project_fen) + "," + std::to_string(r.gain_fen) + "," + std::to_string(r.baseline_centre_fen) + "," +
           std::to_string(r.project_centre_fen) + "," + std::to_string(r.gain_centre_fen) + "\n";
    js.push_back({{"parcel_id", r.parcel_id}, {"name", r.parcel_name}, {"area_m2", r.parcel_area_m2}, {"service", r.service}, {"baseline_fen", r.baseline_fen}, {"project_fen", r.project_fen},
                  {"gain_fen", r.gain_fen}, {"baseline_centre_fen", r.baseline_centre_fen}, {"project_centre_fen", r.project_centre_fen},
                  {"gain_centre_fen", r.gain_centre_fen}});
  }
  std::ofstream(fs::path(out_dir) / "vep_parcels.csv", std::ios::binary) << csv;
  std::ofstream(fs::path(out_dir) / "vep_parcels.json", std::ios::binary) << js.dump(1) << "\n";
  res.files = {"vep_parcels.csv", "vep_parcels.json"};
  return res;
}

}  // namespace riverlink::eco::vep
