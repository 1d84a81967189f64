#include "http/router.hpp"

#include <algorithm>

namespace riverlink::http {

namespace {
std::string percent_decode(std::string_view s, bool plus_is_space) {
  auto hex = [](char h) -> int {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::vector<std::string> split_path(std::string_view p) {
  std::vector<std::string> segs;
  size_t i = 0;
  while (i < p.size()) {
    if (p[i] == '/') { ++i; continue; }
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    segs.emplace_back(p.substr(i, j - i));
    i = j;
  }
  return segs;
}

std::string problem_type(std::string_view code) { return "urn:riverlink:problem:" + std::string(code); }

const char* reason_title(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}
}  // namespace

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) if (k == name) return v;
  return {};
}

std::optional<std::string> Request::query(std::string_view name) const {
  auto q = target.find('?');
  if (q == std::string::npos) return std::nullopt;
  std::string_view qs(target);
  qs.remove_prefix(q + 1);
  while (!qs.empty()) {
    auto amp = qs.find('&');
    std::string_view pair = qs.substr(0, amp);
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq), true);
    if (key == name) {
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    qs.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
  std::string_view c = header("cookie");
  while (!c.empty()) {
    while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
    auto semi = c.find(';');
    std::string_view pair = c.substr(0, semi);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    c.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::string sse_event(std::string_view event, const core::Json& data) {
  return "event: " + std::string(event) + "\ndata: " + data.dump() + "\n\n";
}

int status_for(const Error& e) {
  switch (e.kind) {
    case ErrorKind::invalid: return 422;
    case ErrorKind::bad_request: return 400;
    case ErrorKind::unauthenticated: return 401;
    case ErrorKind::forbidden: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::conflict: return 409;
    case ErrorKind::too_many: return 429;
    case ErrorKind::unavailable: return 503;
    case ErrorKind::internal: return 500;
  }
  return 500;
}

Response Response::json(int status, const core::Json& j) {
  Response r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, core::Json::error_handler_t::replace);
  return r;
}

Response Response::problem(const Error& e, std::string_view instance) {
  int status = status_for(e);
  core::Json p = {{"type", problem_type(e.code.empty() ? "error" : e.code)},
                  {"title", reason_title(status)},
                  {"status", status},
                  {"detail", e.message},
                  {"code", e.code}};
  if (!instance.empty()) p["instance"] = std::string(instance);
  if (!e.fields.empty()) {
    core::Json errs = core::Json::array();
    for (const auto& f : e.fields) errs.push_back({{"field", f.field}, {"message", f.message}});
    p["errors"] = errs;
  }
  Response r = json(status, p);
  r.content_type = "application/problem+json";
  return r;
}

Response Response::problem(int status, std::string_view code, std::string_view detail) {
  core::Json p = {{"type", problem_type(code)}, {"title", reason_title(status)}, {"status", status},
                  {"detail", std::string(detail)}, {"code", std::string(code)}};
  Response r = json(status, p);
  r.content_type = "application/problem+json";
  return r;
}

Response Response::csv(std::string body, std::string_view filename) {
  Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = "\xEF\xBB\xBF" + std::move(body);  // BOM so spreadsheet programs read UTF-8
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + std::string(filename) + "\"");
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

void Router::add(RouteSpec spec, Handler h) {
  if (spec.summary.empty()) throw std::logic_error("route " + spec.pattern + " has no summary");
  Route r{std::move(spec), std::move(h), {}};
  r.segments = split_path(r.spec.pattern);
  for (const auto& existing : routes_) {
    if (existing.spec.method == r.spec.method && existing.spec.pattern == r.spec.pattern) {
      throw std::logic_error("duplicate route " + r.spec.method + " " + r.spec.pattern);
    }
  }
  routes_.push_back(std::move(r));
}

const Route* Router::match(Request& req, bool& path_matched) const {
  auto segs = split_path(req.path);
  path_matched = false;
  const Route* best = nullptr;
  int best_literals = -1;
  std::unordered_map<std::string, std::string> best_params;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::unordered_map<std::string, std::string> params;
    int literals = 0;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& s = r.segments[i];
      if (s.size() > 2 && s.front() == '{' && s.back() == '}') {
        params[s.substr(1, s.size() - 2)] = percent_decode(segs[i], false);
      } else if (s == segs[i]) {
        ++literals;
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    path_matched = true;
    if (r.spec.method != req.method) continue;
    if (literals > best_literals) {
      best = &r;
      best_literals = literals;
      best_params = std::move(params);
    }
  }
  if (best) req.path_params = std::move(best_params);
  return best;
}

std::optional<Response> Router::authorize(const RouteSpec& spec, Request& req) const {
  if (spec.access == Access::authenticated) {
    bool csrf_ok = true;
    auto p = auth_ ? auth_->authenticate(req, csrf_ok) : std::nullopt;
    if (!p) {
      return Response::problem(401, "auth.required", "sign in, or send a valid bearer token");
    }
    if (!csrf_ok) {
      return Response::problem(403, "auth.csrf", "missing or wrong X-CSRF-Token header for this session");
    }
    if (!spec.roles.empty() && std::find(spec.roles.begin(), spec.roles.end(), p->role) == spec.roles.end()) {
      return Response::problem(403, "auth.forbidden",
                               "role " + std::string(auth::role_name(p->role)) + " may not use " + spec.pattern);
    }
    req.principal = std::move(p);
  } else {
    bool csrf_ok = true;
    if (auth_) req.principal = auth_->authenticate(req, csrf_ok);
  }
  return std::nullopt;
}

Router::Admission Router::admit(Request& head) const {
  Admission a;
  bool path_matched = false;
  const Route* route = match(head, path_matched);
  if (!route || (!route->spec.body_limit && !route->spec.spool_body)) return a;
  a.route = route->spec.pattern;
  a.body_limit = route->spec.body_limit;
  a.spool = route->spec.spool_body;
  a.early = authorize(route->spec, head);
  auto key = head.header("idempotency-key");
  if (!a.early && route->spec.command && (key.empty() || key.size() > 200)) {
    a.early = Response::problem(400, "idempotency.key_required",
                                "state-changing requests need an Idempotency-Key header (1 to 200 characters)");
  }
  return a;
}

std::optional<Response> Router::dispatch(Request& req) const {
  bool path_matched = false;
  const Route* route = match(req, path_matched);
  if (!route) {
    if (path_matched) return Response::problem(405, "http.method_not_allowed", req.method + " is not allowed on " + req.path);
    if (req.path.rfind("/api/", 0) == 0 || req.path == "/api") {
      return Response::problem(404, "http.no_route", "no API route " + req.method + " " + req.path);
    }
    return std::nullopt;
  }
  const RouteSpec& spec = route->spec;
  req.route_pattern = &spec.pattern;
  if (auto denied = authorize(spec, req)) return denied;
  if (spec.command) {
    auto key = req.header("idempotency-key");
    if (key.empty() || key.size() > 200) {
      return Response::problem(400, "idempotency.key_required",
                               "state-changing requests need an Idempotency-Key header (1 to 200 characters)");
    }
  }
  if (spec.body) {
    std::string_view ct = req.header("content-type");
    auto semi = ct.find(';');
    std::string_view mime = ct.substr(0, semi);
    while (!mime.empty() && mime.back() == ' ') mime.remove_suffix(1);
    if (mime != "application/json") {
      return Response::problem(415, "http.unsupported_media_type",
                               "send the body as application/json (got '" + std::string(ct) + "')");
    }
    auto parsed = core::parse_json(req.body);
    if (!parsed.ok()) return Response::problem(parsed.error(), req.path);
    auto valid = spec.body->validate(parsed.value());
    if (!valid.ok()) return Response::problem(valid.error(), req.path);
    req.json = std::move(parsed.value());
  }
  return route->handler(req);
}

core::Json Router::openapi(std::string_view title, std::string_view version) const {
  core::Json paths = core::Json::object();
  for (const auto& r : routes_) {
    const auto& s = r.spec;
    core::Json op = {{"summary", s.summary}, {"tags", core::Json::array({s.tag})},
                     {"operationId", s.method + " " + s.pattern}};
    core::Json params = core::Json::array();
    for (const auto& seg : r.segments) {
      if (seg.size() > 2 && seg.front() == '{') {
        params.push_back({{"name", seg.substr(1, seg.size() - 2)}, {"in", "path"}, {"required", true},
                          {"schema", {{"type", "string"}}}});
      }
    }
    for (const auto& q : s.query) {
      params.push_back({{"name", q.name}, {"in", "query"}, {"required", q.required},
                        {"description", q.description}, {"schema", {{"type", "string"}}}});
    }
    if (s.command) {
      params.push_back({{"name", "Idempotency-Key"}, {"in", "header"}, {"required", true},
                        {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    if (s.body) {
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", s.body->to_schema()}}}}}};
    } else if (!s.consumes.empty()) {
      op["requestBody"] = {{"required", true},
                           {"content", {{s.consumes, {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
    }
    if (s.body_limit) op["x-body-limit-bytes"] = *s.body_limit;
    core::Json responses = core::Json::object();
    responses[std::to_string(s.success_status)] = {{"description", "success"},
                                                   {"content", {{s.produces, core::Json::object()}}}};
    responses["default"] = {{"description", "problem"},
                            {"content", {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
    op["responses"] = responses;
    if (s.access == Access::authenticated) {
      op["security"] = core::Json::array({{{"session", core::Json::array()}}, {{"bearer", core::Json::array()}}});
      if (!s.roles.empty()) {
        core::Json roles = core::Json::array();
        for (auto role : s.roles) roles.push_back(std::string(auth::role_name(role)));
        op["x-roles"] = roles;
      }
    } else {
      op["security"] = core::Json::array();
    }
    std::string m = s.method;
    std::transform(m.begin(), m.end(), m.begin(), ::tolower);
    paths[s.pattern][m] = op;
  }
  core::Json problem = {{"type", "object"},
                        {"properties",
                         {{"type", {{"type", "string"}}}, {"title", {{"type", "string"}}},
                          {"status", {{"type", "integer"}}}, {"detail", {{"type", "string"}}},
                          {"code", {{"type", "string"}}},
                          {"errors", {{"type", "array"}, {"items", {{"type", "object"},
                            {"properties", {{"field", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}};
  return {{"openapi", "3.1.0"},
          {"info", {{"title", std::string(title)}, {"version", std::string(version)}}},
          {"paths", paths},
          {"components",
           {{"schemas", {{"Problem", problem}}},
            {"securitySchemes",
             {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "rl_session"}}},
              {"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace riverlink::http
