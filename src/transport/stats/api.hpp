// Passenger statistics API:
//   GET  /api/v1/transit/stats/series    series definitions and their coverage
//   GET  /api/v1/transit/stats/summary   year-to-date totals, year-on-year growth, mode shares (one series)
//   GET  /api/v1/transit/stats/monthly   months of a year and the year before, per mode (one series)
//   GET  /api/v1/transit/stats/imports   import history
//   POST /api/v1/transit/stats/imports   import a CSV (officer within jurisdiction, platform admin)
#pragma once
#include "http/router.hpp"
#include "transport/stats/service.hpp"

namespace riverlink::transport::stats {
void register_routes(http::Router& router, Service& service);
}
