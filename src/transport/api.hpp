// Read-only journey-planning API over a loaded timetable (public timetable information):
//   GET /api/v1/transit/feeds      loaded feeds, counts, service dates
//   GET /api/v1/transit/stops      stop search by name or id (q, limit)
//   GET /api/v1/transit/journeys   earliest arrival (or a range Pareto set) from -> to at a time
#pragma once
#include <memory>
#include <mutex>

#include "audit/command.hpp"
#include "auth/principal.hpp"
#include "http/router.hpp"
#include "transport/timetable/timetable.hpp"

namespace riverlink::transport {

class TransitService {
 public:
  explicit TransitService(Timetable tt) : tt_ptr_(std::make_shared<const Timetable>(std::move(tt))) {}
  // A service over a configured feed list (see expand_feed_list) that `reload` reads again.
  TransitService(Timetable tt, std::string feed_list, BuildOptions opts)
      : tt_ptr_(std::make_shared<const Timetable>(std::move(tt))), feed_list_(std::move(feed_list)), opts_(opts) {}
  // The current timetable; a reload swaps it, readers keep the one they took.
  std::shared_ptr<const Timetable> snapshot() const {
    std::lock_guard lock(mu_);
    return tt_ptr_;
  }
  const Timetable& timetable() const { return *snapshot(); }
  // Loads the configured feeds again (with the import check) and swaps the timetable in; on any
  // error the last good timetable stays and the error is returned (and shown by feeds()).
  // Platform admins only; audited through the command runner.
  Result<core::Json> reload(const auth::Principal& p, const audit::CommandContext& ctx, audit::CommandRunner& commands);
  core::Json feeds() const;
  Result<core::Json> stops(const std::string& q, int limit) const;
  // at: "YYYY-MM-DD HH:MM:SS" (hours may exceed 23); modes: as for the CLI; range_min 0: earliest.
  Result<core::Json> journeys(const std::string& from, const std::string& to, const std::string& at,
                              const std::string& modes, int range_min) const;
  // Travel time from `from` to every stop reachable within max_min minutes.
  Result<core::Json> isochrone(const std::string& from, const std::string& at, const std::string& modes, int max_min) const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Timetable> tt_ptr_;
  std::string feed_list_;
  BuildOptions opts_;
  std::string last_reload_error_;
};

// commands: when given, also POST /api/v1/transit/reload (platform admin).
void register_routes(http::Router& router, TransitService& service, audit::CommandRunner* commands = nullptr);

// The form of a name or query used by stop search (case, spaces and pinyin tone marks ignored).
std::string search_key(std::string_view text);

}  // namespace riverlink::transport
