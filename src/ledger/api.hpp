// Read-only HTTP views of the ledger: accounts (filter by ledger, code, division, owner),
// one account with balances now or as of a past time, its history with cursor pagination,
// and a CSV statement. Auditors and platform admins see every account; officers see the
// accounts whose division lies within their jurisdiction.
#pragma once
#include "http/router.hpp"
#include "ledger/service.hpp"

namespace riverlink::ledger {

void register_routes(http::Router& router, Service& service);

}  // namespace riverlink::ledger
