#include "eco/api.hpp"

#include "core/hash.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <zip.h>

#include "core/divisions.hpp"
#include "eco/demo/suqian.hpp"
#include "eco/gep/run.hpp"
#include "eco/tiles.hpp"
#include "eco/vep/vep.hpp"

namespace riverlink::eco {

namespace fs = std::filesystem;
using auth::Role;
using core::Json;
using core::JsonType;
using http::Request;
using http::Response;

namespace {

constexpr const char* kTag = "eco";
constexpr const char* kTileCache = ".tiles";  // a run's tile sources: overview copies, gep_total (not outputs)
constexpr const char* kTotalSource = "gep_total_value.tif";

// The services of a run's quick-looks (its map layers besides gep_total), with their legends.
Result<Json> quicklooks_of(const fs::path& run_dir) {
  std::ifstream in(run_dir / "quicklooks.json", std::ios::binary);
  if (!in) return Error::make(ErrorKind::not_found, "eco.file_missing", "the run has no quicklooks.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return core::parse_json(ss.str());
}

Result<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make(ErrorKind::not_found, "eco.file_missing", "no file " + fs::path(path).filename().string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> base64_decode(const std::string& in, const std::string& name) {
  static int8_t table[256];
  static bool init = [] {
    std::fill(std::begin(table), std::end(table), int8_t(-1));
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(a[i])] = int8_t(i);
    table[static_cast<unsigned char>('-')] = 62;
    table[static_cast<unsigned char>('_')] = 63;
    return true;
  }();
  (void)init;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  unsigned buf = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    int v = table[static_cast<unsigned char>(c)];
    if (v < 0) return Error::field("eco.bad_upload", "files." + name, "files." + name + ": not base64");
    buf = (buf << 6) | unsigned(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((buf >> bits) & 0xFF));
    }
  }
  return out;
}

// A relative path inside a dataset: no absolute paths, no "..", no empty segments.
bool safe_relative(const std::string& p) {
  if (p.empty() || p.size() > 200 || p[0] == '/' || p.find('\\') != std::string::npos) return false;
  for (auto& part : fs::path(p))
    if (part == ".." || part == "." || part.empty()) return false;
  return true;
}

bool inside(const std::string& dir, const std::string& path) {
  auto d = fs::weakly_canonical(dir).string() + "/";
  auto f = fs::weakly_canonical(path).string();
  return f.rfind(d, 0) == 0;
}

Status write_file(const fs::path& path, const std::string& bytes, const std::string& rel) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream o(path, std::ios::binary);
  o << bytes;
  if (!o) return Error::make(ErrorKind::internal, "eco.write_failed", "cannot store " + rel);
  return ok_status();
}

// SHA-256 of a file, streamed.
Result<std::string> sha256_file(const std::string& path, const std::string& label) {
  auto h = core::sha256_file_hex(path);
  if (!h) return Error::make(ErrorKind::internal, "eco.read_failed", "cannot read " + label);
  return *h;
}

// Unpacks a zip archive file (libzip) into dir. Entries must be relative paths inside the
// dataset; one top folder shared by every entry is dropped (a zipped dataset folder) unless the
// run definition sits at the archive's root. Corrupt or truncated archives, CRC errors, and
// archives unpacking to more than `unpacked_limit` bytes are refused naming the archive and entry.
Status extract_zip(const std::string& archive, const std::string& label, const std::string& dir, const std::string& run_file,
                   std::size_t unpacked_limit) {
  auto bad = [&](const std::string& what) { return Error::field("eco.bad_archive", "archive", label + ": " + what); };
  int code = 0;
  zip_t* za = zip_open(archive.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (!za) {
    zip_error_t zerr;
    zip_error_init_with_code(&zerr, code);
    std::string msg = zip_error_strerror(&zerr);
    zip_error_fini(&zerr);
    return bad("not a readable zip archive, or a truncated one (" + msg + ")");
  }
  struct Closer {
    zip_t* z;
    ~Closer() { zip_discard(z); }
  } closer{za};
  const zip_int64_t n = zip_get_num_entries(za, 0);
  std::vector<std::string> names;
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* nm = zip_get_name(za, zip_uint64_t(i), 0);
    names.push_back(nm ? nm : "");
  }
  // A shared top folder ("suqian/run.json", "suqian/rasters/...") is dropped.
  std::string strip;
  if (std::find(names.begin(), names.end(), run_file) == names.end() && !names.empty()) {
    auto slash = names[0].find('/');
    if (slash != std::string::npos) {
      std::string top = names[0].substr(0, slash + 1);
      bool all = std::all_of(names.begin(), names.end(), [&](const std::string& x) { return x.rfind(top, 0) == 0 || x.rfind("__MACOSX/", 0) == 0; });
      if (all) strip = top;
    }
  }
  std::size_t total = 0, files = 0;
  std::vector<char> buf(1 << 16);
  for (zip_int64_t i = 0; i < n; ++i) {
    const std::string& name = names[std::size_t(i)];
    if (name.empty()) return bad("entry " + std::to_string(i) + " has no name");
    if (name.rfind("__MACOSX/", 0) == 0 || name.back() == '/') continue;
    std::string rel = name.rfind(strip, 0) == 0 ? name.substr(strip.size()) : name;
    if (!safe_relative(rel)) return bad("entry '" + name + "' must be a relative path inside the dataset");
    zip_file_t* f = zip_fopen_index(za, zip_uint64_t(i), 0);
    if (!f) return bad("cannot read entry '" + name + "' (" + zip_strerror(za) + ")");
    std::error_code ec;
    fs::create_directories((fs::path(dir) / rel).parent_path(), ec);
    std::ofstream o(fs::path(dir) / rel, std::ios::binary);
    for (;;) {
      zip_int64_t got = zip_fread(f, buf.data(), buf.size());
      if (got < 0) {
        std::string msg = zip_file_strerror(f);
        zip_fclose(f);
        return bad("entry '" + name + "' is corrupt (" + msg + ")");
      }
      if (got == 0) break;
      total += std::size_t(got);
      if (total > unpacked_limit) {
        zip_fclose(f);
        return bad("unpacks to more than " + std::to_string(unpacked_limit) + " bytes");
      }
      o.write(buf.data(), got);
    }
    zip_fclose(f);
    if (!o) return Error::make(ErrorKind::internal, "eco.write_failed", "cannot store " + rel);
    ++files;
  }
  if (files == 0) return bad("holds no files");
  return ok_status();
}

