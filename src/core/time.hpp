// Time: stored as UTC (ISO 8601, millisecond precision), rendered in Asia/Shanghai.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace riverlink::core {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

// Injected into services and engines; nothing reads the system clock directly.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// A clock that tests move by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : ms_(start.time_since_epoch().count()) {}
  TimePoint now() const override;
  void advance(std::chrono::milliseconds d);
  void set(TimePoint t);

 private:
  std::atomic<int64_t> ms_;
};

int64_t to_unix_ms(TimePoint t);
TimePoint from_unix_ms(int64_t ms);

// "2026-11-27T08:00:00.000Z"
std::string format_utc(TimePoint t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm)" and "YYYY-MM-DD HH:MM:SS" (taken as UTC).
std::optional<TimePoint> parse_utc(std::string_view s);
// "2026-11-27 16:00:00" in Asia/Shanghai, via the OS time-zone database.
std::string format_shanghai(TimePoint t);
// Local Asia/Shanghai wall time "YYYY-MM-DD HH:MM:SS" to UTC.
std::optional<TimePoint> parse_shanghai(std::string_view s);

}  // namespace riverlink::core
