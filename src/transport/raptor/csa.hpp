// Connection Scan (Dibbelt, Pajor, Strasser, Wagner) earliest arrival: an independent oracle for
// RAPTOR in tests only. Same routing semantics (minimum change time at a stop, one footpath hop
// from the origin or after a trip, service days D-1..D+2, 24 h horizon), different algorithm.
#pragma once
#include <cstdint>
#include <vector>

#include "transport/timetable/timetable.hpp"

namespace riverlink::transport {

class ConnectionScan {
 public:
  // Connections of all trip instances usable from query date `day` (days since 1970-01-01).
  ConnectionScan(const Timetable& tt, std::int32_t day);
  // Earliest arrival in seconds from midnight of the query date, or -1 when unreachable within
  // 24 h of the departure.
  std::int32_t earliest(const std::vector<std::uint32_t>& origins, const std::vector<std::uint32_t>& targets,
                        std::int32_t departure, std::uint32_t modes = kAllModes);
  std::size_t connections() const { return conns_.size(); }

 private:
  struct Conn {
    std::int32_t dep, arr;
    std::uint32_t from, to;
    std::uint32_t instance;  // (global trip slot) * 4 + offset + 1
    std::uint16_t pos;
    std::uint8_t no_pickup, no_drop;
    std::uint8_t mode;
  };
  const Timetable& tt_;
  std::vector<Conn> conns_;
  std::vector<std::uint8_t> reached_;
  std::vector<std::int32_t> arr_trip_, arr_foot_;
};

}  // namespace riverlink::transport
