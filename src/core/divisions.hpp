// Administrative divisions of the Yangtze River Delta (GB/T 2260): Shanghai, Jiangsu,
// Zhejiang and Anhui, down to county level. The table is data (data/divisions/yrd_divisions.csv),
// generated from a maintained package listing by tools/divisions, and embedded at build time.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace riverlink::core {

enum class DivisionLevel { province = 1, prefecture = 2, county = 3 };

struct Division {
  std::string code;         // 6 digits, e.g. "320500"
  std::string name_zh;      // 苏州市
  std::string name_en;      // Suzhou
  DivisionLevel level;
  std::string parent_code;  // empty for provinces
};

std::string_view level_name(DivisionLevel l);  // "province" | "prefecture" | "county"

// Immutable after construction; safe to share between threads.
class Divisions {
 public:
  // The embedded table; parsed once.
  static const Divisions& yrd();
  // Parse CSV text with header code,name_zh,name_en,level,parent_code. Throws std::runtime_error
  // naming the line on malformed input (start-up failure).
  static Divisions parse(std::string_view csv, std::string_view source_name);

  const Division* find(std::string_view code) const;
  std::vector<const Division*> children(std::string_view parent_code) const;
  std::vector<const Division*> at_level(DivisionLevel level) const;
  std::span<const Division> all() const { return items_; }
  // The province that contains `code` (itself if a province); nullptr if unknown.
  const Division* province_of(std::string_view code) const;
  // True when `code` equals `scope` or lies beneath it (for jurisdiction checks).
  bool within(std::string_view code, std::string_view scope) const;

 private:
  std::vector<Division> items_;  // sorted by code
};

}  // namespace riverlink::core
