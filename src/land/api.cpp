#include "land/api.hpp"

#include <charconv>

namespace riverlink::land {

using auth::Role;
using core::Json;
using core::JsonType;
using http::Request;
using http::Response;

namespace {

constexpr const char* kTag = "land";

audit::CommandContext ctx_of(const Request& r) {
  return {r.user().actor(), r.idempotency_key()};
}

Response reply(const Result<Json>& r, const Request& req, int status = 200) {
  if (!r.ok()) return Response::problem(r.error(), req.path);
  return Response::json(status, r.value());
}

// A lot input: 200 with the lot when accepted, else the engine's refusal as a problem.
Response input_reply(const Result<InputReply>& r, const Request& req) {
  if (!r.ok()) return Response::problem(r.error(), req.path);
  const std::string res = r->result.value("result", "");
  if (res != "ok") {
    auto code = auction::parse_result(res);
    return Response::problem(code ? to_error(*code)
                                  : Error::make(ErrorKind::internal, "land.unknown_result", res),
                             req.path);
  }
  Json j = r->result;
  j["replayed"] = r->replayed;
  return Response::json(200, j);
}

int int_query(const Request& r, const char* name, int dflt) {
  auto v = r.query(name);
  if (!v) return dflt;
  int out = dflt;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  return ec == std::errc{} && p == v->data() + v->size() ? out : dflt;
}

class LotEvents final : public http::EventStream {
 public:
  LotEvents(Lots& lots, std::string id) : lots_(lots), id_(std::move(id)) {}
  std::string next(bool& done) override {
    (void)lots_.tick(id_);
    auto j = lots_.get(id_);
    if (!j.ok()) {
      done = true;
      return http::sse_event("error", {{"detail", j.error().message}});
    }
    Json cmp = *j;
    cmp.erase("server_time");
    std::string text = cmp.dump();
    if (text == last_) return ++idle_ % 20 == 0 ? http::sse_event("time", {{"server_time", (*j)["server_time"]}}) : "";
    last_ = std::move(text);
    if ((*j)["phase"] == "sold" || (*j)["phase"] == "not_sold") {
      done = true;
      return http::sse_event("lot", *j) + http::sse_event("done", *j);
    }
    return http::sse_event("lot", *j);
  }
  int poll_interval_ms() const override { return 200; }