Json run_json(const store::Row& r) {
  Json j = {{"id", r.str(0)},
            {"dataset_id", r.str(1)},
            {"vep", r.i64(2) != 0},
            {"job_id", r.is_null(3) ? Json() : Json(r.str(3))},
            {"status", r.str(4)},
            {"gep_fen", r.is_null(5) ? Json() : Json(r.i64(5))},
            {"error", r.is_null(6) ? Json() : Json(r.str(6))},
            {"created_by", r.str(7)},
            {"created_at", r.str(8)},
            {"finished_at", r.is_null(9) ? Json() : Json(r.str(9))}};
  if (r.size() > 10) j["dataset_name"] = r.str(10);
  return j;
}
constexpr const char* kRunCols =
    "r.id, r.dataset_id, r.vep, r.job_id, r.status, r.gep_fen, r.error, r.created_by, r.created_at, r.finished_at, d.name";

Json dataset_json(const store::Row& r) {
  return {{"id", r.str(0)},          {"name", r.str(1)},       {"kind", r.str(2)},
          {"division_code", r.str(3)}, {"run_file", r.str(5)}, {"vep", !r.is_null(6) && !r.is_null(7)},
          {"created_by", r.str(8)},  {"created_at", r.str(9)}};
}
constexpr const char* kDatasetCols = "id, name, kind, division_code, dir, run_file, project_run_file, parcels_file, created_by, created_at";

}  // namespace

std::size_t upload_limit_from_env(const char* value) {
  if (!value || !*value) return RunsOptions{}.upload_limit;
  std::string v = value;
  bool digits = !v.empty() && v.size() <= 5 && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  long mib = digits ? std::stol(v) : 0;
  if (mib < 1 || mib > 65536)
    throw std::invalid_argument("RIVERLINK_ECO_UPLOAD_LIMIT_MB must be a whole number of MiB from 1 to 65536, got '" + v + "'");
  return std::size_t(mib) << 20;
}

Status can_read(const auth::Principal& p) {
  return auth::require_role(p, {Role::platform_admin, Role::officer, Role::auditor, Role::bank});
}

Status can_write(const auth::Principal& p, const std::string& division_code) {
  RL_TRY(auth::require_role(p, {Role::platform_admin, Role::officer}));
  return auth::require_jurisdiction(p, division_code);
}

Runs::Runs(store::Database& db, audit::CommandRunner& commands, jobs::Runner& jobs, const core::Clock& clock, core::IdGenerator& ids,
           RunsOptions opt)
    : db_(db), commands_(commands), jobs_(jobs), clock_(clock), ids_(ids), opt_(std::move(opt)) {}

Result<Json> Runs::dataset_row(const std::string& id) {
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto r = tx.query_one(std::string("SELECT ") + kDatasetCols + " FROM eco_datasets WHERE id = ?", {id});
    if (!r) return Error::make(ErrorKind::not_found, "eco.dataset_not_found", "no dataset " + id);
    Json j = dataset_json(*r);
    j["dir"] = r->str(4);
    j["project_run_file"] = r->is_null(6) ? Json() : Json(r->str(6));
    j["parcels_file"] = r->is_null(7) ? Json() : Json(r->str(7));
    return j;
  });
}

Result<Json> Runs::list_datasets(const auth::Principal& p) {
  RL_TRY(can_read(p));
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    Json items = Json::array();
    for (auto& r : tx.query(std::string("SELECT ") + kDatasetCols + " FROM eco_datasets ORDER BY created_at DESC, id DESC")) items.push_back(dataset_json(r));
    return Json{{"items", items}};
  });
}

