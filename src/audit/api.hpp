// The audit log over HTTP: entries (admins, auditors) and chain verification as a job.
#pragma once
#include "http/router.hpp"
#include "jobs/jobs.hpp"

namespace riverlink::audit {

// The verification job: walks the chain with progress; its result is the VerifyReport as JSON.
jobs::Work verify_job(store::Database& db);
core::Json to_json(const struct VerifyReport& r);

void register_routes(http::Router& router, store::Database& db, jobs::Runner& runner);

}  // namespace riverlink::audit
