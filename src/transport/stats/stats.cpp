#include "transport/stats/stats.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "transport/gtfs/csv.hpp"

namespace riverlink::transport::stats {

bool SeriesDef::has_mode(const std::string& m) const { return std::find(modes.begin(), modes.end(), m) != modes.end(); }

namespace {
constexpr std::size_t kMaxErrors = 50;

bool parse_month(std::string_view s, int& year, int& month) {
  if (s.size() != 7 || s[4] != '-') return false;
  auto y = std::from_chars(s.data(), s.data() + 4, year);
  auto m = std::from_chars(s.data() + 5, s.data() + 7, month);
  return y.ec == std::errc{} && y.ptr == s.data() + 4 && m.ec == std::errc{} && m.ptr == s.data() + 7 && year >= 1949 &&
         year <= 2100 && month >= 1 && month <= 12;
}
}  // namespace

Result<std::vector<Row>> parse_csv(const std::string& file, const std::string& input, const std::vector<SeriesDef>& series,
                                   const std::function<bool(const std::string&)>& known_division) {
  Error err = Error::make(ErrorKind::invalid, "transport.stats_csv", "");
  std::size_t n_errors = 0;
  auto bad = [&](std::size_t line, const std::string& field, const std::string& msg) {
    ++n_errors;
    if (err.fields.size() < kMaxErrors) err.fields.push_back({file + ":" + std::to_string(line) + ":" + field, msg});
  };
  std::string text = input;
  gtfs::Findings findings;
  gtfs::normalise_encoding(text, file, findings);
  gtfs::CsvReader csv(text, file, findings);
  static const char* kCols[] = {"series", "division_code", "mode", "month", "value"};
  int col[5];
  for (int i = 0; i < 5; ++i) {
    col[i] = csv.column(kCols[i]);
    if (col[i] < 0) bad(1, kCols[i], std::string("missing required column ") + kCols[i]);
  }
  for (const auto& h : csv.header()) {
    if (std::find_if(std::begin(kCols), std::end(kCols), [&](const char* c) { return h == c; }) == std::end(kCols)) {
      bad(1, h.empty() ? "(empty)" : h, "unknown column '" + h + "' (columns: series,division_code,mode,month,value)");
    }
  }
  std::vector<Row> rows;
  std::map<std::tuple<std::string, std::string, std::string, int, int>, std::size_t> seen;
  if (n_errors == 0) {
    while (csv.next()) {
      const std::size_t line = csv.line();
      if (csv.size() != csv.header().size()) continue;  // reported by the CSV layer (invalid_row_length)
      Row r;
      r.line = line;
      r.series = std::string(csv.get(col[0]));
      r.division = std::string(csv.get(col[1]));
      r.mode = std::string(csv.get(col[2]));
      const SeriesDef* def = nullptr;
      for (const auto& d : series) if (d.id == r.series) def = &d;
      bool ok = true;
      if (!def) {
        std::string ids;
        for (const auto& d : series) ids += (ids.empty() ? "" : ", ") + d.id;
        bad(line, "series", "unknown series '" + r.series + "' (known: " + ids + ")");
        ok = false;
      } else if (!def->has_mode(r.mode)) {
        std::string ms;
        for (const auto& m : def->modes) ms += (ms.empty() ? "" : ", ") + m;
        bad(line, "mode", "mode '" + r.mode + "' is not part of series " + def->id + " (modes: " + ms + ")");
        ok = false;
      }
      if (!known_division(r.division)) {
        bad(line, "division_code", "unknown division code '" + r.division + "' (GB/T 2260, Yangtze River Delta)");
        ok = false;
      }
      if (!parse_month(csv.get(col[3]), r.year, r.month)) {
        bad(line, "month", "month must be YYYY-MM, got '" + std::string(csv.get(col[3])) + "'");
        ok = false;
      }
      auto v = csv.get(col[4]);
      auto res = std::from_chars(v.data(), v.data() + v.size(), r.value);
      if (v.empty() || res.ec != std::errc{} || res.ptr != v.data() + v.size() || r.value < 0) {
        bad(line, "value", "value must be a non-negative whole number, got '" + std::string(v) + "'");
        ok = false;
      }
      if (!ok) continue;
      auto key = std::make_tuple(r.series, r.division, r.mode, r.year, r.month);
      auto [it, fresh] = seen.emplace(key, line);
      if (!fresh) {
        bad(line, "month", "duplicate of line " + std::to_string(it->second) + " (same series, division, mode and month)");
        continue;
      }
      rows.push_back(std::move(r));
    }
    for (const auto& f : findings.items()) {
      if (f.severity == gtfs::Severity::error) bad(f.line, f.field.empty() ? "(row)" : f.field, f.message);
    }
  }
  if (n_errors == 0 && rows.empty()) bad(1, "(file)", "no data rows");
  if (n_errors > 0) {
    err.message = file + ": " + std::to_string(n_errors) + " problem(s), nothing imported; first: " + err.fields.front().field +
                  " " + err.fields.front().message;
    return err;
  }
  return rows;
}

namespace {
core::Json series_json(const SeriesDef& d) {
  return {{"id", d.id}, {"name_zh", d.name_zh}, {"name_en", d.name_en}, {"definition", d.definition}, {"unit", d.unit}, {"modes", d.modes}};
}
core::Json growth(std::int64_t cur, std::int64_t prev, bool complete) {
  if (!complete || prev <= 0) return nullptr;
  return static_cast<double>(cur - prev) / static_cast<double>(prev);
}
}  // namespace

core::Json summarize(const SeriesDef& def, const std::string& division, const std::vector<Value>& values, int year,
                     int through_month) {
  int n = through_month;
  if (n == 0) {
    for (const auto& v : values) if (v.year == year) n = std::max(n, v.month);
  }
  struct Acc { std::int64_t cur = 0, prev = 0; std::set<int> cur_m, prev_m; };
  std::map<std::string, Acc> acc;
  bool demo = false;
  for (const auto& v : values) {
    if (v.month > n || (v.year != year && v.year != year - 1)) continue;
    auto& a = acc[v.mode];
    demo = demo || v.demo;
    if (v.year == year) { a.cur += v.value; a.cur_m.insert(v.month); }
    else { a.prev += v.value; a.prev_m.insert(v.month); }
  }
  std::int64_t total = 0, prev_total = 0;
  bool all_complete = n > 0;
  for (auto& [m, a] : acc) {
    total += a.cur;
    prev_total += a.prev;
    all_complete = all_complete && static_cast<int>(a.cur_m.size()) == n && static_cast<int>(a.prev_m.size()) == n;
  }
  core::Json modes = core::Json::array();
  for (const auto& m : def.modes) {
    auto it = acc.find(m);
    if (it == acc.end()) continue;
    const auto& a = it->second;
    const bool complete = static_cast<int>(a.cur_m.size()) == n && static_cast<int>(a.prev_m.size()) == n;
    modes.push_back({{"mode", m},
                     {"ytd", a.cur},
                     {"prev_ytd", a.prev},
                     {"months", a.cur_m.size()},
                     {"prev_months", a.prev_m.size()},
                     {"yoy", growth(a.cur, a.prev, complete)},
                     {"share", total > 0 ? core::Json(static_cast<double>(a.cur) / static_cast<double>(total)) : core::Json(nullptr)}});
  }
  return {{"series", series_json(def)},
          {"division_code", division},
          {"year", year},
          {"through_month", n},
          {"demo", demo},
          {"modes", modes},
          {"total", {{"ytd", total}, {"prev_ytd", prev_total}, {"complete", all_complete}, {"yoy", growth(total, prev_total, all_complete)}}},
          {"note", "Totals, growth and shares are computed within the one series " + def.id +
                       "; values of other series (different definitions) are never added in."}};
}

core::Json monthly(const SeriesDef& def, const std::string& division, const std::vector<Value>& values, int year) {
  std::map<std::pair<int, int>, std::map<std::string, std::int64_t>> cell;
  bool demo = false;
  std::set<std::string> present;
  for (const auto& v : values) {
    if (v.year != year && v.year != year - 1) continue;
    cell[{v.year, v.month}][v.mode] = v.value;
    present.insert(v.mode);
    demo = demo || v.demo;
  }
  std::vector<std::string> modes;
  for (const auto& m : def.modes) if (present.count(m)) modes.push_back(m);
  core::Json rows = core::Json::array();
  for (int m = 1; m <= 12; ++m) {
    core::Json row = {{"month", m}};
    for (int which = 0; which < 2; ++which) {
      auto it = cell.find({which == 0 ? year : year - 1, m});
      core::Json vals = core::Json::object();
      core::Json tot = nullptr;
      if (it != cell.end()) {
        std::int64_t t = 0;
        for (const auto& mode : modes) {
          auto f = it->second.find(mode);
          if (f == it->second.end()) { vals[mode] = nullptr; continue; }
          vals[mode] = f->second;
          t += f->second;
        }
        tot = t;
      } else {
        for (const auto& mode : modes) vals[mode] = nullptr;
      }
      row[which == 0 ? "values" : "prev_values"] = vals;
      row[which == 0 ? "total" : "prev_total"] = tot;
    }
    rows.push_back(row);
  }
  return {{"series", series_json(def)}, {"division_code", division}, {"year", year}, {"demo", demo}, {"modes", modes}, {"rows", rows}};
}

namespace {
// Splits `total` in proportion to `weights`, the last part taking the rounding remainder.
std::vector<std::int64_t> distribute(std::int64_t total, const std::vector<std::int64_t>& weights) {
  std::int64_t wsum = 0;
  for (auto w : weights) wsum += w;
  std::vector<std::int64_t> out;
  std::int64_t used = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    std::int64_t part = i + 1 == weights.size() ? total - used : total * weights[i] / wsum;
    out.push_back(part);
    used += part;
  }
  return out;
}
}  // namespace