Result<Json> Runs::ensure_demo_dataset(const audit::CommandContext& ctx, int cols, int rows) {
  const std::string rel = "datasets/suqian-demo-" + std::to_string(cols) + "x" + std::to_string(rows);
  auto existing = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto r = tx.query_one(std::string("SELECT ") + kDatasetCols + " FROM eco_datasets WHERE kind = 'demo' AND dir = ?", {rel});
    return r ? dataset_json(*r) : Json();
  });
  if (!existing.ok()) return existing.error();
  const std::string dir = (fs::path(opt_.data_dir) / rel).string();
  if (!existing->is_null() && fs::exists(fs::path(dir) / "run.json")) return *existing;
  demo::SuqianOptions o;
  o.cols = cols;
  o.rows = rows;
  auto d = demo::generate_suqian(dir, o);
  if (!d.ok()) return d.error();
  if (!existing->is_null()) return *existing;
  std::string id = ids_.next();
  Json payload = {{"dir", rel}, {"cols", cols}, {"rows", rows}};
  auto out = commands_.run(ctx, "eco", "register_demo_dataset", payload, [&](store::Tx& tx) -> Result<Json> {
    tx.exec("INSERT INTO eco_datasets (id, name, kind, division_code, dir, run_file, project_run_file, parcels_file, created_by, created_at) "
            "VALUES (?, ?, 'demo', '321300', ?, 'run.json', 'run_project.json', 'parcels.geojson', ?, ?)",
            {id, "宿迁 Suqian demo region (" + std::to_string(cols) + " x " + std::to_string(rows) + " px, 30 m)", rel, ctx.actor,
             core::format_utc(clock_.now())});
    return Json{{"id", id}};
  });
  if (!out.ok()) return out.error();
  auto row = dataset_row(out->result["id"].get<std::string>());
  if (!row.ok()) return row.error();
  row->erase("dir");
  return *row;
}

namespace {
Result<UploadMeta> upload_meta(const Json& j) {
  UploadMeta m;
  m.division = j.value("division_code", "");
  if (!core::Divisions::yrd().find(m.division))
    return Error::field("eco.bad_division", "division_code", "division_code must be a GB/T 2260 code of the region");
  m.name = j.value("name", "");
  if (m.name.empty() || m.name.size() > 200) return Error::field("eco.bad_name", "name", "name must be 1..200 characters");
  m.run_file = j.value("run_file", "run.json");
  if (!safe_relative(m.run_file)) return Error::field("eco.bad_upload", "run_file", "run_file must be a relative path inside the dataset");
  for (auto* k : {"project_run_file", "parcels_file"}) {
    if (!j.contains(k) || j[k].is_null()) continue;
    std::string v = j[k].get<std::string>();
    if (!safe_relative(v)) return Error::field("eco.bad_upload", k, std::string(k) + " must be a relative path inside the dataset");
    (std::string(k) == "parcels_file" ? m.parcels_file : m.project_run_file) = v;
  }
  return m;
}
}  // namespace

Result<Json> Runs::store_dataset(const auth::Principal& p, const audit::CommandContext& ctx, const UploadMeta& m, const Json& payload,
                                 const std::function<Status(const std::string& dir)>& write_files) {
  RL_TRY(can_write(p, m.division));
  std::string id = ids_.next();
  const std::string rel = "datasets/" + id;
  const fs::path dir = fs::path(opt_.data_dir) / rel;
  std::error_code ec;
  auto discard = [&] { fs::remove_all(dir, ec); };
  if (auto st = demo::write_bundled(dir.string()); !st.ok()) {
    discard();
    return st.error();
  }
  if (auto st = write_files(dir.string()); !st.ok()) {
    discard();
    return st.error();
  }
  // Validate everything before recording: paths stay inside the dataset, and the run definition
  // passes `gep validate` (classes, overlap, CRS, nodata, TIFF integrity, precipitation, prices).
  // Error messages name the file relative to the dataset, never the server's folders.
  auto relmsg = [&](Error e) {
    std::string prefix = fs::weakly_canonical(dir).string() + "/";
    for (std::size_t pos; (pos = e.message.find(prefix)) != std::string::npos;) e.message.erase(pos, prefix.size());
    for (auto& f : e.fields) {
      for (std::size_t pos; (pos = f.message.find(prefix)) != std::string::npos;) f.message.erase(pos, prefix.size());
      for (std::size_t pos; (pos = f.field.find(prefix)) != std::string::npos;) f.field.erase(pos, prefix.size());
    }
    return e;
  };
  std::vector<std::string> run_files = {m.run_file};
  if (m.project_run_file) run_files.push_back(*m.project_run_file);
  for (auto& rf : run_files) {
    if (!fs::is_regular_file(dir / rf, ec)) {
      discard();
      return Error::field("eco.bad_upload", rf == m.run_file ? "run_file" : "project_run_file", rf + ": no such file in the uploaded dataset");
    }
    auto def = gep::load_run(fs::weakly_canonical(dir / rf).string());
    if (!def.ok()) {
      discard();
      return relmsg(def.error());
    }
    std::vector<std::string> paths = {def->profile_path, def->zones_path};
    for (auto& [k, v] : def->rasters) paths.push_back(v);
    for (auto& [k, v] : def->tables) paths.push_back(v);
    for (auto& q : paths)
      if (!inside(dir.string(), q)) {
        discard();
        return Error::field("eco.bad_upload", rf, rf + ": every path must stay inside the uploaded dataset");
      }
    auto v = gep::validate_run(*def, {.threads = 1, .memory_budget = 256ll << 20});
    if (!v.ok()) {
      discard();
      return relmsg(v.error());
    }
  }
  auto out = commands_.run(ctx, "eco", "upload_dataset", payload, [&](store::Tx& tx) -> Result<Json> {
    tx.exec("INSERT INTO eco_datasets (id, name, kind, division_code, dir, run_file, project_run_file, parcels_file, created_by, created_at) "
            "VALUES (?, ?, 'upload', ?, ?, ?, ?, ?, ?, ?)",
            {id, m.name, m.division, rel, m.run_file, m.project_run_file, m.parcels_file, ctx.actor, core::format_utc(clock_.now())});
    return Json{{"id", id}};
  });
  if (!out.ok() || out->replayed) discard();
  if (!out.ok()) return out.error();
  auto row = dataset_row(out->result["id"].get<std::string>());
  if (!row.ok()) return row.error();
  row->erase("dir");
  return *row;
}

