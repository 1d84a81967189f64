// Passenger statistics engine (transport.md §9): monthly passengers by series, mode and
// jurisdiction. Pure functions: CSV parsing with errors naming file, line and field, and the
// derived figures (year-to-date totals, year-on-year growth, mode shares), always within one
// series — series with different definitions are never added together.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"

namespace riverlink::transport::stats {

struct SeriesDef {
  std::string id, name_zh, name_en, definition, unit;
  std::vector<std::string> modes;  // modes a value of this series may carry
  bool has_mode(const std::string& m) const;
};

struct Row {
  std::string series, division, mode;
  int year = 0, month = 0;  // month 1-12
  std::int64_t value = 0;
  std::size_t line = 0;
};

// Parses "series,division_code,mode,month,value" (month YYYY-MM; value a non-negative integer;
// other columns are refused). Every problem is reported, at most 50 of them, as fields
// "<file>:<line>:<column>"; any problem refuses the whole file.
// known_division: whether a division code exists (GB/T 2260).
Result<std::vector<Row>> parse_csv(const std::string& file, const std::string& text, const std::vector<SeriesDef>& series,
                                   const std::function<bool(const std::string&)>& known_division);

struct Value {
  std::string mode;
  int year = 0, month = 0;
  std::int64_t value = 0;
  bool demo = false;
};

// Year-to-date (months 1..through_month) per mode and in total for `year` and year-1, the
// year-on-year growth (null when either period lacks a month) and each mode's share of the
// total. through_month 0: the last month of `year` that has data. All values must belong to
// `def` (one series, one division).
core::Json summarize(const SeriesDef& def, const std::string& division, const std::vector<Value>& values, int year,
                     int through_month);

// Months 1-12 of `year` and year-1, per mode (null where absent), for charts and tables.
core::Json monthly(const SeriesDef& def, const std::string& division, const std::vector<Value>& values, int year);

// Demo monthly figures for Jiangsu (320000), labelled as demo data: commercial passengers for
// 2022 and January–October 2023 consistent with the published totals (Jan–Aug 2023 ≈ 4.7亿,
// +55.0%; Jan–Sep 2023 = 5.3亿, +52.4%; rail Jan–Aug 2023 ≈ 1.9亿, 2.4× 2022; Jan–Oct ≈ 6亿),
// and airport throughput for 2022–2023 (2023: 5,482.1万, +122.9%). CSV as parse_csv reads it.
std::string demo_csv();

}  // namespace riverlink::transport::stats
