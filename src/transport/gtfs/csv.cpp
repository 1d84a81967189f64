#include "transport/gtfs/csv.hpp"

#include <cstdio>

namespace riverlink::transport::gtfs {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::error: return "ERROR";
    case Severity::warning: return "WARNING";
    case Severity::info: return "INFO";
  }
  return "ERROR";
}

void Findings::add(std::string code, Severity sev, std::string file, std::size_t line, std::string field,
                   std::string message) {
  if (sev == Severity::error) ++errors_;
  if (sev == Severity::warning) ++warnings_;
  auto& n = counts_[code];
  ++n;
  if (n > limit_) return;
  items_.push_back({std::move(code), sev, std::move(file), line, std::move(field), std::move(message)});
}

void Findings::append(const Findings& other, const std::string& prefix) {
  for (const auto& f : other.items_) {
    items_.push_back(f);
    if (!prefix.empty()) items_.back().file = prefix + items_.back().file;
  }
  for (const auto& [c, n] : other.counts_) counts_[c] += n;
  errors_ += other.errors_;
  warnings_ += other.warnings_;
}

core::Json Findings::to_json() const {
  core::Json notices = core::Json::array();
  for (const auto& f : items_) {
    notices.push_back({{"code", f.code},
                       {"severity", severity_name(f.severity)},
                       {"file", f.file},
                       {"line", f.line},
                       {"field", f.field},
                       {"message", f.message}});
  }
  core::Json counts = core::Json::object();
  for (const auto& [c, n] : counts_) counts[c] = n;
  return {{"errors", errors_}, {"warnings", warnings_}, {"counts", counts}, {"notices", notices}};
}

std::string Findings::to_text() const {
  std::string out;
  for (const auto& f : items_) {
    out += severity_name(f.severity);
    out += " ";
    out += f.code;
    if (!f.file.empty()) {
      out += " " + f.file;
      if (f.line) out += ":" + std::to_string(f.line);
    }
    if (!f.field.empty()) out += " [" + f.field + "]";
    out += ": " + f.message + "\n";
  }
  for (const auto& [c, n] : counts_) {
    if (n > limit_) out += "(" + std::to_string(n - limit_) + " more " + c + " notices not listed)\n";
  }
  return out;
}

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when invalid.
std::size_t utf8_len(const std::string& s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  return n;
}

}  // namespace

bool normalise_encoding(std::string& bytes, const std::string& file, Findings& findings) {
  if (bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xEF &&
      static_cast<unsigned char>(bytes[1]) == 0xBB && static_cast<unsigned char>(bytes[2]) == 0xBF) {
    bytes.erase(0, 3);
  }
  std::size_t bad = std::string::npos;
  for (std::size_t i = 0; i < bytes.size();) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) { ++i; continue; }
    auto n = utf8_len(bytes, i);
    if (n == 0) { bad = i; break; }
    i += n;
  }
  if (bad == std::string::npos) return false;
  std::size_t line = 1;
  for (std::size_t i = 0; i < bad; ++i) line += bytes[i] == '\n';
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  bytes.swap(out);
  findings.add("invalid_character", Severity::warning, file, line, "",
               "file is not valid UTF-8; read as Latin-1 (ISO 8859-1) and transcoded to UTF-8");
  return true;
}

CsvReader::CsvReader(std::string_view text, std::string file, Findings& findings)
    : text_(text), file_(std::move(file)), findings_(findings) {
  if (!read_record()) return;
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    std::string name(fields_[i]);
    if (name.empty()) {
      findings_.add("empty_column_name", Severity::error, file_, line_, "", "column " + std::to_string(i + 1) + " has no name");
      header_.push_back(name);
      continue;
    }
    if (!columns_.emplace(name, static_cast<int>(i)).second) {
      findings_.add("duplicated_column", Severity::error, file_, line_, name, "column appears twice; the first is used");
    }
    header_.push_back(name);
  }
}

int CsvReader::column(std::string_view name) const {
  auto it = columns_.find(std::string(name));
  return it == columns_.end() ? -1 : it->second;
}

bool CsvReader::next() {
  while (read_record()) {
    if (fields_.size() == 1 && fields_[0].empty()) {
      findings_.add("empty_row", Severity::warning, file_, line_, "", "empty row skipped");
      continue;
    }
    if (!header_.empty() && fields_.size() != header_.size()) {
      findings_.add("invalid_row_length", Severity::error, file_, line_, "",
                    "row has " + std::to_string(fields_.size()) + " fields, header has " + std::to_string(header_.size()));
    }
    return true;
  }
  return false;
}

namespace {
inline bool is_space(char c) { return c == ' ' || c == '\t'; }
inline std::string_view trim(std::string_view v) {
  while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
  return v;
}
}  // namespace

bool CsvReader::read_record() {
  fields_.clear();
  owned_used_ = 0;
  if (pos_ >= text_.size()) return false;
  line_ = next_line_;
  const char* p = text_.data();
  const std::size_t n = text_.size();
  std::size_t i = pos_;
  while (true) {
    // One field starting at i.
    std::size_t s = i;
    while (s < n && is_space(p[s])) ++s;
    if (s < n && p[s] == '"') {
      if (owned_used_ == owned_.size()) owned_.emplace_back();
      std::string& buf = owned_[owned_used_++];
      buf.clear();
      std::size_t j = s + 1;
      bool closed = false, newline = false;
      while (j < n) {
        char c = p[j];
        if (c == '"') {
          if (j + 1 < n && p[j + 1] == '"') { buf.push_back('"'); j += 2; continue; }
          closed = true;
          ++j;
          break;
        }
        if (c == '\n') { ++next_line_; newline = true; }
        buf.push_back(c);
        ++j;
      }
      if (!closed) {
        findings_.add("csv_parsing_failed", Severity::error, file_, line_, "", "unterminated quoted field");
      }
      if (newline) {
        findings_.add("new_line_in_value", Severity::error, file_, line_, "", "a quoted value contains a line break");
      }
      // Skip anything up to the separator (tolerate spaces after the closing quote).
      while (j < n && p[j] != ',' && p[j] != '\n' && p[j] != '\r') ++j;
      fields_.push_back(trim(buf));
      i = j;
    } else {
      std::size_t j = s;
      while (j < n && p[j] != ',' && p[j] != '\n' && p[j] != '\r') ++j;
      fields_.push_back(trim(std::string_view(p + s, j - s)));
      i = j;
    }
    if (i >= n) { pos_ = n; break; }
    if (p[i] == ',') { ++i; continue; }
    // End of line: \n, \r\n or lone \r.
    if (p[i] == '\r') ++i;
    if (i < n && p[i] == '\n') ++i;
    ++next_line_;
    pos_ = i;
    break;
  }
  return true;
}

}  // namespace riverlink::transport::gtfs