Result<Json> Runs::upload_dataset(const auth::Principal& p, const audit::CommandContext& ctx, const Json& body) {
  auto m = upload_meta(body);
  if (!m.ok()) return m.error();
  RL_TRY(can_write(p, m->division));
  const auto& files = body["files"];
  if (!files.is_object() || files.empty()) return Error::field("eco.bad_upload", "files", "files must map relative paths to base64 contents");
  for (auto& [path, b64] : files.items()) {
    if (!safe_relative(path))
      return Error::field("eco.bad_upload", "files." + path, "files: '" + path + "' must be a relative path inside the dataset");
    if (!b64.is_string()) return Error::field("eco.bad_upload", "files." + path, "files." + path + " must be a base64 string");
  }
  Json payload = body;
  payload.erase("files");
  Json digests = Json::object();
  for (auto& [path, b64] : files.items()) digests[path] = b64.get<std::string>().size();
  payload["file_sizes_b64"] = digests;
  return store_dataset(p, ctx, *m, payload, [&](const std::string& dir) -> Status {
    for (auto& [path, b64] : files.items()) {
      auto bytes = base64_decode(b64.get<std::string>(), path);
      if (!bytes.ok()) return bytes.error();
      RL_TRY(write_file(fs::path(dir) / path, *bytes, path));
    }
    return ok_status();
  });
}

Result<Json> Runs::upload_archive(const auth::Principal& p, const audit::CommandContext& ctx, const Json& meta, const std::string& archive,
                                  const std::string& archive_name) {
  auto m = upload_meta(meta);
  if (!m.ok()) return m.error();
  RL_TRY(can_write(p, m->division));
  std::error_code ec;
  const auto bytes = fs::file_size(archive, ec);
  if (ec || bytes == 0) return Error::field("eco.bad_archive", "archive", archive_name + ": send the zip archive as the request body");
  if (bytes > opt_.upload_limit)
    return Error::field("eco.upload_too_large", "archive",
                        archive_name + " has " + std::to_string(bytes) + " bytes, over the limit of " + std::to_string(opt_.upload_limit));
  auto sha = sha256_file(archive, archive_name);
  if (!sha.ok()) return sha.error();
  Json payload = meta;
  payload["archive_sha256"] = *sha;
  payload["archive_bytes"] = bytes;
  const std::size_t unpacked = opt_.upload_limit * 4;
  return store_dataset(p, ctx, *m, payload, [&](const std::string& dir) { return extract_zip(archive, archive_name, dir, m->run_file, unpacked); });
}