 private:
  Lots& lots_;
  std::string id_;
  std::string last_;
  int idle_ = 0;
};

Result<Json> parse_body(const Request& r) {
  if (r.body.empty()) return Json::object();
  auto j = core::parse_json(r.body);
  if (!j.ok()) return j.error();
  if (!j->is_object()) return Error::field("json.not_object", "", "the request body must be a JSON object");
  return *j;
}

}  // namespace

void register_routes(http::Router& router, Service& svc) {
  Lots& lots = svc.lots();
  const std::vector<Role> officers = {Role::officer, Role::platform_admin};
  const std::vector<Role> case_roles = {Role::officer, Role::collective_agent, Role::platform_admin,
                                        Role::auditor, Role::bank};

  // ---- announcements and live lots (public)
  router.add({.method = "GET", .pattern = "/api/v1/land/lots", .summary = "Lots announced for trading (public)",
              .tag = kTag, .access = http::Access::public_,
              .query = {{"division", "GB/T 2260 prefix"}, {"limit", "1..500"}}},
             [&lots](Request& r) {
               (void)lots.tick_all();  // phases whose deadlines passed without inputs
               return reply(lots.list(r.query("division"), int_query(r, "limit", 100)), r);
             });
  router.add({.method = "GET", .pattern = "/api/v1/land/lots/{id}", .summary = "A lot's live state (public)",
              .tag = kTag, .access = http::Access::public_},
             [&lots](Request& r) {
               (void)lots.tick(r.param("id"));  // deadlines passed without inputs (no write otherwise)
               return reply(lots.get(r.param("id")), r);
             });
  router.add({.method = "GET", .pattern = "/api/v1/land/lots/{id}/bids", .summary = "Accepted bids in order, by paddle (public; sealed tenders hidden)",
              .tag = kTag, .access = http::Access::public_,
              .query = {{"after", "sequence number"}, {"limit", "1..1000"}}},
             [&lots](Request& r) { return reply(lots.bids(r.param("id"), int_query(r, "after", 0), int_query(r, "limit", 200)), r); });
  router.add({.method = "GET", .pattern = "/api/v1/land/lots/{id}/events", .summary = "Live lot updates (Server-Sent Events: lot, time, done)",
              .tag = kTag, .access = http::Access::public_, .produces = "text/event-stream"},
             [&lots](Request& r) {
               auto j = lots.get(r.param("id"));
               if (!j.ok()) return Response::problem(j.error(), r.path);
               Response resp;
               resp.stream = std::make_shared<LotEvents>(lots, r.param("id"));
               return resp;
             });
  router.add({.method = "GET", .pattern = "/api/v1/land/lots/{id}/me", .summary = "The signed-in bidder's standing on a lot",
              .tag = kTag, .roles = {Role::bidder}},
             [&lots](Request& r) { return reply(lots.standing(r.param("id"), r.user().user_id), r); });

  // ---- bidders
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/register", .summary = "Register for a lot; holds the deposit on the ledger",
              .tag = kTag, .roles = {Role::bidder}, .command = true},
             [&lots](Request& r) { return input_reply(lots.register_bidder(r.user(), r.idempotency_key(), r.param("id")), r); });
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/bids", .summary = "Place a bid (server time; irrevocable)",
              .tag = kTag, .roles = {Role::bidder},
              .body = core::Shape{{"amount_fen", JsonType::integer, true, false, "the bid in fen"}}, .command = true},
             [&lots](Request& r) {
               return input_reply(lots.bid(r.user(), r.idempotency_key(), r.param("id"), r.json["amount_fen"].get<int64_t>()), r);
             });
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/opt-in", .summary = "Confirm joining timed bidding",
              .tag = kTag, .roles = {Role::bidder}, .command = true},
             [&lots](Request& r) { return input_reply(lots.opt_in(r.user(), r.idempotency_key(), r.param("id")), r); });
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/quotes", .summary = "One-shot sealed quote at the price cap",
              .tag = kTag, .roles = {Role::bidder},
              .body = core::Shape{{"amount_fen", JsonType::integer}}, .command = true},
             [&lots](Request& r) {
               return input_reply(lots.quote(r.user(), r.idempotency_key(), r.param("id"), r.json["amount_fen"].get<int64_t>()), r);
             });

  // ---- hosts (officers)
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/call", .summary = "Live auction: call the current price once more (3 calls: hammer)",
              .tag = kTag, .roles = officers, .command = true},
             [&lots](Request& r) { return input_reply(lots.call(r.user(), r.idempotency_key(), r.param("id")), r); });
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/increment", .summary = "Adjust the increment (logged)",
              .tag = kTag, .roles = officers, .body = core::Shape{{"increment_fen", JsonType::integer}}, .command = true},
             [&lots](Request& r) {
               return input_reply(lots.adjust_increment(r.user(), r.idempotency_key(), r.param("id"), r.json["increment_fen"].get<int64_t>()), r);
             });
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/reveal-reserve", .summary = "Reveal the sealed reserve (price and salt must match the commitment)",
              .tag = kTag, .roles = officers,
              .body = core::Shape{{"reserve_fen", JsonType::integer}, {"salt", JsonType::string}}, .command = true},
             [&lots](Request& r) {
               return input_reply(lots.reveal_reserve(r.user(), r.idempotency_key(), r.param("id"),
                                                      r.json["reserve_fen"].get<int64_t>(), r.json["salt"].get<std::string>()), r);
             });
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/scores", .summary = "Tender: one panel member's score for one bid",
              .tag = kTag, .roles = officers,
              .body = core::Shape{{"member", JsonType::integer}, {"bidder", JsonType::string}, {"score", JsonType::integer}},
              .command = true},
             [&lots](Request& r) {
               return input_reply(lots.score(r.user(), r.idempotency_key(), r.param("id"), r.json["member"].get<int>(),
                                             r.json["bidder"].get<std::string>(), r.json["score"].get<int>()), r);
             });
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/award", .summary = "Tender: award to the best total score",
              .tag = kTag, .roles = officers, .command = true},
             [&lots](Request& r) { return input_reply(lots.award(r.user(), r.idempotency_key(), r.param("id")), r); });
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/settle", .summary = "Refund losers' deposits, apply the winner's",
              .tag = kTag, .roles = officers, .command = true},
             [&lots](Request& r) { return reply(lots.settle(r.user(), ctx_of(r), r.param("id")), r); });
  router.add({.method = "POST", .pattern = "/api/v1/land/lots/{id}/forfeit", .summary = "The winner refused to sign: forfeit the deposit and blacklist",
              .tag = kTag, .roles = officers, .body = core::Shape{{"reason", JsonType::string}}, .command = true},
             [&lots](Request& r) { return reply(lots.forfeit(r.user(), ctx_of(r), r.param("id"), r.json["reason"].get<std::string>()), r); });
  router.add({.method = "GET", .pattern = "/api/v1/land/lots/{id}/verify", .summary = "Replay the lot's stored event log and compare with the live state",
              .tag = kTag, .roles = {Role::officer, Role::platform_admin, Role::auditor}},
             [&lots](Request& r) { return reply(lots.verify_replay(r.param("id")), r); });
  router.add({.method = "POST", .pattern = "/api/v1/land/deposits", .summary = "Bank confirmation of a deposit paid into a bidder's sub-account",
              .tag = kTag, .roles = {Role::officer, Role::bank, Role::platform_admin},
              .body = core::Shape{{"bidder", JsonType::string}, {"amount_fen", JsonType::integer}}, .command = true},
             [&lots](Request& r) {
               return reply(lots.pay_in(r.user(), ctx_of(r), r.json["bidder"].get<std::string>(), r.json["amount_fen"].get<int64_t>()), r);
             });

  // ---- parcels and collectives
  router.add({.method = "GET", .pattern = "/api/v1/land/parcels", .summary = "Parcels with geometry, area (m², mu) and eligibility (public)",
              .tag = kTag, .access = http::Access::public_, .query = {{"division", "GB/T 2260 code"}, {"limit", "1..1000"}}},
             [&svc](Request& r) { return reply(svc.parcels(r.query("division"), int_query(r, "limit", 500)), r); });
  router.add({.method = "GET", .pattern = "/api/v1/land/parcels/{id}", .summary = "One parcel (public)",
              .tag = kTag, .access = http::Access::public_},
             [&svc](Request& r) { return reply(svc.parcel(r.param("id")), r); });
  router.add({.method = "POST", .pattern = "/api/v1/land/parcels", .summary = "Register a parcel (GeoJSON Polygon; area computed geodesically)",
              .tag = kTag, .roles = officers, .success_status = 201, .command = true},
             [&svc](Request& r) {
               auto b = parse_body(r);
               if (!b.ok()) return Response::problem(b.error(), r.path);
               return reply(svc.create_parcel(r.user(), ctx_of(r), *b), r, 201);
             });
  router.add({.method = "POST", .pattern = "/api/v1/land/collectives", .summary = "Register a collective and its member/share register",
              .tag = kTag, .roles = officers, .success_status = 201, .command = true},
             [&svc](Request& r) {
               auto b = parse_body(r);
               if (!b.ok()) return Response::problem(b.error(), r.path);
               return reply(svc.create_collective(r.user(), ctx_of(r), *b), r, 201);
             });

  // ---- entry cases
  router.add({.method = "GET", .pattern = "/api/v1/land/cases", .summary = "Entry cases in your jurisdiction",
              .tag = kTag, .roles = case_roles, .query = {{"state", "filter by state"}, {"limit", "1..500"}}},
             [&svc](Request& r) { return reply(svc.cases(r.user(), r.query("state"), int_query(r, "limit", 200)), r); });
  router.add({.method = "POST", .pattern = "/api/v1/land/cases", .summary = "Open an entry case for a parcel",
              .tag = kTag, .roles = {Role::officer, Role::collective_agent, Role::platform_admin},
              .body = core::Shape{{"parcel_id", JsonType::string}, {"route", JsonType::string, true, false, "in_place | consolidation | urban_village"}},
              .success_status = 201, .command = true},
             [&svc](Request& r) {
               return reply(svc.open_case(r.user(), ctx_of(r), r.json["parcel_id"], r.json["route"]), r, 201);
             });
  router.add({.method = "GET", .pattern = "/api/v1/land/cases/{id}", .summary = "One entry case with its scheme, vote, filing, result, contract, fund",
              .tag = kTag, .roles = case_roles},
             [&svc](Request& r) { return reply(svc.get_case(r.user(), r.param("id")), r); });
  router.add({.method = "GET", .pattern = "/api/v1/land/cases/{id}/events", .summary = "The case's transitions in order",
              .tag = kTag, .roles = case_roles},
             [&svc](Request& r) { return reply(svc.case_events(r.user(), r.param("id")), r); });
  router.add({.method = "POST", .pattern = "/api/v1/land/cases/{id}/transitions/{command}",
              .summary = "Advance a case: check_eligibility, issue_planning, draft_scheme, vote, file_scheme, review, announce, "
                         "record_result, sign_contract, record_payment, settle_fund, distribute, register, suspend, resume, terminate",
              .tag = kTag, .roles = {Role::officer, Role::collective_agent, Role::bank, Role::platform_admin}, .command = true},
             [&svc](Request& r) {
               auto b = parse_body(r);
               if (!b.ok()) return Response::problem(b.error(), r.path);
               return reply(svc.transition(r.user(), ctx_of(r), r.param("id"), r.param("command"), *b), r);
             });
  router.add({.method = "GET", .pattern = "/api/v1/land/cases/{id}/statements", .summary = "Members' distribution statements",
              .tag = kTag, .roles = case_roles},
             [&svc](Request& r) { return reply(svc.statements(r.user(), r.param("id")), r); });
  router.add({.method = "GET", .pattern = "/api/v1/land/cases/{id}/rights", .summary = "Rights registered from the case (use right, leases, mortgages)",
              .tag = kTag, .roles = case_roles},
             [&svc](Request& r) { return reply(svc.rights(r.param("id")), r); });
  router.add({.method = "POST", .pattern = "/api/v1/land/rights/{id}/actions",
              .summary = "lease (≤ 20 years), mortgage, register_mortgage, discharge, transfer, renew, expire",
              .tag = kTag, .roles = officers, .command = true},
             [&svc](Request& r) {
               auto b = parse_body(r);
               if (!b.ok()) return Response::problem(b.error(), r.path);
               return reply(svc.right_action(r.user(), ctx_of(r), r.param("id"), *b), r);
             });

  // ---- adjustment fund
  router.add({.method = "POST", .pattern = "/api/v1/land/rate-tables", .summary = "Create or replace an adjustment-fund rate table",
              .tag = kTag, .roles = officers, .command = true},
             [&svc](Request& r) {
               auto b = parse_body(r);
               if (!b.ok()) return Response::problem(b.error(), r.path);
               return reply(svc.put_rate_table(r.user(), ctx_of(r), *b), r);
             });
  router.add({.method = "GET", .pattern = "/api/v1/land/fund/assess", .summary = "Assess the adjustment fund for a price",
              .tag = kTag, .roles = case_roles,
              .query = {{"table_id", "rate table", true}, {"use", "commercial | industrial"}, {"zone", "county_seat | town | elsewhere"},
                        {"method", "listing | auction | tender | agreement"}, {"event", "entry | retransfer"},
                        {"price_fen", "price", true}, {"acquisition_cost_fen", "cost"}, {"development_cost_fen", "cost"}}},
             [&svc](Request& r) {
               Json q = Json::object();
               for (const char* k : {"table_id", "use", "zone", "method", "event"}) {
                 if (auto v = r.query(k)) q[k] = *v;
               }
               for (const char* k : {"price_fen", "acquisition_cost_fen", "development_cost_fen"}) {
                 if (auto v = r.query(k)) {
                   int64_t n = 0;
                   auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
                   if (ec != std::errc{} || p != v->data() + v->size()) {
                     return Response::problem(Error::field("land.invalid_amount", k, "must be an integer (fen)"), r.path);
                   }
                   q[k] = n;
                 }
               }
               return reply(svc.assess_fund(q), r);
             });
}

}  // namespace riverlink::land
