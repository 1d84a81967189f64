#include "land/calendar.hpp"

#include <cstdio>

#include "core/json.hpp"

namespace riverlink::land {

extern const char* const kBundledCalendarJson;  // generated from data/calendar_cn_2026.json

std::optional<Date> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  std::chrono::year_month_day ymd{std::chrono::year{num(0, 4)},
                                  std::chrono::month{static_cast<unsigned>(num(5, 2))},
                                  std::chrono::day{static_cast<unsigned>(num(8, 2))}};
  if (!ymd.ok()) return std::nullopt;
  return Date{ymd};
}

std::string format_date(Date d) {
  std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

Result<WorkCalendar> WorkCalendar::parse(std::string_view text, std::string_view source) {
  auto j = core::parse_json(text);
  if (!j.ok()) {
    return Error::field("land.calendar_invalid", std::string(source), j.error().message);
  }
  WorkCalendar c;
  c.status_ = j->value("status", "");
  for (const char* key : {"holidays", "workdays"}) {
    if (!j->contains(key) || !(*j)[key].is_array()) {
      return Error::field("land.calendar_invalid", std::string(source) + ": " + key,
                          "must be an array of YYYY-MM-DD dates");
    }
    size_t i = 0;
    for (const auto& v : (*j)[key]) {
      auto d = v.is_string() ? parse_date(v.get<std::string>()) : std::nullopt;
      if (!d) {
        return Error::field("land.calendar_invalid",
                            std::string(source) + ": " + key + "[" + std::to_string(i) + "]",
                            "not a YYYY-MM-DD date");
      }
      (std::string_view(key) == "holidays" ? c.holidays_ : c.workdays_).insert(*d);
      ++i;
    }
  }
  return c;
}

const WorkCalendar& WorkCalendar::bundled() {
  static const WorkCalendar c = [] {
    auto r = parse(kBundledCalendarJson, "calendar_cn_2026.json");
    if (!r.ok()) throw std::runtime_error(r.error().message);  // a build defect
    return std::move(r.value());
  }();
  return c;
}

bool WorkCalendar::is_working_day(Date d) const {
  if (workdays_.count(d)) return true;
  if (holidays_.count(d)) return false;
  const std::chrono::weekday wd{d};
  return wd != std::chrono::Saturday && wd != std::chrono::Sunday;
}

Date WorkCalendar::add_working_days(Date from, int n) const {
  Date d = from;
  while (n > 0) {
    d += std::chrono::days{1};
    if (is_working_day(d)) --n;
  }
  return d;
}

int WorkCalendar::working_days_between(Date a, Date b) const {
  int n = 0;
  for (Date d = a + std::chrono::days{1}; d <= b; d += std::chrono::days{1}) {
    n += is_working_day(d) ? 1 : 0;
  }
  return n;
}

}  // namespace riverlink::land