Result<Json> Runs::start_run(const auth::Principal& p, const audit::CommandContext& ctx, const std::string& dataset_id, bool vep) {
  auto ds = dataset_row(dataset_id);
  if (!ds.ok()) return ds.error();
  RL_TRY(can_write(p, (*ds)["division_code"].get<std::string>()));
  if (vep && (*ds)["project_run_file"].is_null())
    return Error::field("eco.no_project_scenario", "vep", "dataset " + dataset_id + " has no project scenario and parcels for VEP");
  std::string run_id = ids_.next();
  Json payload = {{"dataset_id", dataset_id}, {"vep", vep}};
  auto rec = commands_.run(ctx, "eco", "start_run", payload, [&](store::Tx& tx) -> Result<Json> {
    tx.exec("INSERT INTO eco_runs (id, dataset_id, vep, status, created_by, created_at) VALUES (?, ?, ?, 'queued', ?, ?)",
            {run_id, dataset_id, vep ? 1 : 0, ctx.actor, core::format_utc(clock_.now())});
    return Json{{"run_id", run_id}};
  });
  if (!rec.ok()) return rec.error();
  run_id = rec->result["run_id"].get<std::string>();
  const fs::path base = fs::path(opt_.data_dir) / (*ds)["dir"].get<std::string>();
  const std::string run_file = (base / (*ds)["run_file"].get<std::string>()).string();
  const std::string project_file = vep ? (base / (*ds)["project_run_file"].get<std::string>()).string() : "";
  const std::string parcels = vep ? (base / (*ds)["parcels_file"].get<std::string>()).string() : "";
  const fs::path final_dir = fs::path(opt_.data_dir) / "runs" / run_id;
  const fs::path part = fs::path(opt_.data_dir) / "runs" / (run_id + ".part");
  auto opt = opt_;
  auto& commands = commands_;
  auto& clock = clock_;
  auto work = [=, &commands, &clock](jobs::Context& jc) -> Result<Json> {
    std::error_code ec;
    fs::remove_all(part, ec);
    auto finish = [&](const Result<Json>& r) -> Result<Json> {
      if (!r.ok()) fs::remove_all(part, ec);  // no output that looks valid
      Json fp = {{"run_id", run_id}, {"ok", r.ok()}};
      auto st = commands.run({"system", "eco-run-finish:" + run_id}, "eco", "finish_run", fp, [&](store::Tx& tx) -> Result<Json> {
        std::optional<std::int64_t> gep;
        std::optional<std::string> err;
        if (r.ok()) gep = r.value()["gep_fen"].get<std::int64_t>();
        else err = r.error().message;
        tx.exec("UPDATE eco_runs SET status = ?, gep_fen = ?, error = ?, finished_at = ? WHERE id = ?",
                {std::string(r.ok() ? "succeeded" : "failed"), gep, err, core::format_utc(clock.now()), run_id});
        return Json{{"run_id", run_id}};
      });
      if (!st.ok()) return st.error();
      return r;
    };
    auto engine = [&](double lo, double hi, const std::string& what) {
      raster::EngineOptions e;
      e.threads = opt.threads;
      e.memory_budget = std::int64_t(opt.memory_gib * double(1ll << 30));
      e.progress = [&jc, lo, hi, what](double f, const std::string&) { jc.progress(lo + (hi - lo) * f, what); };
      e.cancelled = [&jc] { return jc.cancelled(); };
      return e;
    };
    auto one = [&](const std::string& file, const fs::path& out, double lo, double hi, const std::string& what) -> Result<gep::RunResult> {
      jc.progress(lo, what);
      auto def = gep::load_run(file);
      if (!def.ok()) return def.error();
      return gep::run_gep(*def, out.string(), engine(lo, hi, what));
    };
    auto r = one(run_file, part, 1, vep ? 45 : 98, "GEP baseline");
    if (!r.ok()) return finish(r.error());
    Json result = {{"run_id", run_id}, {"gep_fen", r->gep_fen}, {"manifest_sha256", r->manifest_sha256}};
    if (vep) {
      if (jc.cancelled()) return finish(Error::make(ErrorKind::conflict, "eco.cancelled", "run cancelled"));
      auto pr = one(project_file, part / "project", 45, 90, "GEP project scenario");
      if (!pr.ok()) return finish(pr.error());
      jc.progress(92, "VEP parcels");
      auto v = vep::run_vep(parcels, "id", part.string(), (part / "project").string(), (part / "vep").string());
      if (!v.ok()) return finish(v.error());
      result["project_gep_fen"] = pr->gep_fen;
    }
    // Map tiles read the value rasters' overviews; a large raster without them gets a copy with
    // them now, once, rather than on the first map view; and gep_total's tiles read one summed
    // raster instead of one per service. A failure here only falls back to the slower way.
    jc.progress(99, "map tiles");
    if (auto looks = quicklooks_of(part); looks.ok()) {
      std::vector<std::string> values;
      for (auto& q : *looks) {
        std::string svc = q.value("service", "");
        if (svc.empty() || svc == "gep_total") continue;
        values.push_back((part / "rasters" / (svc + "_value.tif")).string());
        (void)tiles::with_overviews(values.back(), (part / kTileCache).string());
      }
      if (!values.empty()) (void)tiles::write_sum(values, (part / kTileCache / kTotalSource).string());
    }
    fs::remove_all(final_dir, ec);
    fs::rename(part, final_dir, ec);
    if (ec) return finish(Error::make(ErrorKind::internal, "eco.write_failed", "cannot publish run outputs: " + ec.message()));
    jc.progress(100, "done");
    return finish(result);
  };
  auto job = jobs_.submit({ctx.actor, ctx.idempotency_key + ":job"}, "eco.gep_run", {{"run_id", run_id}, {"dataset_id", dataset_id}, {"vep", vep}}, work);
  if (!job.ok()) return job.error();
  auto att = commands_.run({"system", "eco-run-job:" + run_id}, "eco", "attach_job", {{"run_id", run_id}, {"job_id", job->id}},
                           [&](store::Tx& tx) -> Result<Json> {
                             tx.exec("UPDATE eco_runs SET job_id = ? WHERE id = ? AND job_id IS NULL", {job->id, run_id});
                             return Json{{"run_id", run_id}};
                           });
  if (!att.ok()) return att.error();
  auto run = get_run(p, run_id);
  if (!run.ok()) return run.error();
  (*run)["job"] = jobs::to_json(*job);
  (*run)["replayed"] = rec->replayed;
  return *run;
}

Result<Json> Runs::list_runs(const auth::Principal& p, const std::string& dataset_id) {
  RL_TRY(can_read(p));
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    Json items = Json::array();
    std::string sql = std::string("SELECT ") + kRunCols + " FROM eco_runs r JOIN eco_datasets d ON d.id = r.dataset_id";
    store::Rows rows = dataset_id.empty() ? tx.query(sql + " ORDER BY r.created_at DESC, r.id DESC LIMIT 200")
                                          : tx.query(sql + " WHERE r.dataset_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT 200", {dataset_id});
    for (auto& r : rows) items.push_back(run_json(r));
    return Json{{"items", items}};
  });
}

