// A small blocking HTTP/1.1 client for tests (Beast), with a cookie jar.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace riverlink::http::testing {

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; Set-Cookie joined by "\n"
  std::string body;
  core::Json json() const { return core::Json::parse(body); }
};

class Client {
 public:
  explicit Client(unsigned short port) : port_(port) {}
  ClientResponse request(const std::string& method, const std::string& target, const std::string& body = "",
                         std::vector<std::pair<std::string, std::string>> headers = {});
  ClientResponse get(const std::string& target) { return request("GET", target); }
  // POST JSON with the session's CSRF token and a fresh Idempotency-Key unless given.
  ClientResponse post(const std::string& target, const core::Json& body, std::string idem_key = "");
  // Signs in; stores the cookie and CSRF token.
  ClientResponse login(const std::string& user, const std::string& password);
  std::string csrf;
  std::map<std::string, std::string> cookies;

 private:
  unsigned short port_;
  int counter_ = 0;
};

}  // namespace riverlink::http::testing
