#include "ledger/api.hpp"

#include <charconv>

#include "auth/principal.hpp"

namespace riverlink::ledger {

using http::Request;
using http::Response;
using auth::Role;

namespace {

const std::vector<Role> kReaders = {Role::auditor, Role::platform_admin, Role::officer};

Result<Id128> path_id(const Request& r) {
  auto id = Id128::parse(r.param("id"));
  if (!id || id->is_zero() || id->is_max()) {
    return Error::field("ledger.invalid_id", "id", "an account id is a UUID");
  }
  return *id;
}

Result<std::optional<int64_t>> int_query(const Request& r, const char* name, int64_t lo, int64_t hi) {
  auto v = r.query(name);
  if (!v) return std::optional<int64_t>{};
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc{} || p != v->data() + v->size() || out < lo || out > hi) {
    return Error::field("ledger.invalid_" + std::string(name), name,
                        "must be an integer " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return std::optional<int64_t>{out};
}

// ISO 8601 -> ledger ns; an instant names its whole millisecond (inclusive bound).
Result<std::optional<int64_t>> time_query(const Request& r, const char* name) {
  auto v = r.query(name);
  if (!v) return std::optional<int64_t>{};
  auto t = core::parse_utc(*v);
  if (!t) return Error::field("ledger.invalid_time", name, "an ISO 8601 time, e.g. 2026-11-27T08:00:00Z");
  return std::optional<int64_t>{to_ledger_ns(*t) + 999'999};
}

Status can_read(const auth::Principal& p, const Account& a) {
  if (!p.is(Role::officer)) return ok_status();
  if (a.division_code.empty()) {
    return Error::make(ErrorKind::forbidden, "auth.outside_jurisdiction",
                       "this account belongs to no division; only auditors and admins may read it");
  }
  return auth::require_jurisdiction(p, a.division_code);
}

core::Json balances_json(const Balances& b) {
  return {{"debits_pending", b.debits_pending},
          {"debits_posted", b.debits_posted},
          {"credits_pending", b.credits_pending},
          {"credits_posted", b.credits_posted}};
}

core::Json id_json(const Id128& id) { return id.is_zero() ? core::Json() : core::Json(id.str()); }

core::Json account_json(const Account& a) {
  return {{"id", a.id.str()},
          {"ledger", a.ledger},
          {"code", a.code},
          {"flags", {{"debits_must_not_exceed_credits", (a.flags & account_flags::debits_must_not_exceed_credits) != 0},
                     {"credits_must_not_exceed_debits", (a.flags & account_flags::credits_must_not_exceed_debits) != 0},
                     {"closed", (a.flags & account_flags::closed) != 0}}},
          {"owner", a.owner},
          {"division_code", a.division_code},
          {"user_data_128", id_json(a.user_data_128)},
          {"user_data_64", a.user_data_64},
          {"user_data_32", a.user_data_32},
          {"balances", balances_json(a.balances)},
          {"timestamp", a.timestamp},
          {"created_at", format_ledger_ts(a.timestamp)}};
}

core::Json entry_json(const HistoryEntry& e) {
  return {{"timestamp", e.timestamp},
          {"time", format_ledger_ts(e.timestamp)},
          {"kind", std::string(name(e.kind))},
          {"transfer_id", id_json(e.transfer_id)},
          {"pending_id", id_json(e.pending_id)},
          {"side", e.debit ? "debit" : "credit"},
          {"counterparty", id_json(e.counterparty)},
          {"amount", e.amount},
          {"ledger", e.ledger},
          {"code", e.code},
          {"user_data_128", id_json(e.user_data_128)},
          {"user_data_64", e.user_data_64},
          {"user_data_32", e.user_data_32},
          {"balances_after", balances_json(e.balances_after)}};
}

// Loads the account named in the path and checks that the caller may read it.
Result<Account> readable_account(Service& svc, const Request& r) {
  auto id = path_id(r);
  if (!id.ok()) return id.error();
  Id128 ids[] = {*id};
  auto found = svc.lookup_accounts(ids);
  if (!found.ok()) return found.error();
  if (found->empty()) return Error::make(ErrorKind::not_found, "ledger.account_not_found", "no ledger account " + id->str());
  RL_TRY(can_read(r.user(), found->front()));
  return found->front();
}

}  // namespace

void register_routes(http::Router& router, Service& svc) {
  router.add({.method = "GET", .pattern = "/api/v1/ledger/accounts",
              .summary = "List ledger accounts (officers: within their jurisdiction)", .tag = "ledger",
              .roles = kReaders,
              .query = {{"ledger", "ledger id, e.g. 156 (CNY) or 9001 (quota)"},
                        {"code", "account code (chart of accounts)"},
                        {"division", "GB/T 2260 code: accounts within this division"},
                        {"owner", "owner reference, exact"},
                        {"cursor", "next_cursor of the previous page"},
                        {"limit", "1..500, default 100"}}},
             [&svc](Request& r) {
               AccountFilter f;
               auto ledger = int_query(r, "ledger", 1, UINT32_MAX);
               auto code = int_query(r, "code", 1, UINT16_MAX);
               auto cursor = int_query(r, "cursor", 0, INT64_MAX);
               auto limit = int_query(r, "limit", 1, 500);
               for (const auto* q : {&ledger, &code, &cursor, &limit}) {
                 if (!q->ok()) return Response::problem(q->error(), r.path);
               }
               if (ledger.value()) f.ledger = static_cast<uint32_t>(**ledger);
               if (code.value()) f.code = static_cast<uint16_t>(**code);
               f.cursor = *cursor;
               f.limit = static_cast<int>(limit->value_or(100));
               f.owner = r.query("owner");
               f.division_scope = r.query("division");
               const auto& p = r.user();
               if (p.is(Role::officer)) {
                 if (!f.division_scope) f.division_scope = p.division_code;
                 if (auto s = auth::require_jurisdiction(p, *f.division_scope); !s.ok()) {
                   return Response::problem(s.error(), r.path);
                 }
               }
               auto page = svc.list_accounts(f);
               if (!page.ok()) return Response::problem(page.error(), r.path);
               core::Json items = core::Json::array();
               for (const auto& a : page->items) items.push_back(account_json(a));
               return Response::json(200, {{"items", items},
                                           {"next_cursor", page->next_cursor ? core::Json(std::to_string(*page->next_cursor))
                                                                             : core::Json()}});
             });

  router.add({.method = "GET", .pattern = "/api/v1/ledger/accounts/{id}",
              .summary = "One ledger account with its current balances", .tag = "ledger", .roles = kReaders},
             [&svc](Request& r) {
               auto a = readable_account(svc, r);
               if (!a.ok()) return Response::problem(a.error(), r.path);
               return Response::json(200, account_json(*a));
             });

  router.add({.method = "GET", .pattern = "/api/v1/ledger/accounts/{id}/balances",
              .summary = "An account's balances now, or as of a past time", .tag = "ledger", .roles = kReaders,
              .query = {{"as_of", "ISO 8601 time; balances after every change up to and including it"}}},
             [&svc](Request& r) {
               auto a = readable_account(svc, r);
               if (!a.ok()) return Response::problem(a.error(), r.path);
               auto as_of = time_query(r, "as_of");
               if (!as_of.ok()) return Response::problem(as_of.error(), r.path);
               auto v = svc.balances(a->id, *as_of);
               if (!v.ok()) return Response::problem(v.error(), r.path);
               return Response::json(200, {{"account_id", a->id.str()},
                                           {"ledger", a->ledger},
                                           {"as_of", *as_of ? core::Json(format_ledger_ts(**as_of)) : core::Json()},
                                           {"balances", balances_json(v->account.balances)},
                                           {"last_change", v->last_change ? core::Json(format_ledger_ts(v->last_change))
                                                                          : core::Json()},
                                           {"last_change_timestamp", v->last_change}});
             });

  router.add({.method = "GET", .pattern = "/api/v1/ledger/accounts/{id}/history",
              .summary = "An account's balance changes with the balances after each", .tag = "ledger",
              .roles = kReaders,
              .query = {{"from", "ISO 8601 time, inclusive"},
                        {"to", "ISO 8601 time, inclusive"},
                        {"order", "asc (default) or desc"},
                        {"cursor", "next_cursor of the previous page"},
                        {"limit", "1..1000, default 100"}}},
             [&svc](Request& r) {
               auto a = readable_account(svc, r);
               if (!a.ok()) return Response::problem(a.error(), r.path);
               HistoryQuery q;
               auto from = time_query(r, "from");
               auto to = time_query(r, "to");
               auto cursor = int_query(r, "cursor", INT64_MIN, INT64_MAX);
               auto limit = int_query(r, "limit", 1, 1000);
               if (!from.ok()) return Response::problem(from.error(), r.path);
               if (!to.ok()) return Response::problem(to.error(), r.path);
               if (!cursor.ok()) return Response::problem(cursor.error(), r.path);
               if (!limit.ok()) return Response::problem(limit.error(), r.path);
               if (from.value()) q.from_ts = **from - 999'999;
               q.to_ts = *to;
               q.cursor = *cursor;
               q.limit = static_cast<int>(limit->value_or(100));
               auto order = r.query("order").value_or("asc");
               if (order != "asc" && order != "desc") {
                 return Response::problem(Error::field("ledger.invalid_order", "order", "asc or desc"), r.path);
               }
               q.descending = order == "desc";
               auto page = svc.history(a->id, q);
               if (!page.ok()) return Response::problem(page.error(), r.path);
               core::Json items = core::Json::array();
               for (const auto& e : page->items) items.push_back(entry_json(e));
               return Response::json(200, {{"account_id", a->id.str()},
                                           {"items", items},
                                           {"next_cursor", page->next_cursor ? core::Json(std::to_string(*page->next_cursor))
                                                                             : core::Json()}});
             });

  router.add({.method = "GET", .pattern = "/api/v1/ledger/accounts/{id}/statement.csv",
              .summary = "CSV statement of an account's balance changes", .tag = "ledger", .roles = kReaders,
              .query = {{"from", "ISO 8601 time, inclusive"}, {"to", "ISO 8601 time, inclusive"}},
              .produces = "text/csv"},
             [&svc](Request& r) {
               auto a = readable_account(svc, r);
               if (!a.ok()) return Response::problem(a.error(), r.path);
               auto from = time_query(r, "from");
               auto to = time_query(r, "to");
               if (!from.ok()) return Response::problem(from.error(), r.path);
               if (!to.ok()) return Response::problem(to.error(), r.path);
               std::optional<int64_t> lo;
               if (from.value()) lo = **from - 999'999;
               auto csv = svc.statement_csv(a->id, lo, *to);
               if (!csv.ok()) return Response::problem(csv.error(), r.path);
               return Response::csv(std::move(*csv), "ledger-" + a->id.str() + ".csv");
             });
}

}  // namespace riverlink::ledger