Result<Json> Runs::get_run(const auth::Principal& p, const std::string& id) {
  RL_TRY(can_read(p));
  auto run = store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto r = tx.query_one(std::string("SELECT ") + kRunCols + " FROM eco_runs r JOIN eco_datasets d ON d.id = r.dataset_id WHERE r.id = ?", {id});
    if (!r) return Error::make(ErrorKind::not_found, "eco.run_not_found", "no run " + id);
    return run_json(*r);
  });
  if (!run.ok()) return run.error();
  if ((*run)["job_id"].is_string()) {
    auto j = jobs_.get((*run)["job_id"].get<std::string>());
    if (j.ok()) {
      (*run)["progress"] = j->progress, (*run)["message"] = j->message, (*run)["job_status"] = j->status;
      // A job that ended without recording the run (server stopped mid-run): the run failed.
      if ((*run)["status"] == "queued" && (j->status == "failed" || j->status == "cancelled")) {
        (*run)["status"] = "failed";
        (*run)["error"] = j->error.value_or("job " + j->status);
      }
    }
  }
  if ((*run)["status"] == "succeeded") {
    auto s = slurp((fs::path(opt_.data_dir) / "runs" / id / "gep_summary.json").string());
    if (s.ok()) {
      auto j = core::parse_json(*s);
      if (j.ok()) (*run)["summary"] = *j;
    }
  }
  return *run;
}

Result<std::string> Runs::run_dir(const auth::Principal& p, const std::string& id) {
  auto r = get_run(p, id);
  if (!r.ok()) return r.error();
  if ((*r)["status"] != "succeeded")
    return Error::make(ErrorKind::conflict, "eco.run_not_ready", "run " + id + " is " + (*r)["status"].get<std::string>());
  return (fs::path(opt_.data_dir) / "runs" / id).string();
}

Status seed_demo(Runs& runs, jobs::Runner& jobs, const std::string& size) {
  auto o = demo::size_preset(size);
  if (!o.ok()) return o.error();
  auto ds = runs.ensure_demo_dataset({"system", "eco-demo-seed:dataset:" + size}, o->cols, o->rows);
  if (!ds.ok()) return ds.error();
  auto admin = auth::system_principal("eco-demo-seed");
  auto list = runs.list_runs(admin, (*ds)["id"].get<std::string>());
  if (!list.ok()) return list.error();
  for (auto& r : (*list)["items"])
    if (r["status"] == "succeeded") return ok_status();
  // A fresh key per attempt, so that a failed earlier seed is retried.
  std::string attempt = std::to_string((*list)["items"].size());
  auto run = runs.start_run(admin, {admin.actor(), "eco-demo-seed:run:" + (*ds)["id"].get<std::string>() + ":" + attempt},
                            (*ds)["id"].get<std::string>(), true);
  if (!run.ok()) return run.error();
  auto done = jobs.wait((*run)["job"]["id"].get<std::string>(), std::chrono::minutes(10));
  if (!done.ok()) return done.error();
  if (done->status != "succeeded")
    return Error::make(ErrorKind::internal, "eco.demo_seed_failed", "demo GEP run " + done->status + ": " + done->error.value_or(""));
  return ok_status();
}

