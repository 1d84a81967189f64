#include "transport/stats/api.hpp"

namespace riverlink::transport::stats {

using http::Request;
using http::Response;

namespace {
Response reply(const Result<core::Json>& r, const Request& q, int status = 200) {
  if (!r.ok()) return Response::problem(r.error(), q.path);
  return Response::json(status, r.value());
}
// Integer query parameter; nullopt when present but malformed.
std::optional<int> int_query(const Request& r, const char* name, int dflt) {
  auto v = r.query(name);
  if (!v) return dflt;
  try {
    std::size_t used = 0;
    int x = std::stoi(*v, &used);
    if (used != v->size()) return std::nullopt;
    return x;
  } catch (...) {
    return std::nullopt;
  }
}
}  // namespace

void register_routes(http::Router& router, Service& s) {
  const std::string b = "/api/v1/transit/stats";
  router.add({.method = "GET", .pattern = b + "/series", .summary = "Passenger statistics series (definitions that are never mixed) and coverage",
              .tag = "transport"},
             [&s](Request& r) { return reply(s.series(), r); });
  router.add({.method = "GET", .pattern = b + "/summary",
              .summary = "Year-to-date totals, year-on-year growth and mode shares within one series", .tag = "transport",
              .query = {{"series", "one series id (several are refused: series are never mixed)", true},
                        {"division", "GB/T 2260 division code, default 320000"},
                        {"year", "year", true},
                        {"through_month", "1-12; default the latest month with data"}}},
             [&s](Request& r) {
               auto year = int_query(r, "year", 0);
               auto through = int_query(r, "through_month", 0);
               if (!year) return Response::problem(Error::field("transport.bad_year", "year", "year must be an integer"), r.path);
               if (!through) return Response::problem(Error::field("transport.bad_month", "through_month", "through_month must be an integer"), r.path);
               return reply(s.summary(r.query("series").value_or(""), r.query("division").value_or("320000"), *year, *through), r);
             });
  router.add({.method = "GET", .pattern = b + "/monthly", .summary = "Monthly values of one series for a year and the year before",
              .tag = "transport",
              .query = {{"series", "one series id", true}, {"division", "division code, default 320000"}, {"year", "year", true}}},
             [&s](Request& r) {
               auto year = int_query(r, "year", 0);
               if (!year) return Response::problem(Error::field("transport.bad_year", "year", "year must be an integer"), r.path);
               return reply(s.monthly(r.query("series").value_or(""), r.query("division").value_or("320000"), *year), r);
             });
  router.add({.method = "GET", .pattern = b + "/imports", .summary = "Statistics imports, newest first", .tag = "transport",
              .query = {{"limit", "1-500, default 50"}}},
             [&s](Request& r) {
               auto limit = int_query(r, "limit", 50);
               if (!limit) return Response::problem(Error::field("transport.bad_limit", "limit", "limit must be an integer"), r.path);
               return reply(s.imports(*limit), r);
             });
  router.add({.method = "POST", .pattern = b + "/imports",
              .summary = "Import monthly passengers from CSV (series,division_code,mode,month,value); all rows or none",
              .tag = "transport", .roles = {auth::Role::officer, auth::Role::platform_admin},
              .body = core::Shape{{"file_name", core::JsonType::string}, {"csv", core::JsonType::string},
                                  {"source", core::JsonType::string, false}, {"demo", core::JsonType::boolean, false}},
              .success_status = 201, .command = true},
             [&s](Request& r) {
               return reply(s.import_csv(r.user(), {r.user().actor(), r.idempotency_key()}, r.json["file_name"], r.json["csv"],
                                         r.json.value("source", ""), r.json.value("demo", false)),
                            r, 201);
             });
}

}  // namespace riverlink::transport::stats
