#include "http/server.hpp"

#include <utility>  // before Asio under g++ 12 -std=c++20

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <thread>

namespace riverlink::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string mime_for(const std::filesystem::path& p) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"}, {".geojson", "application/geo+json"}, {".svg", "image/svg+xml"},
      {".png", "image/png"}, {".jpg", "image/jpeg"}, {".ico", "image/x-icon"},
      {".woff", "font/woff"}, {".woff2", "font/woff2"}, {".ttf", "font/ttf"}, {".txt", "text/plain; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"}, {".tif", "image/tiff"}, {".map", "application/json"}};
  auto ext = p.extension().string();
  for (const auto& [e, m] : kTypes) if (ext == e) return m;
  return "application/octet-stream";
}

bool read_file(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = std::move(ss).str();
  return true;
}

bool valid_request_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------- metrics
struct Metrics::Impl {
  struct Key {
    std::string method, route;
    int status;
    bool operator<(const Key& o) const { return std::tie(method, route, status) < std::tie(o.method, o.route, o.status); }
  };
  static constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  static constexpr size_t kNb = sizeof(kBuckets) / sizeof(kBuckets[0]);
  mutable std::mutex mu;
  std::map<Key, uint64_t> counts;
  uint64_t bucket_counts[kNb + 1] = {};
  double sum = 0;
  uint64_t total = 0;
  std::atomic<int64_t> sse_open{0};
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::observe(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard lock(impl_->mu);
  ++impl_->counts[{method, route, status}];
  size_t b = 0;
  while (b < Impl::kNb && seconds > Impl::kBuckets[b]) ++b;
  ++impl_->bucket_counts[b];
  impl_->sum += seconds;
  ++impl_->total;
}
void Metrics::sse_opened() { ++impl_->sse_open; }
void Metrics::sse_closed() { --impl_->sse_open; }

std::string Metrics::render() const {
  std::lock_guard lock(impl_->mu);
  std::ostringstream o;
  o << "# HELP riverlink_http_requests_total HTTP requests by method, route and status.\n"
    << "# TYPE riverlink_http_requests_total counter\n";
  for (const auto& [k, n] : impl_->counts) {
    o << "riverlink_http_requests_total{method=\"" << k.method << "\",route=\"" << k.route
      << "\",status=\"" << k.status << "\"} " << n << "\n";
  }
  o << "# HELP riverlink_http_request_duration_seconds Request handling time.\n"
    << "# TYPE riverlink_http_request_duration_seconds histogram\n";
  uint64_t cum = 0;
  for (size_t b = 0; b < Impl::kNb; ++b) {
    cum += impl_->bucket_counts[b];
    o << "riverlink_http_request_duration_seconds_bucket{le=\"" << Impl::kBuckets[b] << "\"} " << cum << "\n";
  }
  cum += impl_->bucket_counts[Impl::kNb];
  o << "riverlink_http_request_duration_seconds_bucket{le=\"+Inf\"} " << cum << "\n"
    << "riverlink_http_request_duration_seconds_sum " << impl_->sum << "\n"
    << "riverlink_http_request_duration_seconds_count " << impl_->total << "\n"
    << "# HELP riverlink_sse_streams_open Open Server-Sent Events streams.\n"
    << "# TYPE riverlink_sse_streams_open gauge\n"
    << "riverlink_sse_streams_open " << impl_->sse_open.load() << "\n";
  return o.str();
}

// ---------------------------------------------------------------- server
struct Server::Impl {
  Router& router;
  ServerOptions opts;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  Metrics metrics;
  std::filesystem::path static_root;
  std::atomic<uint64_t> next_id{0};
  uint64_t id_salt = std::random_device{}();
  std::atomic<bool> stopping{false};
  std::atomic<int> active{0};
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;
  std::shared_ptr<spdlog::logger> access;

  Impl(Router& r, ServerOptions o) : router(r), opts(std::move(o)), ioc(), acceptor(net::make_strand(ioc)) {
    access = spdlog::get("access");
    if (!access) access = spdlog::default_logger();
  }

  std::string request_id(std::string_view given) {
    if (valid_request_id(given)) return std::string(given);
    char buf[40];
    snprintf(buf, sizeof buf, "%08llx-%010llx", static_cast<unsigned long long>(id_salt & 0xffffffffULL),
             static_cast<unsigned long long>(++next_id));
    return buf;
  }

