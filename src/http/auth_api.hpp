// Sessions and tokens over HTTP: the Authenticator the router uses, and the auth routes.
#pragma once
#include "auth/service.hpp"
#include "http/router.hpp"

namespace riverlink::http {

// Bearer tokens first, then the rl_session cookie; cookie sessions must send X-CSRF-Token
// (the session's synchroniser token) on unsafe methods.
class SessionAuthenticator final : public Authenticator {
 public:
  explicit SessionAuthenticator(auth::Service& svc) : svc_(svc) {}
  std::optional<auth::Principal> authenticate(const Request& r, bool& csrf_ok) override;

 private:
  auth::Service& svc_;
};

struct CookieOptions {
  bool secure = false;  // set when served over TLS behind a proxy
};

void register_auth_routes(Router& router, auth::Service& svc, CookieOptions cookies = {});

}  // namespace riverlink::http
