// The HTTP server: Boost.Beast underneath (kept out of this header), multi-threaded,
// keep-alive, body limits, timeouts, graceful shutdown, static files with SPA fallback,
// request ids, access log, metrics and Server-Sent Events.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "http/router.hpp"

namespace riverlink::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0 picks a free port (see Server::port())
  int threads = 0;             // 0: 2 x hardware threads (handlers may block on the database)
  size_t body_limit = 1 << 20; // bytes; larger bodies get 413
  int read_timeout_s = 30;
  std::string static_dir;      // web/dist; empty disables static serving
  std::string spool_dir;       // temporary files of spooled request bodies; empty: the system's temp folder
  bool access_log = true;
};

class Metrics;

// Start-up failures (address in use) throw; everything after is reported per request.
class Server {
 public:
  Server(Router& router, ServerOptions opts);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void start();             // binds and starts worker threads; returns immediately
  void stop();              // stops accepting, lets in-flight requests finish, joins threads
  void wait();              // blocks until stop() (e.g. from a signal handler thread)
  unsigned short port() const;
  Metrics& metrics();

 struct Impl;  // defined in server.cpp (keeps Beast out of this header)

 private:
  std::unique_ptr<Impl> impl_;
};

// Prometheus text metrics; thread-safe.
class Metrics {
 public:
  Metrics();
  ~Metrics();
  void observe(const std::string& method, const std::string& route, int status, double seconds);
  void sse_opened();
  void sse_closed();
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// /healthz, /readyz (ready() says whether the database answers), /metrics and
// /api/v1/openapi.json, all documented in the OpenAPI document like every other route.
void register_system_routes(Router& router, Metrics& metrics, std::function<Status()> ready,
                            std::string version);

}  // namespace riverlink::http
