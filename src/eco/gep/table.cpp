#include "eco/gep/table.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace riverlink::eco::gep {
namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}
std::string trim(const std::string& s) {
  std::size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}
Error table_error(const std::string& path, int line, const std::string& field, const std::string& msg) {
  std::string where = path + ":" + std::to_string(line) + (field.empty() ? "" : " field '" + field + "'");
  return Error::field("eco.table_invalid", field.empty() ? path : field, where + ": " + msg);
}
}  // namespace

Result<std::vector<std::vector<std::string>>> parse_csv(const std::string& text_in, const std::string& path) {
  std::string text = text_in;
  if (text.size() >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
    text = text.substr(3);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, any = false;
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') { cell += '"'; ++i; }
        else quoted = false;
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == '"') { quoted = true; any = true; }
    else if (c == ',') { row.push_back(trim(cell)); cell.clear(); any = true; }
    else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !cell.empty()) { row.push_back(trim(cell)); rows.push_back(row); }
      row.clear(); cell.clear(); any = false; ++line;
    } else { cell += c; any = true; }
  }
  if (quoted) return table_error(path, line, "", "unterminated quote");
  if (any || !cell.empty()) { row.push_back(trim(cell)); rows.push_back(row); }
  return rows;
}

Result<Table> parse_table(const std::string& text, const std::string& path, const std::string& key_column) {
  auto rows = parse_csv(text, path);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return table_error(path, 1, "", "empty table");
  Table t;
  t.path = path;
  for (auto& h : (*rows)[0]) t.columns.push_back(lower(h));
  int key = t.col(key_column);
  if (key < 0) return table_error(path, 1, key_column, "key column is missing");
  for (std::size_t r = 1; r < rows->size(); ++r) {
    auto& cells = (*rows)[r];
    int line = int(r) + 1;
    if (cells.size() == 1 && cells[0].empty()) continue;
    if (cells.size() != t.columns.size())
      return table_error(path, line, "", "has " + std::to_string(cells.size()) + " cells, header has " +
                                             std::to_string(t.columns.size()));
    errno = 0;
    char* end = nullptr;
    const std::string& ks = cells[std::size_t(key)];
    long long k = std::strtoll(ks.c_str(), &end, 10);
    if (ks.empty() || errno || *end) return table_error(path, line, key_column, "'" + ks + "' is not an integer code");
    if (t.rows.count(k)) return table_error(path, line, key_column, "code " + ks + " is listed twice");
    t.rows[k] = cells;
    t.line_of[k] = line;
  }
  return t;
}

Result<Table> read_table(const std::string& path, const std::string& key_column) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::field("eco.file_missing", path, path + ": cannot open table");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_table(ss.str(), path, key_column);
}

int Table::col(const std::string& name) const {
  auto l = lower(name);
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == l) return int(i);
  return -1;
}

Status Table::require(const std::vector<std::string>& cols) const {
  for (auto& c : cols)
    if (col(c) < 0) return table_error(path, 1, c, "required column is missing");
  return ok_status();
}

Result<double> Table::num(std::int64_t key, const std::string& column) const {
  int c = col(column);
  if (c < 0) return table_error(path, 1, column, "required column is missing");
  auto it = rows.find(key);
  if (it == rows.end())
    return Error::field("eco.class_missing", column, path + ": code " + std::to_string(key) + " is not in the table");
  const std::string& s = it->second[std::size_t(c)];
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || errno || *end) return table_error(path, line_of.at(key), column, "'" + s + "' is not a number");
  return v;
}

}  // namespace riverlink::eco::gep