  Response serve_static(const Request& req) {
    if (static_root.empty() || (req.method != "GET" && req.method != "HEAD")) {
      return Response::problem(404, "http.not_found", "nothing at " + req.path);
    }
    std::filesystem::path rel = std::filesystem::path(req.path).relative_path().lexically_normal();
    if (!rel.empty() && *rel.begin() == "..") return Response::problem(404, "http.not_found", "nothing at " + req.path);
    std::filesystem::path file = static_root / rel;
    std::error_code ec;
    Response r;
    if (!rel.empty() && std::filesystem::is_regular_file(file, ec) && read_file(file, r.body)) {
      r.content_type = mime_for(file);
      bool hashed_asset = req.path.rfind("/assets/", 0) == 0;
      r.headers.emplace_back("Cache-Control", hashed_asset ? "public, max-age=31536000, immutable" : "no-cache");
      return r;
    }
    // SPA fallback: client-side routes (no file extension) get index.html.
    auto last = req.path.substr(req.path.rfind('/') + 1);
    if (last.find('.') == std::string::npos && read_file(static_root / "index.html", r.body)) {
      r.content_type = "text/html; charset=utf-8";
      r.headers.emplace_back("Cache-Control", "no-cache");
      return r;
    }
    return Response::problem(404, "http.not_found", "nothing at " + req.path);
  }
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Server::Impl& srv) : stream_(std::move(socket)), srv_(srv) { ++srv_.active; }
  ~Session() {
    drop_spool();
    if (--srv_.active == 0) srv_.cv.notify_all();
  }
  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::do_read, shared_from_this())); }

 private:
  void do_read() {
    parser_.emplace();
    // No limit while the head is read: the route's limit is set once the route is known. (Not
    // boost::none: Beast 1.74 compares the content length with the optional, and none is smaller.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->header_limit(16 * 1024);
    body_limit_ = srv_.opts.body_limit;
    route_.clear();
    stream_.expires_after(std::chrono::seconds(srv_.opts.read_timeout_s));
    bhttp::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  Response too_large(const std::string& route) const {
    std::string limit = std::to_string(body_limit_) + " bytes";
    if (body_limit_ >= (1u << 20)) limit += " (" + std::to_string(body_limit_ >> 20) + " MiB)";
    return Response::problem(413, "http.body_too_large",
                             "the request body exceeds the limit of " + limit +
                                 (route.empty() || route == "unmatched" ? std::string() : " for " + req_.method + " " + route));
  }

  // The head is in: find the route, admit the request (route body limit, authentication for raised
  // limits), answer 100-continue, then read the body with an idle timeout per read.
  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read(ec, 0);
    started_ = std::chrono::steady_clock::now();
    auto& msg = parser_->get();
    req_ = Request{};
    req_.method = std::string(msg.method_string());
    req_.target = std::string(msg.target());
    req_.path = req_.target.substr(0, req_.target.find('?'));
    req_.headers.reserve(16);
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req_.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    beast::error_code ep_ec;
    auto ep = stream_.socket().remote_endpoint(ep_ec);
    req_.remote_addr = ep_ec ? "unknown" : ep.address().to_string();
    req_.request_id = srv_.request_id(req_.header("x-request-id"));
    keep_alive_ = msg.keep_alive() && !srv_.stopping;
    head_ = msg.method() == bhttp::verb::head;
    if (head_) req_.method = "GET";

    Router::Admission adm;
    try {
      adm = srv_.router.admit(req_);
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {} admission failed: {}", req_.request_id, req_.method, req_.target, e.what());
      adm.early = Response::problem(500, "http.internal", "internal error; quote request id " + req_.request_id);
    }
    req_.principal.reset();  // dispatch authenticates again
    if (adm.body_limit) body_limit_ = *adm.body_limit;
    route_ = adm.route;
    const std::string route = adm.route.empty() ? "unmatched" : adm.route;
    if (adm.early || (parser_->content_length() && *parser_->content_length() > body_limit_)) {
      // Answer without reading the body; drain it afterwards so that the client sees the answer.
      keep_alive_ = false;
      linger_ = !parser_->is_done();
      return send(adm.early ? std::move(*adm.early) : too_large(route), req_.method, req_.target, route, req_.request_id);
    }
    parser_->body_limit(body_limit_);
    if (adm.spool && !parser_->is_done()) {
      // Stream the body into a temporary file: a parser with a file body takes over the head.
      const bool expect_continue = beast::iequals(msg[bhttp::field::expect], "100-continue");
      file_parser_.emplace(std::move(*parser_));
      parser_.reset();
      file_parser_->body_limit(body_limit_);
      std::error_code fec;
      auto dir = srv_.opts.spool_dir.empty() ? std::filesystem::temp_directory_path(fec) : std::filesystem::path(srv_.opts.spool_dir);
      std::filesystem::create_directories(dir, fec);
      spool_path_ = (dir / ("riverlink-upload-" + req_.request_id + "-" + std::to_string(++srv_.next_id))).string();
      beast::error_code bec;
      file_parser_->get().body().open(spool_path_.c_str(), beast::file_mode::write_new, bec);
      if (bec) {
        spdlog::error("request {}: cannot spool the body to {}: {}", req_.request_id, spool_path_, bec.message());
        spool_path_.clear();
        keep_alive_ = false;
        linger_ = true;
        return send(Response::problem(503, "http.spool_failed", "cannot store the request body; quote request id " + req_.request_id),
                    req_.method, req_.target, route, req_.request_id);
      }
      // Uploaded data is readable by the server's user only.
      std::filesystem::permissions(spool_path_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                   std::filesystem::perm_options::replace, fec);
      if (expect_continue) return send_continue();
      return read_body();
    }
    if (!parser_->is_done() && beast::iequals(msg[bhttp::field::expect], "100-continue")) return send_continue();
    read_body();
  }

  void send_continue() {
    auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
    bhttp::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code wec, std::size_t) {
      if (wec) return self->close();
      self->read_body();
    });
  }

  void read_body() {
    stream_.expires_after(std::chrono::seconds(srv_.opts.read_timeout_s));
    auto next = [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read(ec, 0);
      self->read_body();
    };
    if (file_parser_) {
      if (file_parser_->is_done()) return on_read({}, 0);
      return bhttp::async_read_some(stream_, buffer_, *file_parser_, std::move(next));
    }
    if (parser_->is_done()) return on_read({}, 0);
    bhttp::async_read_some(stream_, buffer_, *parser_, std::move(next));
  }

  // The spooled body's file goes once the request is answered (or the connection fails).
  void drop_spool() {
    if (file_parser_) {
      file_parser_->get().body().close();
      file_parser_.reset();
    }
    if (!spool_path_.empty()) {
      std::error_code ec;
      std::filesystem::remove(spool_path_, ec);
      spool_path_.clear();
    }
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) drop_spool();
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    if (ec == bhttp::error::body_limit) {
      keep_alive_ = false;
      linger_ = true;
      return send(too_large(route_), req_.method.empty() ? "-" : req_.method, req_.target.empty() ? "-" : req_.target,
                  route_.empty() ? "unmatched" : route_, req_.request_id.empty() ? "-" : req_.request_id);
    }
    if (ec) {
      keep_alive_ = false;
      if (req_.request_id.empty()) started_ = std::chrono::steady_clock::now();
      return send(Response::problem(400, "http.malformed", "malformed HTTP request: " + ec.message()), "-", "-", "-");
    }
    Request req = std::move(req_);
    req_ = Request{};
    if (file_parser_) {
      file_parser_->get().body().close();
      req.body_file = spool_path_;
    } else {
      req.body = std::move(parser_->get().body());
    }

    Response res;
    std::string route = "static";
    try {
      auto r = srv_.router.dispatch(req);
      if (r) {
        res = std::move(*r);
        // The route pattern, not the path, labels metrics so that their number stays bounded.
        route = req.route_pattern ? *req.route_pattern : "unmatched";
      } else {
        res = srv_.serve_static(req);
      }
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {} failed: {}", req.request_id, req.method, req.target, e.what());
      res = Response::problem(500, "http.internal", "internal error; quote request id " + req.request_id);
    }
    drop_spool();
    send(std::move(res), req.method, req.target, route, req.request_id);
  }

  void send(Response res, const std::string& method, const std::string& target, const std::string& route,
            const std::string& request_id = "-") {
    if (res.stream) return start_stream(std::move(res), method, target, route, request_id);
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(res.status));
    out->set(bhttp::field::server, "riverlink");
    out->set("X-Request-Id", request_id);
    out->set("X-Content-Type-Options", "nosniff");
    out->set("Referrer-Policy", "same-origin");
    if (!res.content_type.empty()) out->set(bhttp::field::content_type, res.content_type);
    bool own_cache_control = false;
    for (auto& [k, v] : res.headers) own_cache_control = own_cache_control || beast::iequals(k, "cache-control");
    if (route != "static" && !own_cache_control) out->set(bhttp::field::cache_control, "no-store");
    for (auto& [k, v] : res.headers) out->insert(k, v);
    size_t bytes = res.body.size();
    out->body() = head_ ? std::string() : std::move(res.body);
    out->prepare_payload();
    if (head_) out->content_length(bytes);
    out->keep_alive(keep_alive_);
    log(method, target, route, res.status, bytes, request_id);
    res_ = out;
    bhttp::async_write(stream_, *out, beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void log(const std::string& method, const std::string& target, const std::string& route, int status,
           size_t bytes, const std::string& request_id) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    srv_.metrics.observe(method, route, status, secs);
    if (srv_.opts.access_log) {
      srv_.access->info("{} {} {} {} {}B {:.3f}ms", request_id, method, target, status, bytes, secs * 1000);
    }
  }

  void on_write(beast::error_code ec, std::size_t) {
    res_.reset();
    if (!ec && !keep_alive_ && linger_) return lingering_close();
    if (ec || !keep_alive_) return close();
    do_read();
  }

  // After an early answer (413, 401...) the client may still be sending its body: stop sending,
  // read and discard for a while (bounded), then close, so that the client reads the answer
  // instead of a connection reset.
  void lingering_close() {
    linger_ = false;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    drain_.resize(64 * 1024);
    drain_step();
  }
  void drain_step() {
    if (drained_ > (256u << 20)) return close();
    stream_.expires_after(std::chrono::seconds(5));
    stream_.async_read_some(net::buffer(drain_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->drained_ += n;
      if (ec) return self->close();
      self->drain_step();
    });
  }

  // ---- Server-Sent Events
  void start_stream(Response res, const std::string& method, const std::string& target, const std::string& route,
                    const std::string& request_id) {
    events_ = std::move(res.stream);
    sse_res_.emplace();
    sse_res_->version(11);
    sse_res_->result(bhttp::status::ok);
    sse_res_->set(bhttp::field::content_type, "text/event-stream");
    sse_res_->set(bhttp::field::cache_control, "no-store");
    sse_res_->set("X-Request-Id", request_id);
    sse_res_->set("X-Accel-Buffering", "no");
    sse_res_->chunked(true);
    sse_res_->keep_alive(false);
    keep_alive_ = false;
    log(method, target, route, 200, 0, request_id);
    srv_.metrics.sse_opened();
    sse_open_ = true;
    sse_ser_.emplace(*sse_res_);
    stream_.expires_never();
    bhttp::async_write_header(stream_, *sse_ser_, beast::bind_front_handler(&Session::on_stream_step, shared_from_this()));
  }

  void on_stream_step(beast::error_code ec, std::size_t) {
    if (ec) return close();
    bool done = false;
    std::string chunk;
    try {
      chunk = events_->next(done);
    } catch (const std::exception& e) {
      chunk = sse_event("error", core::Json{{"detail", e.what()}});
      done = true;
    }
    if (srv_.stopping) done = true;
    if (!chunk.empty()) {
      pending_chunk_ = std::move(chunk);
      auto self = shared_from_this();
      net::async_write(stream_, bhttp::make_chunk(net::buffer(pending_chunk_)),
                       [self, done](beast::error_code wec, std::size_t) {
                         if (wec) return self->close();
                         if (done) return self->finish_stream();
                         self->schedule_poll();
                       });
      return;
    }
    if (done) return finish_stream();
    schedule_poll();
  }

  void schedule_poll() {
    if (!timer_) timer_.emplace(stream_.get_executor());
    timer_->expires_after(std::chrono::milliseconds(events_->poll_interval_ms()));
    timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->close();
      self->on_stream_step({}, 0);
    });
  }

  void finish_stream() {
    net::async_write(stream_, bhttp::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
  }

  void close() {
    if (sse_open_) {
      sse_open_ = false;
      srv_.metrics.sse_closed();
    }
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  Server::Impl& srv_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;  // spooled bodies
  std::string spool_path_;
  std::shared_ptr<void> res_;
  bool keep_alive_ = true;
  bool head_ = false;
  Request req_;                    // the request whose head has been read
  std::string route_;              // its route pattern when the route has its own body limit
  std::size_t body_limit_ = 0;     // of the current request's route
  bool linger_ = false;
  std::vector<char> drain_;
  std::size_t drained_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::shared_ptr<EventStream> events_;
  std::optional<bhttp::response<bhttp::empty_body>> sse_res_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> sse_ser_;
  std::optional<net::steady_timer> timer_;
  std::string pending_chunk_;
  bool sse_open_ = false;
};

void do_accept(Server::Impl& srv) {
  srv.acceptor.async_accept(net::make_strand(srv.ioc), [&srv](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !srv.acceptor.is_open()) return;
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), srv)->run();
    }
    if (!srv.stopping) do_accept(srv);
  });
}

}  // namespace

