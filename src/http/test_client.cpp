#include "http/test_client.hpp"

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace riverlink::http::testing {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;

ClientResponse Client::request(const std::string& method, const std::string& target, const std::string& body,
                               std::vector<std::pair<std::string, std::string>> headers) {
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  stream.connect(resolver.resolve("127.0.0.1", std::to_string(port_)));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  std::string cookie_header;
  for (const auto& [k, v] : cookies) cookie_header += (cookie_header.empty() ? "" : "; ") + k + "=" + v;
  if (!cookie_header.empty()) req.set(bhttp::field::cookie, cookie_header);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buf;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  bhttp::read(stream, buf, parser);
  auto& res = parser.get();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto& slot = out.headers[name];
    slot += (slot.empty() ? "" : "\n") + std::string(f.value());
    if (name == "set-cookie") {
      std::string v(f.value());
      auto eq = v.find('=');
      auto semi = v.find(';');
      std::string key = v.substr(0, eq), val = v.substr(eq + 1, semi - eq - 1);
      if (val.empty()) cookies.erase(key); else cookies[key] = val;
    }
  }
  out.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  return out;
}

ClientResponse Client::post(const std::string& target, const core::Json& body, std::string idem_key) {
  if (idem_key.empty()) idem_key = "test-" + std::to_string(++counter_) + "-" + std::to_string(reinterpret_cast<uintptr_t>(this));
  return request("POST", target, body.dump(),
                 {{"Content-Type", "application/json"}, {"X-CSRF-Token", csrf}, {"Idempotency-Key", idem_key}});
}

ClientResponse Client::login(const std::string& user, const std::string& password) {
  auto r = request("POST", "/api/v1/auth/login", core::Json{{"username", user}, {"password", password}}.dump(),
                   {{"Content-Type", "application/json"}});
  if (r.status == 200) csrf = r.json()["csrf_token"];
  return r;
}

}  // namespace riverlink::http::testing
