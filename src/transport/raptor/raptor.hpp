// RAPTOR (Delling, Pajor, Werneck) over a Timetable: exact earliest arrival, then the fewest
// trips among journeys reaching it; range RAPTOR over a departure window (Pareto set of
// departure, arrival, transfers); mode filter; journeys with legs.
//
// Semantics (docs: /work/shared/spec/transport.md, "Routing semantics"): times are seconds from
// midnight of the query date; trip instances of service days D-1..D+2 are usable; a same-stop
// change needs the stop's minimum transfer time; one footpath hop from the origin or after a
// trip (two labels per stop and round: by trip, on foot); horizon 24 h after departure.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "transport/timetable/timetable.hpp"

namespace riverlink::transport {

constexpr std::int32_t kInf = INT32_MAX / 2;
constexpr std::int32_t kHorizon = 86400;

struct Query {
  std::vector<std::uint32_t> origins;  // stop indices (already resolved)
  std::vector<std::uint32_t> targets;
  std::int32_t day = 0;        // days since 1970-01-01 of the query date
  std::int32_t departure = 0;  // seconds after midnight of the query date (may be >= 86400)
  std::uint32_t modes = kAllModes;
  int max_rounds = 32;
};

struct Leg {
  bool walk = false;
  std::uint32_t from = 0, to = 0;  // stop indices
  std::int32_t dep = 0, arr = 0;   // seconds from midnight of the query date
  std::uint32_t route = 0;         // timetable route (trip legs)
  std::uint32_t trip = 0;          // global trip slot: routes[route].trip_begin + t
  std::int32_t day_offset = 0;     // service day of the trip relative to the query date
  std::uint32_t board_pos = 0, alight_pos = 0;
};

struct Journey {
  std::int32_t dep = 0, arr = 0;
  int transfers = 0;  // trips - 1, 0 when no trip
  int trips = 0;
  std::vector<Leg> legs;
};

class Raptor {
 public:
  explicit Raptor(const Timetable& tt);
  // Earliest arrival (exact), fewest trips among journeys reaching it; nullopt if unreachable
  // within the horizon.
  std::optional<Journey> earliest(const Query& q);
  // Pareto set over departures in [q.departure, window_end]: no other journey leaves later,
  // arrives earlier and uses fewer trips. Sorted by departure.
  std::vector<Journey> range(const Query& q, std::int32_t window_end);
  // Earliest arrival at every stop (targets ignored), with the fewest trips reaching it;
  // time kInf when unreachable within the horizon. For travel-time maps.
  struct StopArrival {
    std::int32_t time = kInf;
    int trips = 0;
  };
  std::vector<StopArrival> arrivals(const Query& q);
  // Stats of the last search.
  int rounds() const { return rounds_; }

 private:
  struct TripLabel {
    std::int32_t time = kInf;
    std::uint32_t route = 0, trip = 0;
    std::uint16_t board = 0, alight = 0;
    std::int8_t offset = 0;
    std::uint8_t round = 0;
    std::uint8_t board_foot = 0;  // boarded from the on-foot label (else by-trip)
  };
  struct FootLabel {
    std::int32_t time = kInf;
    std::uint32_t from = UINT32_MAX;  // UINT32_MAX: the origin itself
    std::int32_t dur = 0;
    std::uint8_t round = 0;
  };
  void run(const Query& q);
  Journey extract(const Query& q, int round) const;
  bool is_target(std::uint32_t s) const { return target_flag_[s]; }

  const Timetable& tt_;
  std::vector<std::vector<TripLabel>> tl_;
  std::vector<std::vector<FootLabel>> fl_;
  std::vector<std::int32_t> best_trip_, best_foot_;
  std::vector<std::uint8_t> marked_, target_flag_;
  std::vector<std::uint32_t> marked_list_, trip_improved_;
  std::vector<std::uint32_t> route_start_, touched_routes_;
  std::vector<std::int32_t> round_arrival_;  // best target arrival after each round
  std::vector<std::uint32_t> round_target_;  // target stop giving it
  std::int32_t target_best_ = kInf;
  int rounds_ = 0;
};

// JSON for a journey (stop ids, names, HH:MM:SS times from midnight of the query date).
core::Json journey_json(const Timetable& tt, const Journey& j);

}  // namespace riverlink::transport