Server::Server(Router& router, ServerOptions opts) : impl_(std::make_unique<Impl>(router, std::move(opts))) {
  if (!impl_->opts.static_dir.empty()) {
    std::error_code ec;
    auto root = std::filesystem::weakly_canonical(impl_->opts.static_dir, ec);
    impl_->static_root = ec ? std::filesystem::path(impl_->opts.static_dir) : root;
  }
}

Server::~Server() { stop(); }

void Server::start() {
  auto& s = *impl_;
  auto address = net::ip::make_address(s.opts.address);
  tcp::endpoint ep(address, s.opts.port);
  s.acceptor.open(ep.protocol());
  s.acceptor.set_option(net::socket_base::reuse_address(true));
  s.acceptor.bind(ep);
  s.acceptor.listen(net::socket_base::max_listen_connections);
  do_accept(s);
  int n = s.opts.threads > 0 ? s.opts.threads : static_cast<int>(std::max(2u, std::thread::hardware_concurrency() * 2));
  for (int i = 0; i < n; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
}

void Server::stop() {
  auto& s = *impl_;
  if (s.threads.empty() || s.stopping.exchange(true)) {
    std::lock_guard lock(s.mu);
    if (s.threads.empty()) return;
  }
  net::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  {
    // Let in-flight requests finish (keep-alive is off once stopping); SSE streams end at their next poll.
    std::unique_lock lock(s.mu);
    s.cv.wait_for(lock, std::chrono::seconds(5), [&] { return s.active.load() == 0; });
  }
  s.ioc.stop();
  for (auto& t : s.threads) if (t.joinable()) t.join();
  s.threads.clear();
  {
    std::lock_guard lock(s.mu);
    s.stopped = true;
  }
  s.cv.notify_all();
}

void Server::wait() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->stopped; });
}

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }
Metrics& Server::metrics() { return impl_->metrics; }