std::string demo_csv() {
  std::string out = "series,division_code,mode,month,value\n";
  auto line = [&](const char* series, const char* mode, int year, int month, std::int64_t v) {
    char m[8];
    std::snprintf(m, sizeof m, "%04d-%02d", year, month);
    out += std::string(series) + ",320000," + mode + "," + m + "," + std::to_string(v) + "\n";
  };
  // Commercial passengers (综合客运量). Monthly shape (demo): weights for Jan-Aug.
  const std::vector<std::int64_t> shape = {52, 50, 56, 58, 62, 60, 66, 66};
  struct Year {
    int year;
    std::vector<std::int64_t> totals;  // per month
    std::int64_t rail_jan_aug;
    std::int64_t rail_permille_after, water_permille, air_permille;
  };
  std::vector<Year> years;
  {
    Year y23{2023, distribute(470'000'000, shape), 190'000'000, 404, 12, 38};
    y23.totals.push_back(60'000'000);  // Sep: Jan-Sep 5.3亿
    y23.totals.push_back(70'000'000);  // Oct: Jan-Oct ≈ 6亿
    // 2022 from the published growth: Jan-Aug 4.7亿 / 1.550, Jan-Sep 5.3亿 / 1.524; rail 1.9亿 / 2.4.
    Year y22{2022, distribute(303'225'806, shape), 79'166'667, 261, 12, 27};
    y22.totals.push_back(347'769'029 - 303'225'806);
    for (std::int64_t v : {46'000'000, 40'000'000, 36'000'000}) y22.totals.push_back(v);
    years = {y22, y23};
  }
  for (const auto& y : years) {
    auto rail8 = distribute(y.rail_jan_aug, std::vector<std::int64_t>(y.totals.begin(), y.totals.begin() + 8));
    for (std::size_t i = 0; i < y.totals.size(); ++i) {
      const std::int64_t t = y.totals[i];
      const std::int64_t rail = i < 8 ? rail8[i] : t * y.rail_permille_after / 1000;
      const std::int64_t water = t * y.water_permille / 1000, air = t * y.air_permille / 1000;
      const int month = static_cast<int>(i) + 1;
      line("commercial_passengers", "rail", y.year, month, rail);
      line("commercial_passengers", "road", y.year, month, t - rail - water - air);
      line("commercial_passengers", "water", y.year, month, water);
      line("commercial_passengers", "air", y.year, month, air);
    }
  }
  // Airport passenger throughput (a different series): 2023 5,482.1万 (+122.9%).
  auto t23 = distribute(54'821'000, {8, 7, 8, 8, 9, 9, 10, 10, 9, 9, 8, 8});
  auto t22 = distribute(24'594'437, {10, 8, 9, 6, 5, 8, 10, 8, 8, 7, 5, 6});
  for (int m = 1; m <= 12; ++m) {
    line("airport_throughput", "air", 2022, m, t22[m - 1]);
    line("airport_throughput", "air", 2023, m, t23[m - 1]);
  }
  return out;
}

}  // namespace riverlink::transport::stats
