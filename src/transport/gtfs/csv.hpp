// CSV layer for GTFS files: RFC 4180 quoting (embedded commas, quotes and newlines), LF or
// CRLF line ends, UTF-8 BOM stripped, Latin-1 detected and transcoded, fields trimmed.
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "transport/gtfs/findings.hpp"

namespace riverlink::transport::gtfs {

// Makes `bytes` valid UTF-8 in place: strips a UTF-8 BOM; when the text is not valid UTF-8 it
// is taken as Latin-1 (ISO 8859-1) and transcoded, and a finding names the file and the first
// offending line. Returns true when the text was transcoded.
bool normalise_encoding(std::string& bytes, const std::string& file, Findings& findings);

class CsvReader {
 public:
  // `text` must outlive the reader and already be UTF-8 (see normalise_encoding).
  CsvReader(std::string_view text, std::string file, Findings& findings);

  // Column index of `name` in the header, or -1.
  int column(std::string_view name) const;
  const std::vector<std::string>& header() const { return header_; }

  // Reads the next non-empty record; false at the end. Fields are trimmed. The line is the
  // 1-based line number where the record starts.
  bool next();
  std::size_t line() const { return line_; }
  std::size_t size() const { return fields_.size(); }
  // Field by column index; empty when the column is absent (-1) or the row is short.
  std::string_view get(int col) const {
    return col >= 0 && static_cast<std::size_t>(col) < fields_.size() ? fields_[col] : std::string_view{};
  }
  const std::string& file() const { return file_; }

 private:
  bool read_record();

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t next_line_ = 1;
  std::size_t line_ = 0;
  std::string file_;
  Findings& findings_;
  std::vector<std::string> header_;
  std::unordered_map<std::string, int> columns_;
  std::vector<std::string_view> fields_;
  std::deque<std::string> owned_;  // unescaped quoted fields (deque: stable addresses)
  std::size_t owned_used_ = 0;
};

}  // namespace riverlink::transport::gtfs