namespace {

audit::CommandContext ctx_of(const Request& r) { return {r.user().actor(), r.idempotency_key()}; }

Response reply(const Result<Json>& r, const Request& req, int status = 200) {
  if (!r.ok()) return Response::problem(r.error(), req.path);
  return Response::json(status, r.value());
}

std::string content_type_of(const std::string& path) {
  auto ext = fs::path(path).extension().string();
  if (ext == ".png") return "image/png";
  if (ext == ".tif") return "image/tiff";
  if (ext == ".csv") return "text/csv; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".html") return "text/html; charset=utf-8";
  return "application/octet-stream";
}

// Files of a run folder (relative, sorted): every file but the tile cache is an output.
std::vector<std::string> list_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory() && it->path().filename() == kTileCache) {
      it.disable_recursion_pending();  // tile overview cache, not an output
      continue;
    }
    if (it->is_regular_file()) out.push_back(fs::relative(it->path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Response file_response(Runs& runs, Request& r, const std::string& rel, bool attachment) {
  auto dir = runs.run_dir(r.user(), r.param("id"));
  if (!dir.ok()) return Response::problem(dir.error(), r.path);
  auto files = list_files(*dir);
  if (!std::binary_search(files.begin(), files.end(), rel))
    return Response::problem(Error::field("eco.file_not_found", "path", "run " + r.param("id") + " has no file '" + rel + "'"), r.path);
  auto body = slurp((fs::path(*dir) / rel).string());
  if (!body.ok()) return Response::problem(body.error(), r.path);
  Response resp;
  resp.status = 200;
  resp.content_type = content_type_of(rel);
  resp.body = std::move(*body);
  if (attachment) resp.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + fs::path(rel).filename().string() + "\"");
  resp.headers.emplace_back("Cache-Control", "private, max-age=3600");
  return resp;
}

// One XYZ tile of a run's value raster (or gep_total, the sum over the services), coloured with
// the quick-look's legend; the run's outputs never change once it succeeded, so tiles cache well.
Response tile_response(Runs& runs, Request& r) {
  auto dir = runs.run_dir(r.user(), r.param("id"));
  if (!dir.ok()) return Response::problem(dir.error(), r.path);
  tiles::TileKey k;
  for (auto [field, slot] : {std::pair{"z", &k.z}, std::pair{"x", &k.x}, std::pair{"y", &k.y}}) {
    auto v = tiles::parse_coordinate(r.param(field), field);
    if (!v.ok()) return Response::problem(v.error(), r.path);
    *slot = *v;
  }
  if (auto st = tiles::check(k); !st.ok()) return Response::problem(st.error(), r.path);
  auto parsed = quicklooks_of(*dir);
  if (!parsed.ok()) return Response::problem(parsed.error(), r.path);
  const std::string& layer = r.param("layer");
  tiles::Layer l;
  bool found = false;
  std::vector<std::string> services;
  for (auto& q : *parsed) {
    std::string s = q.value("service", "");
    if (s != "gep_total") services.push_back(s);
    if (s == layer) found = true, l.min = q.value("min", 0.0), l.max = q.value("max", 0.0);
  }
  if (!found) {
    std::string known;
    for (auto& q : *parsed) known += (known.empty() ? "" : ", ") + q.value("service", "");
    return Response::problem(Error{ErrorKind::not_found, "eco.layer_not_found", "run " + r.param("id") + " has no layer '" + layer + "' (layers: " + known + ")",
                                   {{"layer", "unknown layer '" + layer + "'"}}},
                             r.path);
  }
  const std::string cache = (fs::path(*dir) / kTileCache).string();
  std::vector<std::string> sources = layer == "gep_total" ? services : std::vector<std::string>{layer};
  std::error_code ec;
  if (const fs::path total = fs::path(cache) / kTotalSource; layer == "gep_total" && fs::exists(total, ec)) {
    l.rasters.push_back(total.string());  // summed once when the run finished
    sources.clear();
  }
  for (auto& s : sources) {
    auto src = tiles::with_overviews((fs::path(*dir) / "rasters" / (s + "_value.tif")).string(), cache);
    if (!src.ok()) return Response::problem(src.error(), r.path);
    l.rasters.push_back(*src);
  }
  auto t = tiles::render(l, k);
  if (!t.ok()) return Response::problem(t.error(), r.path);
  Response resp;
  resp.content_type = "image/png";
  resp.body = std::move(t->png);
  resp.headers.emplace_back("Cache-Control", "private, max-age=86400, immutable");
  if (t->empty) resp.headers.emplace_back("X-Tile-Empty", "1");
  return resp;
}

}  // namespace

