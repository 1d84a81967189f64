#include "core/time.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <sstream>

namespace riverlink::core {
using std::chrono::milliseconds;

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}
TimePoint ManualClock::now() const { return from_unix_ms(ms_.load()); }
void ManualClock::advance(milliseconds d) { ms_.fetch_add(d.count()); }
void ManualClock::set(TimePoint t) { ms_.store(to_unix_ms(t)); }

int64_t to_unix_ms(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint from_unix_ms(int64_t ms) { return TimePoint(milliseconds(ms)); }

std::string format_utc(TimePoint t) { return date::format("%FT%TZ", t); }

std::optional<TimePoint> parse_utc(std::string_view sv) {
  std::string s(sv);
  for (const char* fmt : {"%FT%T%Ez", "%FT%TZ", "%F %T%Ez", "%F %T"}) {
    std::istringstream in(s);
    date::sys_time<milliseconds> tp;
    in >> date::parse(fmt, tp);
    if (!in.fail()) {
      in.peek();
      if (in.eof()) return tp;
    }
  }
  return std::nullopt;
}

namespace {
const date::time_zone* shanghai() {
  static const date::time_zone* tz = date::locate_zone("Asia/Shanghai");
  return tz;
}
}  // namespace

std::string format_shanghai(TimePoint t) {
  auto zt = date::make_zoned(shanghai(), std::chrono::time_point_cast<std::chrono::seconds>(t));
  return date::format("%F %T", zt);
}

std::optional<TimePoint> parse_shanghai(std::string_view sv) {
  std::istringstream in{std::string(sv)};
  date::local_time<milliseconds> lt;
  in >> date::parse("%F %T", lt);
  if (in.fail()) return std::nullopt;
  in.peek();
  if (!in.eof()) return std::nullopt;
  return shanghai()->to_sys(lt);
}

}  // namespace riverlink::core
