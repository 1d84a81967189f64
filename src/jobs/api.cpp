#include "jobs/api.hpp"

namespace riverlink::jobs {

using http::Request;
using http::Response;

Status can_view(const auth::Principal& p, const Job& j) {
  if (p.actor() == j.owner || p.is(auth::Role::platform_admin) || p.is(auth::Role::auditor)) return ok_status();
  return Error::make(ErrorKind::not_found, "jobs.not_found", "no job " + j.id);
}

Status can_cancel(const auth::Principal& p, const Job& j) {
  if (p.actor() == j.owner || p.is(auth::Role::platform_admin)) return ok_status();
  return Error::make(ErrorKind::forbidden, "jobs.forbidden", "only the job's owner or an admin may cancel it");
}

namespace {
class JobEvents final : public http::EventStream {
 public:
  JobEvents(Runner& r, std::string id) : runner_(r), id_(std::move(id)) {}
  std::string next(bool& done) override {
    auto j = runner_.get(id_);
    if (!j.ok()) {
      done = true;
      return http::sse_event("error", {{"detail", j.error().message}});
    }
    auto js = to_json(*j);
    std::string text = js.dump();
    if (is_final(j->status)) {
      done = true;
      return http::sse_event("progress", js) + http::sse_event("done", js);
    }
    if (text == last_) return ++idle_ % 40 == 0 ? ": keep-alive\n\n" : "";
    last_ = std::move(text);
    return http::sse_event("progress", js);
  }

 private:
  Runner& runner_;
  std::string id_;
  std::string last_;
  int idle_ = 0;
};
}  // namespace

void register_routes(http::Router& router, Runner& runner) {
  router.add({.method = "GET", .pattern = "/api/v1/jobs", .summary = "List jobs (own, or all for admins and auditors)",
              .tag = "jobs", .query = {{"cursor", "id of the last job on the previous page"}, {"limit", "1..200"},
                                       {"all", "admins and auditors: 1 lists everyone's jobs"}}},
             [&runner](Request& r) {
               int limit = 50;
               if (auto l = r.query("limit")) {
                 try { limit = std::stoi(*l); } catch (...) { limit = -1; }
                 if (limit < 1 || limit > 200) {
                   return Response::problem(Error::field("jobs.bad_limit", "limit", "must be an integer 1..200"), r.path);
                 }
               }
               const auto& p = r.user();
               bool all = r.query("all") == std::optional<std::string>("1") &&
                          (p.is(auth::Role::platform_admin) || p.is(auth::Role::auditor));
               std::optional<std::string> next;
               auto jobs = runner.list(all ? "" : p.actor(), r.query("cursor"), limit, next);
               if (!jobs.ok()) return Response::problem(jobs.error(), r.path);
               core::Json items = core::Json::array();
               for (const auto& j : *jobs) items.push_back(to_json(j));
               return Response::json(200, {{"items", items}, {"next_cursor", next ? core::Json(*next) : core::Json()}});
             });
  router.add({.method = "GET", .pattern = "/api/v1/jobs/{id}", .summary = "One job's status and progress", .tag = "jobs"},
             [&runner](Request& r) {
               auto j = runner.get(r.param("id"));
               if (!j.ok()) return Response::problem(j.error(), r.path);
               if (auto s = can_view(r.user(), *j); !s.ok()) return Response::problem(s.error(), r.path);
               return Response::json(200, to_json(*j));
             });
  router.add({.method = "POST", .pattern = "/api/v1/jobs/{id}/cancel", .summary = "Ask a job to stop", .tag = "jobs",
              .command = true},
             [&runner](Request& r) {
               auto j = runner.get(r.param("id"));
               if (!j.ok()) return Response::problem(j.error(), r.path);
               if (auto s = can_view(r.user(), *j); !s.ok()) return Response::problem(s.error(), r.path);
               if (auto s = can_cancel(r.user(), *j); !s.ok()) return Response::problem(s.error(), r.path);
               auto c = runner.cancel({r.user().actor(), r.idempotency_key()}, j->id);
               if (!c.ok()) return Response::problem(c.error(), r.path);
               return Response::json(200, to_json(*c));
             });
  router.add({.method = "GET", .pattern = "/api/v1/jobs/{id}/events",
              .summary = "Server-Sent Events: progress events, then done", .tag = "jobs",
              .produces = "text/event-stream"},
             [&runner](Request& r) {
               auto j = runner.get(r.param("id"));
               if (!j.ok()) return Response::problem(j.error(), r.path);
               if (auto s = can_view(r.user(), *j); !s.ok()) return Response::problem(s.error(), r.path);
               Response res;
               res.stream = std::make_shared<JobEvents>(runner, j->id);
               return res;
             });
}

}  // namespace riverlink::jobs
