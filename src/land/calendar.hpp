// Working-day calendar for statutory timers (filing ≥10 working days ahead, review within 5):
// weekends and listed public holidays are off, listed adjusted working days are on. The dates
// are data (a JSON file), never code; the bundled 2026 file is marked unverified.
#pragma once
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace riverlink::land {

using Date = std::chrono::sys_days;  // a local (Asia/Shanghai) calendar date

std::optional<Date> parse_date(std::string_view s);  // "YYYY-MM-DD", strict
std::string format_date(Date d);

class WorkCalendar {
 public:
  // {"holidays": ["YYYY-MM-DD"...], "workdays": [...], ...}; errors name the source and field.
  static Result<WorkCalendar> parse(std::string_view json_text, std::string_view source);
  // The bundled src/land/data/calendar_cn_2026.json.
  static const WorkCalendar& bundled();

  bool is_working_day(Date d) const;
  // The n-th working day after `from` (n ≥ 0; n = 0 is `from` itself).
  Date add_working_days(Date from, int n) const;
  // Working days in (a, b]; 0 when b ≤ a.
  int working_days_between(Date a, Date b) const;
  const std::string& status() const { return status_; }

 private:
  std::set<Date> holidays_;
  std::set<Date> workdays_;
  std::string status_;
};

}  // namespace riverlink::land
