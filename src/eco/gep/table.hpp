// CSV coefficient tables keyed by an integer code (InVEST style: column names case-insensitive).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace riverlink::eco::gep {

struct Table {
  std::string path;
  std::vector<std::string> columns;                    // lower-cased
  std::map<std::int64_t, std::vector<std::string>> rows;  // key -> cells
  std::map<std::int64_t, int> line_of;                 // key -> 1-based line number

  int col(const std::string& name) const;  // -1 when absent
  // Numeric value of a column for a key; errors name file, line, column.
  Result<double> num(std::int64_t key, const std::string& column) const;
  Status require(const std::vector<std::string>& cols) const;
};

// Parses a comma-separated UTF-8 table (optional BOM, quoted cells) with a key column.
Result<Table> read_table(const std::string& path, const std::string& key_column);
Result<Table> parse_table(const std::string& text, const std::string& path, const std::string& key_column);
// Generic rows (no key): header + cells, for price and deflator tables.
Result<std::vector<std::vector<std::string>>> parse_csv(const std::string& text, const std::string& path);

}  // namespace riverlink::eco::gep
