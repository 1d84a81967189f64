// Jobs over HTTP: list, inspect, cancel, and an SSE progress stream.
#pragma once
#include "http/router.hpp"
#include "jobs/jobs.hpp"

namespace riverlink::jobs {

// Owners see their jobs; platform admins and auditors see all. Owners and admins may cancel.
Status can_view(const auth::Principal& p, const Job& j);
Status can_cancel(const auth::Principal& p, const Job& j);

void register_routes(http::Router& router, Runner& runner);

}  // namespace riverlink::jobs