void register_routes(http::Router& router, Runs& runs) {
  const std::vector<Role> readers = {Role::platform_admin, Role::officer, Role::auditor, Role::bank};
  const std::vector<Role> writers = {Role::platform_admin, Role::officer};
  router.add({.method = "GET", .pattern = "/api/v1/eco/datasets", .summary = "GEP datasets (the demo region and uploads)", .tag = kTag,
              .roles = readers},
             [&runs](Request& r) { return reply(runs.list_datasets(r.user()), r); });
  router.add({.method = "POST", .pattern = "/api/v1/eco/datasets",
              .summary = "Upload a GEP dataset (run definition, rasters, vectors, tables as base64); validated before it is kept",
              .tag = kTag, .roles = writers,
              .body = core::Shape{{"name", JsonType::string},
                                  {"division_code", JsonType::string, true, false, "GB/T 2260 code of the accounted region"},
                                  {"files", JsonType::object, true, false, "relative path -> base64 contents"},
                                  {"run_file", JsonType::string, false, false, "run definition (default run.json)"},
                                  {"project_run_file", JsonType::string, false, true, "VEP project scenario run definition"},
                                  {"parcels_file", JsonType::string, false, true, "VEP parcel polygons (field id)"}},
              .success_status = 201, .command = true},
             [&runs](Request& r) { return reply(runs.upload_dataset(r.user(), ctx_of(r), r.json), r, 201); });
  router.add({.method = "POST", .pattern = "/api/v1/eco/datasets/archive",
              .summary = "Upload a GEP dataset as a zip archive of its folder (body application/zip, up to the configured upload "
                         "limit); validated before it is kept",
              .tag = kTag, .roles = writers,
              .query = {{"name", "dataset name", true},
                        {"division_code", "GB/T 2260 code of the accounted region", true},
                        {"run_file", "run definition (default run.json)"},
                        {"project_run_file", "VEP project scenario run definition"},
                        {"parcels_file", "VEP parcel polygons (field id)"},
                        {"filename", "the archive's file name, used in error messages"}},
              .success_status = 201, .command = true, .body_limit = runs.options().upload_limit, .consumes = "application/zip",
              .spool_body = true},
             [&runs](Request& r) {
               std::string_view ct = r.header("content-type");
               ct = ct.substr(0, ct.find(';'));
               if (ct != "application/zip" && ct != "application/x-zip-compressed" && ct != "application/octet-stream")
                 return Response::problem(415, "http.unsupported_media_type",
                                          "send the dataset as application/zip (got '" + std::string(r.header("content-type")) + "')");
               Json meta = Json::object();
               for (auto* k : {"name", "division_code", "run_file", "project_run_file", "parcels_file"})
                 if (auto v = r.query(k)) meta[k] = *v;
               std::string label = "archive";
               if (auto f = r.query("filename"); f && !f->empty() && f->size() <= 200) label = "archive '" + fs::path(*f).filename().string() + "'";
               return reply(runs.upload_archive(r.user(), ctx_of(r), meta, r.body_file, label), r, 201);
             });
  router.add({.method = "POST", .pattern = "/api/v1/eco/runs", .summary = "Start a GEP run on a dataset (a job; progress at /api/v1/jobs/{id}/events)",
              .tag = kTag, .roles = writers,
              .body = core::Shape{{"dataset_id", JsonType::string},
                                  {"vep", JsonType::boolean, false, false, "also run the project scenario and the VEP parcels' gains"}},
              .success_status = 202, .command = true},
             [&runs](Request& r) {
               return reply(runs.start_run(r.user(), ctx_of(r), r.json["dataset_id"].get<std::string>(), r.json.value("vep", false)), r, 202);
             });
  router.add({.method = "GET", .pattern = "/api/v1/eco/runs", .summary = "GEP runs, newest first", .tag = kTag, .roles = readers,
              .query = {{"dataset_id", "only this dataset's runs"}}},
             [&runs](Request& r) { return reply(runs.list_runs(r.user(), r.query("dataset_id").value_or("")), r); });
  router.add({.method = "GET", .pattern = "/api/v1/eco/runs/{id}", .summary = "A GEP run: status, job progress and (when done) the summary",
              .tag = kTag, .roles = readers},
             [&runs](Request& r) { return reply(runs.get_run(r.user(), r.param("id")), r); });
  router.add({.method = "GET", .pattern = "/api/v1/eco/runs/{id}/summary", .summary = "GEP summary with category shares (JSON or CSV)",
              .tag = kTag, .roles = readers, .query = {{"format", "json (default) or csv"}}},
             [&runs](Request& r) {
               bool csv = r.query("format") == std::optional<std::string>("csv");
               return file_response(runs, r, csv ? "gep_summary.csv" : "gep_summary.json", csv);
             });
  router.add({.method = "GET", .pattern = "/api/v1/eco/runs/{id}/zonal",
              .summary = "Zonal table per administrative unit (by=zone) or land-cover class (by=class), JSON or CSV", .tag = kTag,
              .roles = readers, .query = {{"by", "zone (default) or class"}, {"format", "json (default) or csv"}}},
             [&runs](Request& r) {
               std::string by = r.query("by").value_or("zone");
               if (by != "zone" && by != "class") return Response::problem(Error::field("eco.bad_query", "by", "by must be zone or class"), r.path);
               bool csv = r.query("format") == std::optional<std::string>("csv");
               return file_response(runs, r, "zonal_by_" + by + (csv ? ".csv" : ".json"), csv);
             });
  router.add({.method = "GET", .pattern = "/api/v1/eco/runs/{id}/vep", .summary = "VEP parcels: baseline, project and gain per service (JSON or CSV)",
              .tag = kTag, .roles = readers, .query = {{"format", "json (default) or csv"}}},
             [&runs](Request& r) {
               bool csv = r.query("format") == std::optional<std::string>("csv");
               return file_response(runs, r, csv ? "vep/vep_parcels.csv" : "vep/vep_parcels.json", csv);
             });
  router.add({.method = "GET", .pattern = "/api/v1/eco/runs/{id}/quicklooks",
              .summary = "PNG quick-look maps with WGS 84 bounds (Leaflet image overlays)", .tag = kTag, .roles = readers},
             [&runs](Request& r) { return file_response(runs, r, "quicklooks.json", false); });
  router.add({.method = "GET", .pattern = "/api/v1/eco/runs/{id}/tiles/{layer}/{z}/{x}/{y}",
              .summary = "XYZ web-map tile (256 x 256 PNG, EPSG:3857; {y} may end in .png) of a service's value map or gep_total, "
                         "coloured like its quick-look; transparent where nodata or outside the run's extent",
              .tag = kTag, .roles = readers, .produces = "image/png"},
             [&runs](Request& r) { return tile_response(runs, r); });
  router.add({.method = "GET", .pattern = "/api/v1/eco/runs/{id}/files", .summary = "Output files of a run (relative paths)", .tag = kTag,
              .roles = readers},
             [&runs](Request& r) {
               auto dir = runs.run_dir(r.user(), r.param("id"));
               if (!dir.ok()) return Response::problem(dir.error(), r.path);
               Json items = Json::array();
               std::error_code ec;
               for (auto& f : list_files(*dir)) items.push_back({{"path", f}, {"bytes", std::int64_t(fs::file_size(fs::path(*dir) / f, ec))}});
               return Response::json(200, {{"items", items}});
             });
  router.add({.method = "GET", .pattern = "/api/v1/eco/runs/{id}/file",
              .summary = "One output file (COG GeoTIFF, CSV, JSON, PNG quick-look, HTML report)", .tag = kTag, .roles = readers,
              .query = {{"path", "relative path from /files", true}, {"download", "1: as an attachment"}}, .produces = "application/octet-stream"},
             [&runs](Request& r) {
               auto path = r.query("path");
               if (!path || !safe_relative(*path)) return Response::problem(Error::field("eco.bad_query", "path", "path must be a relative output path"), r.path);
               return file_response(runs, r, *path, r.query("download") == std::optional<std::string>("1"));
             });
}

}  // namespace riverlink::eco
