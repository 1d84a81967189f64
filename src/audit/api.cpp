#include "audit/api.hpp"

#include "audit/audit.hpp"

namespace riverlink::audit {

using http::Request;
using http::Response;

core::Json to_json(const VerifyReport& r) {
  return {{"ok", r.ok},
          {"entries", r.entries},
          {"first_bad_seq", r.first_bad_seq ? core::Json(*r.first_bad_seq) : core::Json()},
          {"problem", r.problem},
          {"head_hash", r.head_hash}};
}

jobs::Work verify_job(store::Database& db) {
  return [&db](jobs::Context& ctx) -> Result<core::Json> {
    auto rep = verify(db, [&](int64_t done, int64_t total) {
      ctx.progress(total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0,
                   std::to_string(done) + "/" + std::to_string(total));
      return !ctx.cancelled();
    });
    if (!rep.ok()) return rep.error();
    return to_json(*rep);
  };
}

void register_routes(http::Router& router, store::Database& db, jobs::Runner& runner) {
  const std::vector<auth::Role> readers = {auth::Role::platform_admin, auth::Role::auditor};
  router.add({.method = "GET", .pattern = "/api/v1/audit/entries", .summary = "Audit entries, newest first",
              .tag = "audit", .roles = readers,
              .query = {{"cursor", "seq of the last entry on the previous page"}, {"limit", "1..500"},
                        {"module", "only entries of this module"}}},
             [&db](Request& r) {
               int limit = 50;
               std::optional<int64_t> cursor;
               try {
                 if (auto l = r.query("limit")) limit = std::stoi(*l);
                 if (auto c = r.query("cursor"); c && !c->empty()) cursor = std::stoll(*c);
               } catch (...) {
                 limit = -1;
               }
               if (limit < 1 || limit > 500) {
                 return Response::problem(Error::field("audit.bad_page", "limit", "limit must be 1..500 and cursor an integer"), r.path);
               }
               auto tx = db.begin(store::TxKind::read);
               auto page = list(*tx, cursor, limit, true, r.query("module"));
               core::Json items = core::Json::array();
               for (const auto& e : page.items) items.push_back(to_json(e, false));
               return Response::json(200, {{"items", items},
                                           {"next_cursor", page.next_cursor ? core::Json(std::to_string(*page.next_cursor)) : core::Json()}});
             });
  router.add({.method = "GET", .pattern = "/api/v1/audit/entries/{seq}", .summary = "One audit entry with its payload",
              .tag = "audit", .roles = readers},
             [&db](Request& r) {
               int64_t seq = 0;
               try { seq = std::stoll(r.param("seq")); } catch (...) { seq = 0; }
               auto tx = db.begin(store::TxKind::read);
               auto page = list(*tx, seq + 1, 1, true);
               if (seq <= 0 || page.items.empty() || page.items[0].seq != seq) {
                 return Response::problem(404, "audit.not_found", "no audit entry " + r.param("seq"));
               }
               return Response::json(200, to_json(page.items[0], true));
             });
  router.add({.method = "POST", .pattern = "/api/v1/audit/verify",
              .summary = "Verify the hash chain as a background job (202 with the job id)", .tag = "audit",
              .roles = readers, .success_status = 202, .command = true},
             [&db, &runner](Request& r) {
               auto j = runner.submit({r.user().actor(), r.idempotency_key()}, "audit.verify", core::Json::object(),
                                      verify_job(db));
               if (!j.ok()) return Response::problem(j.error(), r.path);
               return Response::json(202, {{"job_id", j->id}});
             });
}

}  // namespace riverlink::audit
