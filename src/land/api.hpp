// HTTP face of the land module: /api/v1/land/... Announcements (lots, parcels) are public;
// bidders register, bid, opt in and quote; officers host lots, run cases and the fund;
// collective agents draft schemes, record votes and see distribution statements. Live lot
// updates stream as Server-Sent Events at /api/v1/land/lots/{id}/events.
#pragma once
#include "http/router.hpp"
#include "land/service.hpp"

namespace riverlink::land {

void register_routes(http::Router& router, Service& service);

}  // namespace riverlink::land
