// Validation findings in the style of the canonical GTFS validator (MobilityData
// gtfs-validator): a notice code, a severity, and the file, line and field it concerns.
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace riverlink::transport::gtfs {

enum class Severity { error, warning, info };
const char* severity_name(Severity s);

struct Finding {
  std::string code;  // e.g. "invalid_time"
  Severity severity = Severity::error;
  std::string file;  // e.g. "stop_times.txt"; empty for feed-level findings
  std::size_t line = 0;  // 1-based; 0 when not tied to a line
  std::string field;
  std::string message;
};

// Collects findings; keeps at most `per_code_limit` of each code (the rest are counted).
class Findings {
 public:
  explicit Findings(std::size_t per_code_limit = 100) : limit_(per_code_limit) {}
  void add(std::string code, Severity sev, std::string file, std::size_t line, std::string field,
           std::string message);
  const std::vector<Finding>& items() const { return items_; }
  // Total count per code, including those beyond the limit.
  const std::map<std::string, std::size_t>& counts() const { return counts_; }
  std::size_t errors() const { return errors_; }
  std::size_t warnings() const { return warnings_; }
  void append(const Findings& other, const std::string& prefix);
  core::Json to_json() const;
  std::string to_text() const;

 private:
  std::size_t limit_;
  std::vector<Finding> items_;
  std::map<std::string, std::size_t> counts_;
  std::size_t errors_ = 0, warnings_ = 0;
};

}  // namespace riverlink::transport::gtfs
