// HTTP routing without Beast in sight: Request/Response values, a route table with
// path parameters, per-route access rules and body shapes, and the OpenAPI document.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/principal.hpp"
#include "core/json.hpp"
#include "core/result.hpp"

namespace riverlink::http {

struct Request {
  std::string method;
  std::string target;  // path + query as received
  std::string path;    // decoded path without query
  std::string body;
  // Path of the body spooled to a temporary file on routes with RouteSpec::spool_body (then
  // body is empty); the server removes the file once the handler returned.
  std::string body_file;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::unordered_map<std::string, std::string> path_params;
  std::string request_id;
  std::string remote_addr;
  std::optional<auth::Principal> principal;  // set by the router when authenticated
  core::Json json;                           // the validated body when the route has a shape
  const std::string* route_pattern = nullptr;  // set by dispatch when a route matched

  std::string_view header(std::string_view lower_name) const;
  std::optional<std::string> query(std::string_view name) const;  // percent-decoded
  std::optional<std::string> cookie(std::string_view name) const;
  const std::string& param(const std::string& name) const { return path_params.at(name); }
  // The principal; only call on routes that require authentication.
  const auth::Principal& user() const { return *principal; }
  std::string idempotency_key() const { return std::string(header("idempotency-key")); }
};

// A Server-Sent Events source polled by the server. next() returns the next chunk of
// "event:/data:" text to send ("" when nothing new) and sets done when the stream ends.
class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual std::string next(bool& done) = 0;
  virtual int poll_interval_ms() const { return 250; }
};
std::string sse_event(std::string_view event, const core::Json& data);

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<EventStream> stream;  // when set, the response is text/event-stream

  static Response json(int status, const core::Json& j);
  static Response problem(const Error& e, std::string_view instance = {});
  static Response problem(int status, std::string_view code, std::string_view detail);
  static Response csv(std::string body, std::string_view filename);
  static Response no_content();
};

// Maps an Error to (status, problem type). One table, used everywhere.
int status_for(const Error& e);

enum class Access { public_, authenticated };

struct QueryParam {
  std::string name;
  std::string description;
  bool required = false;
};

struct RouteSpec {
  std::string method;   // GET POST PUT PATCH DELETE
  std::string pattern;  // "/api/v1/jobs/{id}"
  std::string summary;  // required: documents the route in OpenAPI
  std::string tag;      // module name
  Access access = Access::authenticated;
  std::vector<auth::Role> roles;     // empty: any authenticated user
  std::optional<core::Shape> body;   // JSON body validated before the handler runs
  std::vector<QueryParam> query = {};
  int success_status = 200;
  bool command = false;  // state-changing: Idempotency-Key header required
  std::string produces = "application/json";
  // Largest request body this route accepts, in bytes; unset: the server's ServerOptions::body_limit.
  // The server reads the request head first, finds the route (and, for a raised limit, checks
  // authentication and roles) and only then reads the body under this limit.
  std::optional<std::size_t> body_limit = std::nullopt;
  // Media type of a body the handler reads itself (no JSON shape), e.g. application/zip; documents
  // the request body in OpenAPI.
  std::string consumes = "";
  // Large uploads: the server streams the body into a temporary file (Request::body_file) instead
  // of memory.
  bool spool_body = false;
};

using Handler = std::function<Response(Request&)>;

// Resolves the principal from a request (cookie session or bearer token); implemented by
// the auth module's session store and injected into the router.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // nullopt: not authenticated. Sets csrf_ok=false when a cookie session lacks a valid
  // X-CSRF-Token on an unsafe method.
  virtual std::optional<auth::Principal> authenticate(const Request& r, bool& csrf_ok) = 0;
};

struct Route {
  RouteSpec spec;
  Handler handler;
  std::vector<std::string> segments;  // "{x}" marks a parameter
};

// Thread-safe for dispatch once all routes are added at start-up.
class Router {
 public:
  void add(RouteSpec spec, Handler h);
  void set_authenticator(Authenticator* a) { auth_ = a; }
  // Dispatches /api/... routes; nullopt when no route matches the path (caller serves static).
  std::optional<Response> dispatch(Request& r) const;
  const std::vector<Route>& routes() const { return routes_; }
  // Admission of a request whose head (method, path, target, headers) has been read but not its
  // body: the body limit of its route (unset: the server's default), and for routes with a raised
  // limit the authentication/role answer (401/403) so that a large body is only read when it
  // would be accepted.
  struct Admission {
    std::optional<std::size_t> body_limit;
    bool spool = false;
    std::optional<Response> early;
    std::string route;  // the matched pattern, for logs and metrics
  };
  Admission admit(Request& head) const;
  core::Json openapi(std::string_view title, std::string_view version) const;

 private:
  const Route* match(Request& r, bool& path_matched) const;
  std::optional<Response> authorize(const RouteSpec& spec, Request& r) const;
  std::vector<Route> routes_;
  Authenticator* auth_ = nullptr;
};

}  // namespace riverlink::http
