#include "http/auth_api.hpp"

#include "core/hash.hpp"

namespace riverlink::http {

namespace {
bool safe_method(const std::string& m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

std::string session_cookie(const std::string& value, int64_t max_age_s, const CookieOptions& o) {
  return "rl_session=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s) +
         (o.secure ? "; Secure" : "");
}

core::Json me_json(const auth::Principal& p, const std::string& csrf) {
  return {{"user", {{"id", p.user_id}, {"username", p.username}, {"display_name", p.display_name},
                    {"role", std::string(auth::role_name(p.role))}, {"division_code", p.division_code}}},
          {"csrf_token", csrf}};
}

audit::CommandContext ctx_of(const Request& r) { return {r.user().actor(), r.idempotency_key()}; }
}  // namespace

std::optional<auth::Principal> SessionAuthenticator::authenticate(const Request& r, bool& csrf_ok) {
  csrf_ok = true;
  std::string_view authz = r.header("authorization");
  if (authz.rfind("Bearer ", 0) == 0) return svc_.resolve_api_token(std::string(authz.substr(7)));
  auto cookie = r.cookie("rl_session");
  if (!cookie) return std::nullopt;
  auto s = svc_.resolve_session(*cookie);
  if (!s) return std::nullopt;
  if (!safe_method(r.method)) csrf_ok = core::equal_ct(r.header("x-csrf-token"), s->csrf_token);
  return s->principal;
}

void register_auth_routes(Router& router, auth::Service& svc, CookieOptions cookies) {
  using core::JsonType;
  router.add({.method = "POST", .pattern = "/api/v1/auth/login", .summary = "Sign in; sets the session cookie",
              .tag = "auth", .access = Access::public_,
              .body = core::Shape{{"username", JsonType::string}, {"password", JsonType::string}}},
             [&svc, cookies](Request& r) {
               auto s = svc.login(r.json["username"], r.json["password"], r.remote_addr);
               if (!s.ok()) return Response::problem(s.error(), r.path);
               auto p = auth::Service::principal_of(s->user, false);
               auto res = Response::json(200, me_json(p, s->csrf_token));
               res.headers.emplace_back("Set-Cookie", session_cookie(s->token, 12 * 3600, cookies));
               return res;
             });
  router.add({.method = "POST", .pattern = "/api/v1/auth/logout", .summary = "Sign out; ends the session",
              .tag = "auth", .success_status = 204},
             [&svc, cookies](Request& r) {
               if (auto c = r.cookie("rl_session")) {
                 auto s = svc.logout(*c);
                 if (!s.ok()) return Response::problem(s.error(), r.path);
               }
               auto res = Response::no_content();
               res.headers.emplace_back("Set-Cookie", session_cookie("", 0, cookies));
               return res;
             });
  router.add({.method = "GET", .pattern = "/api/v1/auth/me", .summary = "The signed-in user and CSRF token",
              .tag = "auth"},
             [&svc](Request& r) {
               std::string csrf;
               if (auto c = r.cookie("rl_session")) {
                 if (auto s = svc.resolve_session(*c)) csrf = s->csrf_token;
               }
               return Response::json(200, me_json(r.user(), csrf));
             });
  router.add({.method = "POST", .pattern = "/api/v1/auth/tokens",
              .summary = "Issue a bearer API token for the signed-in user (shown once)", .tag = "auth",
              .body = core::Shape{{"name", JsonType::string}}, .success_status = 201, .command = true},
             [&svc](Request& r) {
               auto t = svc.create_api_token(r.user(), ctx_of(r), r.json["name"]);
               if (!t.ok()) return Response::problem(t.error(), r.path);
               return Response::json(201, {{"id", t->id}, {"name", t->name}, {"token", t->token}});
             });
  router.add({.method = "GET", .pattern = "/api/v1/users", .summary = "List users", .tag = "auth",
              .roles = {auth::Role::platform_admin, auth::Role::auditor}},
             [&svc](Request& r) {
               auto users = svc.list_users(r.user());
               if (!users.ok()) return Response::problem(users.error(), r.path);
               core::Json items = core::Json::array();
               for (const auto& u : *users) items.push_back(auth::to_json(u));
               return Response::json(200, {{"items", items}});
             });
  router.add({.method = "POST", .pattern = "/api/v1/users", .summary = "Add a user", .tag = "auth",
              .roles = {auth::Role::platform_admin},
              .body = core::Shape{{"username", JsonType::string},
                                  {"display_name", JsonType::string},
                                  {"password", JsonType::string},
                                  {"role", JsonType::string},
                                  {"division_code", JsonType::string, false, true}},
              .success_status = 201, .command = true},
             [&svc](Request& r) {
               auth::NewUser nu{r.json["username"], r.json["display_name"], r.json["password"], r.json["role"],
                                r.json.value("division_code", core::Json("")).is_string()
                                    ? r.json.value("division_code", std::string())
                                    : std::string()};
               auto u = svc.add_user(r.user(), ctx_of(r), nu);
               if (!u.ok()) return Response::problem(u.error(), r.path);
               return Response::json(201, auth::to_json(*u));
             });
}

}  // namespace riverlink::http
