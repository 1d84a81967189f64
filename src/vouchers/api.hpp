// HTTP face of the vouchers module: /api/v1/vouchers/...
#pragma once
#include "http/router.hpp"
#include "vouchers/service.hpp"

namespace riverlink::vouchers {
void register_routes(http::Router& router, Service& svc);
}  // namespace riverlink::vouchers
