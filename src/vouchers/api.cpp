#include "vouchers/api.hpp"

namespace riverlink::vouchers {

using http::Request;
using http::Response;
using core::FieldSpec;
using core::JsonType;

namespace {
Response reply(const Result<J>& r, const Request& q, int status = 200) {
  if (!r.ok()) return Response::problem(r.error(), q.path);
  return Response::json(status, r.value());
}
Ctx ctx(const Request& r) { return {r.user().actor(), r.idempotency_key()}; }
std::optional<int64_t> opt_int(const J& j, const char* k) {
  if (j.contains(k) && j[k].is_number_integer()) return j[k].get<int64_t>();
  return std::nullopt;
}
int int_query(const Request& r, const char* name, int dflt) {
  auto v = r.query(name);
  if (!v) return dflt;
  try { return std::stoi(*v); } catch (...) { return -1; }
}
// The caller's own organisation of a kind, when the body does not name one.
std::string own_party(Service& s, const Request& r, const char* kind) {
  auto mine = s.my_party(r.user());
  if (!mine.ok()) return "";
  for (auto& p : (*mine)["items"]) if (p["kind"] == kind) return p["id"];
  return "";
}
}  // namespace

void register_routes(http::Router& router, Service& s) {
  using auth::Role;
  const std::string b = "/api/v1/vouchers";
  auto add = [&](http::RouteSpec spec, http::Handler h) {
    spec.tag = "vouchers";
    router.add(std::move(spec), std::move(h));
  };
  // --- issuers, policies, budgets
  add({.method = "GET", .pattern = b + "/issuers", .summary = "Voucher issuers (provinces, zone, city co-issuers)"},
      [&s](Request& r) { return reply(s.list_issuers(), r); });
  add({.method = "GET", .pattern = b + "/policies", .summary = "Policy versions", .query = {{"issuer", "issuer code"}}},
      [&s](Request& r) { return reply(s.list_policies(r.query("issuer")), r); });
  add({.method = "GET", .pattern = b + "/policies/{id}", .summary = "One policy version"},
      [&s](Request& r) { return reply(s.get_policy(r.param("id")), r); });
  add({.method = "POST", .pattern = b + "/policies", .summary = "Publish a policy version (officer of the issuer)",
       .roles = {Role::officer, Role::platform_admin},
       .body = core::Shape{{"issuer_code", JsonType::string}, {"doc_ref", JsonType::string}, {"label", JsonType::string},
                           {"effective_from", JsonType::string}, {"effective_to", JsonType::string}, {"params", JsonType::object},
                           {"supersede", JsonType::boolean, false}},
       .success_status = 201, .command = true},
      [&s](Request& r) { return reply(s.publish_policy(r.user(), ctx(r), r.json), r, 201); });
  add({.method = "POST", .pattern = b + "/budgets", .summary = "Appropriate budget to an issuer and year (ledger R1)",
       .roles = {Role::officer, Role::platform_admin},
       .body = core::Shape{{"issuer_code", JsonType::string}, {"year", JsonType::integer}, {"amount_fen", JsonType::integer}},
       .command = true},
      [&s](Request& r) {
        return reply(s.appropriate(r.user(), ctx(r), r.json["issuer_code"], r.json["year"].get<int>(), r.json["amount_fen"]), r);
      });
  // --- parties and catalogue
  add({.method = "POST", .pattern = b + "/parties", .summary = "Register an enterprise or provider",
       .roles = {Role::enterprise, Role::provider, Role::platform_admin},
       .body = core::Shape{{"kind", JsonType::string}, {"name", JsonType::string}, {"uscc", JsonType::string},
                           {"division_code", JsonType::string}, {"legal_rep", JsonType::string, false},
                           {"controller", JsonType::string, false}, {"shareholders", JsonType::array, false},
                           {"qualifications", JsonType::array, false}, {"user_id", JsonType::string, false}},
       .success_status = 201, .command = true},
      [&s](Request& r) { return reply(s.register_party(r.user(), ctx(r), r.json), r, 201); });
  add({.method = "GET", .pattern = b + "/parties/mine", .summary = "The caller's organisations"},
      [&s](Request& r) { return reply(s.my_party(r.user()), r); });
  add({.method = "GET", .pattern = b + "/parties/{id}", .summary = "One enterprise or provider with its recognitions"},
      [&s](Request& r) { return reply(s.get_party(r.param("id")), r); });
  add({.method = "POST", .pattern = b + "/parties/{id}/recognitions", .summary = "Recognise, suspend or revoke a provider for an issuer",
       .roles = {Role::officer, Role::platform_admin},
       .body = core::Shape{{"issuer_code", JsonType::string}, {"state", JsonType::string}}, .command = true},
      [&s](Request& r) { return reply(s.recognise(r.user(), ctx(r), r.param("id"), r.json["issuer_code"], r.json["state"]), r); });
  add({.method = "POST", .pattern = b + "/services", .summary = "List a service or instrument in the catalogue",
       .roles = {Role::provider, Role::platform_admin},
       .body = core::Shape{{"provider_id", JsonType::string, false}, {"kind", JsonType::string, false}, {"name", JsonType::string},
                           {"description", JsonType::string, false}, {"category", JsonType::string}, {"price_fen", JsonType::integer},
                           {"division_code", JsonType::string, false}, {"available", JsonType::boolean, false}},
       .success_status = 201, .command = true},
      [&s](Request& r) {
        J body = r.json;
        if (!body.contains("provider_id")) body["provider_id"] = own_party(s, r, "provider");
        return reply(s.add_service(r.user(), ctx(r), body), r, 201);
      });
  add({.method = "GET", .pattern = b + "/services/mine", .summary = "The calling provider's catalogue entries"},
      [&s](Request& r) { return reply(s.my_services(r.user()), r); });
  add({.method = "GET", .pattern = b + "/payouts", .summary = "Payouts: own obligations (payees) or those of the officer's issuers, paid and due",
       .query = {{"limit", "1..500"}}},
      [&s](Request& r) { return reply(s.payouts(r.user(), int_query(r, "limit", 200)), r); });
  add({.method = "GET", .pattern = b + "/search", .summary = "Search the catalogue (full text, Chinese-aware)",
       .query = {{"q", "text"}, {"category", "category code"}, {"division", "GB/T 2260 code"}, {"kind", "service | instrument"},
                 {"max_price_fen", "upper price bound"}, {"recognised_by", "issuer code"}, {"limit", "1..100"}}},
      [&s](Request& r) {
        SearchQuery q;
        q.text = r.query("q").value_or("");
        q.category = r.query("category");
        q.division = r.query("division");
        q.kind = r.query("kind");
        q.recognised_by = r.query("recognised_by");
        if (auto m = r.query("max_price_fen")) {
          try { q.max_price_fen = std::stoll(*m); } catch (...) {
            return Response::problem(Error::field("vouchers.bad_price", "max_price_fen", "must be an integer"), r.path);
          }
        }
        q.limit = int_query(r, "limit", 20);
        return reply(s.search(q), r);
      });
  // --- grants
  add({.method = "POST", .pattern = b + "/grants", .summary = "Issue an enterprise's annual voucher grant (ledger R2)",
       .roles = {Role::officer, Role::platform_admin},
       .body = core::Shape{{"enterprise_id", JsonType::string}, {"issuer_code", JsonType::string}, {"year", JsonType::integer}},
       .success_status = 201, .command = true},
      [&s](Request& r) {
        return reply(s.grant(r.user(), ctx(r), r.json["enterprise_id"], r.json["issuer_code"], r.json["year"].get<int>()), r, 201);
      });
  add({.method = "GET", .pattern = b + "/quota/{enterprise_id}", .summary = "An enterprise's grants and quota from the ledger"},
      [&s](Request& r) { return reply(s.quota(r.user(), r.param("enterprise_id")), r); });
  // --- marketplace
  add({.method = "GET", .pattern = b + "/demands", .summary = "Demands (own for enterprises, open ones for providers)",
       .query = {{"limit", "1..500"}}},
      [&s](Request& r) { return reply(s.list_demands(r.user(), int_query(r, "limit", 100)), r); });
  add({.method = "POST", .pattern = b + "/demands", .summary = "Post a demand", .roles = {Role::enterprise, Role::platform_admin},
       .body = core::Shape{{"enterprise_id", JsonType::string, false}, {"title", JsonType::string}, {"description", JsonType::string, false},
                           {"category", JsonType::string}, {"budget_fen", JsonType::integer}},
       .success_status = 201, .command = true},
      [&s](Request& r) {
        J body = r.json;
        if (!body.contains("enterprise_id")) body["enterprise_id"] = own_party(s, r, "enterprise");
        return reply(s.post_demand(r.user(), ctx(r), body), r, 201);
      });
  add({.method = "GET", .pattern = b + "/demands/{id}/quotes", .summary = "Quotes for a demand, cheapest first, with provider ratings"},
      [&s](Request& r) { return reply(s.list_quotes(r.user(), r.param("id")), r); });
  add({.method = "POST", .pattern = b + "/demands/{id}/quotes", .summary = "Quote on a demand", .roles = {Role::provider, Role::platform_admin},
       .body = core::Shape{{"provider_id", JsonType::string, false}, {"service_id", JsonType::string, false},
                           {"amount_fen", JsonType::integer}, {"note", JsonType::string, false}},
       .success_status = 201, .command = true},
      [&s](Request& r) {
        J body = r.json;
        if (!body.contains("provider_id")) body["provider_id"] = own_party(s, r, "provider");
        return reply(s.submit_quote(r.user(), ctx(r), r.param("id"), body), r, 201);
      });
  add({.method = "POST", .pattern = b + "/quotes/{id}/award", .summary = "Choose a quote: creates a draft contract",
       .roles = {Role::enterprise, Role::platform_admin}, .success_status = 201, .command = true},
      [&s](Request& r) { return reply(s.award(r.user(), ctx(r), r.param("id")), r, 201); });
  add({.method = "GET", .pattern = b + "/contracts", .summary = "Contracts visible to the caller",
       .query = {{"state", "filter by state"}, {"limit", "1..500"}}},
      [&s](Request& r) { return reply(s.list_contracts(r.user(), r.query("state"), int_query(r, "limit", 100)), r); });
  add({.method = "GET", .pattern = b + "/contracts/{id}", .summary = "A contract with its policy, flags, evidence, obligations and ledger transfers"},
      [&s](Request& r) { return reply(s.get_contract(r.user(), r.param("id")), r); });
  add({.method = "GET", .pattern = b + "/contracts/{id}/audit", .summary = "The audit entries of a contract's commands, oldest first"},
      [&s](Request& r) { return reply(s.contract_audit(r.user(), r.param("id")), r); });
  add({.method = "POST", .pattern = b + "/contracts/{id}/sign", .summary = "Sign: binds the policy in force and holds the voucher on the ledger",
       .roles = {Role::enterprise, Role::platform_admin}, .body = core::Shape{{"policy_id", JsonType::string, false}}, .command = true},
      [&s](Request& r) {
        std::optional<std::string> pid;
        if (r.json.contains("policy_id")) pid = r.json["policy_id"].get<std::string>();
        return reply(s.sign(r.user(), ctx(r), r.param("id"), pid), r);
      });
  add({.method = "POST", .pattern = b + "/contracts/{id}/deliver", .summary = "Deliver with evidence files (SHA-256 recorded)",
       .roles = {Role::provider, Role::platform_admin}, .body = core::Shape{{"evidence", JsonType::array}}, .command = true},
      [&s](Request& r) { return reply(s.deliver(r.user(), ctx(r), r.param("id"), r.json["evidence"]), r); });
  add({.method = "POST", .pattern = b + "/contracts/{id}/accept", .summary = "Accept delivery and request redemption with the invoice",
       .roles = {Role::enterprise, Role::platform_admin}, .body = core::Shape{{"invoice_no", JsonType::string}}, .command = true},
      [&s](Request& r) { return reply(s.accept(r.user(), ctx(r), r.param("id"), r.json["invoice_no"]), r); });
  add({.method = "POST", .pattern = b + "/contracts/{id}/dispute", .summary = "Dispute a delivery",
       .roles = {Role::enterprise, Role::platform_admin}, .body = core::Shape{{"reason", JsonType::string}}, .command = true},
      [&s](Request& r) { return reply(s.dispute(r.user(), ctx(r), r.param("id"), r.json["reason"]), r); });
  add({.method = "POST", .pattern = b + "/contracts/{id}/review", .summary = "Officer review: approve (post) or reject (void)",
       .roles = {Role::officer, Role::platform_admin},
       .body = core::Shape{{"decision", JsonType::string}, {"approved_fen", JsonType::integer, false}, {"note", JsonType::string, false}},
       .command = true},
      [&s](Request& r) {
        std::string d = r.json["decision"];
        if (d != "approve" && d != "reject") return Response::problem(Error::field("vouchers.bad_decision", "decision", "approve or reject"), r.path);
        return reply(s.review(r.user(), ctx(r), r.param("id"), d == "approve", opt_int(r.json, "approved_fen"), r.json.value("note", "")), r);
      });
  add({.method = "POST", .pattern = b + "/contracts/{id}/cancel", .summary = "Cancel: voids the hold",
       .roles = {Role::enterprise, Role::officer, Role::platform_admin}, .command = true},
      [&s](Request& r) { return reply(s.cancel(r.user(), ctx(r), r.param("id")), r); });
  add({.method = "POST", .pattern = b + "/contracts/{id}/rate", .summary = "Rate the other party (1..5)",
       .roles = {Role::enterprise, Role::provider},
       .body = core::Shape{{"score", JsonType::integer}, {"comment", JsonType::string, false}}, .command = true},
      [&s](Request& r) { return reply(s.rate(r.user(), ctx(r), r.param("id"), r.json["score"].get<int>(), r.json.value("comment", "")), r); });
  add({.method = "POST", .pattern = b + "/expire", .summary = "Release holds of vouchers past their validity (ledger R7)",
       .roles = {Role::officer, Role::platform_admin}, .command = true},
      [&s](Request& r) { return reply(s.expire_due(r.user(), ctx(r)), r); });
  // --- anti-fraud
  add({.method = "GET", .pattern = b + "/flags", .summary = "Fraud flags", .roles = {Role::officer, Role::platform_admin, Role::auditor},
       .query = {{"state", "open | cleared | upheld"}}},
      [&s](Request& r) { return reply(s.list_flags(r.user(), r.query("state")), r); });
  add({.method = "POST", .pattern = b + "/flags/{id}/decide", .summary = "Decide a flag: clear, or uphold (voids the contract)",
       .roles = {Role::officer, Role::platform_admin},
       .body = core::Shape{{"decision", JsonType::string}, {"note", JsonType::string}}, .command = true},
      [&s](Request& r) {
        std::string d = r.json["decision"];
        if (d != "clear" && d != "uphold") return Response::problem(Error::field("vouchers.bad_decision", "decision", "clear or uphold"), r.path);
        return reply(s.decide_flag(r.user(), ctx(r), r.param("id"), d == "uphold", r.json["note"]), r);
      });
  add({.method = "POST", .pattern = b + "/external-claims", .summary = "Register an invoice (or, kind=contract, a contract id) claimed in another programme or jurisdiction",
       .roles = {Role::officer, Role::platform_admin},
       .body = core::Shape{{"invoice_no", JsonType::string}, {"issuer_code", JsonType::string}, {"source", JsonType::string},
                           {"kind", JsonType::string, false}},
       .success_status = 201, .command = true},
      [&s](Request& r) {
        return reply(s.register_external_claim(r.user(), ctx(r), r.json["invoice_no"], r.json["issuer_code"], r.json["source"],
                                               r.json.value("kind", "invoice")), r, 201);
      });
  // --- settlement
  add({.method = "POST", .pattern = b + "/settlements", .summary = "Run settlement for an issuer and period: pays approved obligations once",
       .roles = {Role::officer, Role::platform_admin},
       .body = core::Shape{{"issuer_code", JsonType::string}, {"period", JsonType::string}}, .success_status = 201, .command = true},
      [&s](Request& r) { return reply(s.settle(r.user(), ctx(r), r.json["issuer_code"], r.json["period"]), r, 201); });
  add({.method = "GET", .pattern = b + "/settlements", .summary = "Settlement batches", .query = {{"issuer", "issuer code"}}},
      [&s](Request& r) { return reply(s.list_batches(r.query("issuer")), r); });
  add({.method = "GET", .pattern = b + "/settlements/{id}/statement.csv", .summary = "A batch's CSV statement", .produces = "text/csv"},
      [&s](Request& r) {
        auto c = s.batch_csv(r.param("id"));
        if (!c.ok()) return Response::problem(c.error(), r.path);
        return Response::csv(*c, "settlement-" + r.param("id") + ".csv");
      });
  add({.method = "GET", .pattern = b + "/reports/flow-matrix", .summary = "Issuer × provider location: amounts, counts, optional multilateral netting",
       .query = {{"from", "YYYY-MM"}, {"to", "YYYY-MM"}, {"netting", "1 to compute net positions"}}},
      [&s](Request& r) {
        return reply(s.flow_matrix(r.query("from").value_or("0000-00"), r.query("to").value_or("9999-99"), r.query("netting") == std::optional<std::string>("1")), r);
      });
  // --- reports
  add({.method = "GET", .pattern = b + "/reports/flows", .summary = "Order amounts by jurisdiction pair and month",
       .query = {{"from", "YYYY-MM"}, {"to", "YYYY-MM"}}},
      [&s](Request& r) { return reply(s.report_flows(r.query("from").value_or("0000-00"), r.query("to").value_or("9999-99")), r); });
  add({.method = "GET", .pattern = b + "/reports/budgets", .summary = "Budget burn-down and utilisation per issuer (from the ledger)",
       .query = {{"year", "fiscal year"}}},
      [&s](Request& r) {
        std::optional<int> y;
        if (r.query("year")) y = int_query(r, "year", 0);
        return reply(s.report_budgets(y), r);
      });
  add({.method = "GET", .pattern = b + "/reports/categories", .summary = "Top service categories", .query = {{"limit", "1..100"}}},
      [&s](Request& r) { return reply(s.report_categories(int_query(r, "limit", 10)), r); });
  add({.method = "GET", .pattern = b + "/reports/summary", .summary = "Order totals and per-pair sums straight from the contracts"},
      [&s](Request& r) { return reply(s.report_summary(), r); });
  add({.method = "GET", .pattern = b + "/consistency", .summary = "Workflow ↔ ledger agreement check",
       .roles = {Role::auditor, Role::platform_admin, Role::officer}},
      [&s](Request& r) {
        auto c = s.check_consistency();
        if (!c.ok()) return Response::problem(c.error(), r.path);
        return Response::json(200, {{"consistent", c->empty()}, {"problems", *c}});
      });
}

}  // namespace riverlink::vouchers
