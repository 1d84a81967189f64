#include "transport/feedset.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace riverlink::transport {

namespace fs = std::filesystem;

Status check_importable(const gtfs::Feed& feed) {
  // Rows merely listed out of order (unsorted_stop_times, info) are sorted, as the validator
  // and nigiri do: real feeds (hart_tampa) list trips in two blocks.
  static const std::set<std::string> kBlocking = {"foreign_key_violation", "stop_time_with_arrival_before_previous_departure_time",
                                                  "invalid_time", "duplicate_key", "missing_trip_edge"};
  const gtfs::Finding* first = nullptr;
  std::size_t n = 0;
  for (const auto& f : feed.findings.items()) {
    if (f.file != "stop_times.txt" || !kBlocking.count(f.code)) continue;
    if (!first) first = &f;
    ++n;
  }
  if (!first) return ok_status();
  std::string where = feed.name + "/" + first->file + (first->line ? ":" + std::to_string(first->line) : "") +
                      (first->field.empty() ? "" : " field " + first->field);
  const std::string& what = first->message;
  Error e = Error::make(ErrorKind::invalid, "transport.feed_refused",
                        where + ": " + first->code + ": " + what + (n > 1 ? " (" + std::to_string(n) + " such findings)" : ""));
  e.fields.push_back({first->file + ":" + std::to_string(first->line) + ":" + first->field, first->code + ": " + what});
  return e;
}

std::vector<std::string> list_feed_set(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto& p = entry.path();
    if (entry.is_regular_file() && p.extension() == ".zip") out.push_back(p.string());
    else if (entry.is_directory() && fs::exists(p / "stops.txt")) out.push_back(p.string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> expand_feed_list(const std::string& csv) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < csv.size();) {
    auto comma = csv.find(',', pos);
    auto path = csv.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? csv.size() : comma + 1;
    if (path.empty()) continue;
    std::error_code ec;
    if (fs::is_directory(path, ec) && !fs::exists(fs::path(path) / "stops.txt", ec)) {
      for (auto& p : list_feed_set(path)) out.push_back(std::move(p));
    } else {
      out.push_back(path);
    }
  }
  return out;
}

Result<Timetable> load_timetable(const std::vector<std::string>& paths, const BuildOptions& opts, bool strict) {
  if (paths.empty()) return Error::make(ErrorKind::invalid, "transport.no_feeds", "no GTFS feeds to load");
  std::vector<gtfs::Feed> feeds;
  for (const auto& p : paths) {
    auto f = gtfs::load_feed(p);
    if (!f.ok()) return f.error();
    if (strict) {
      if (auto s = check_importable(*f); !s.ok()) return s.error();
    }
    feeds.push_back(std::move(*f));
  }
  return build_timetable(feeds, opts);
}

Result<core::Json> import_feeds(const std::vector<std::string>& feeds, const std::string& set_dir, const BuildOptions& opts) {
  if (feeds.empty()) return Error::field("transport.no_feeds", "FEED", "name at least one feed to import");
  std::error_code ec;
  fs::create_directories(set_dir, ec);
  if (ec) return Error::make(ErrorKind::invalid, "transport.set_dir", set_dir + ": cannot create (" + ec.message() + ")");
  // The set after the import: existing feeds, those with a new feed's stem replaced.
  std::set<std::string> new_stems;
  for (const auto& f : feeds) {
    if (!new_stems.insert(gtfs::feed_stem(f)).second) {
      return Error::field("transport.duplicate_feed", "FEED", "two feeds named " + gtfs::feed_stem(f));
    }
  }
  std::vector<std::string> all;
  for (const auto& p : list_feed_set(set_dir)) {
    if (!new_stems.count(gtfs::feed_stem(p))) all.push_back(p);
  }
  for (const auto& f : feeds) all.push_back(f);
  auto tt = load_timetable(all, opts, true);
  if (!tt.ok()) return tt.error();
  // Copy the new feeds in (temp name, then rename), then write the timetable the same way.
  const fs::path dir(set_dir);
  for (const auto& f : feeds) {
    const fs::path src(f);
    const std::string stem = gtfs::feed_stem(f);
    const fs::path dst = fs::is_directory(src) ? dir / stem : dir / (stem + ".zip");
    const fs::path tmp = dir / ("." + stem + ".importing");
    fs::remove_all(tmp, ec);
    if (fs::is_directory(src)) fs::copy(src, tmp, fs::copy_options::recursive, ec);
    else fs::copy_file(src, tmp, ec);
    if (ec) return Error::make(ErrorKind::internal, "transport.copy_failed", f + ": cannot copy into " + set_dir + " (" + ec.message() + ")");
    // A feed of the same stem in the other form (zip vs folder) leaves the set.
    fs::remove_all(dir / stem, ec);
    fs::remove(dir / (stem + ".zip"), ec);
    fs::rename(tmp, dst, ec);
    if (ec) return Error::make(ErrorKind::internal, "transport.copy_failed", dst.string() + ": " + ec.message());
  }
  const std::string out = (dir / "timetable.bin").string();
  if (auto s = tt->save(out + ".tmp"); !s.ok()) return s.error();
  fs::rename(out + ".tmp", out, ec);
  if (ec) return Error::make(ErrorKind::internal, "transport.save_failed", out + ": " + ec.message());
  return core::Json{{"set", set_dir},
                    {"imported", feeds},
                    {"feeds", tt->feeds},
                    {"stops", tt->stops.size()},
                    {"routes", tt->routes.size()},
                    {"trips", tt->trip_days.size()},
                    {"stop_times", tt->stop_time_rows},
                    {"timetable", out},
                    {"first_service_date", gtfs::format_date(tt->first_day)},
                    {"last_service_date", gtfs::format_date(tt->first_day + tt->n_days - 1)}};
}

}  // namespace riverlink::transport