void register_system_routes(Router& router, Metrics& metrics, std::function<Status()> ready, std::string version) {
  router.add({.method = "GET", .pattern = "/healthz", .summary = "Liveness: the process answers", .tag = "system",
              .access = Access::public_},
             [](Request&) { return Response::json(200, {{"status", "ok"}}); });
  router.add({.method = "GET", .pattern = "/readyz", .summary = "Readiness: the database answers", .tag = "system",
              .access = Access::public_},
             [ready](Request&) {
               auto s = ready();
               if (!s.ok()) return Response::problem(503, "system.not_ready", s.error().message);
               return Response::json(200, {{"status", "ready"}});
             });
  router.add({.method = "GET", .pattern = "/metrics", .summary = "Prometheus metrics", .tag = "system",
              .access = Access::public_, .produces = "text/plain"},
             [&metrics](Request&) {
               Response r;
               r.content_type = "text/plain; version=0.0.4";
               r.body = metrics.render();
               return r;
             });
  router.add({.method = "GET", .pattern = "/api/v1/openapi.json", .summary = "This API's OpenAPI 3.1 document",
              .tag = "system", .access = Access::public_},
             [&router, version](Request&) { return Response::json(200, router.openapi("riverlink API", version)); });
}

}  // namespace riverlink::http
