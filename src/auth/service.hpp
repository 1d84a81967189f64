// Accounts, sessions and API tokens. Authorization is checked here, not only at routes.
#pragma once
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/command.hpp"
#include "auth/password.hpp"
#include "auth/principal.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "store/db.hpp"
#include "store/migrate.hpp"

namespace riverlink::auth {

std::vector<store::Migration> migrations();

struct User {
  std::string id;
  std::string username;
  std::string display_name;
  Role role;
  std::string division_code;
  bool disabled = false;
  std::string created_at;
};
core::Json to_json(const User& u);

struct NewUser {
  std::string username;
  std::string display_name;
  std::string password;
  std::string role;
  std::string division_code;  // required for officers; optional otherwise
};

struct Session {
  std::string token;  // cookie value; only its hash is stored
  std::string csrf_token;
  int64_t expires_at_ms;
  User user;
};

struct ApiToken {
  std::string id;
  std::string token;  // shown once
  std::string name;
};

struct ResolvedSession {
  Principal principal;
  std::string csrf_token;
};

struct Options {
  PasswordCost cost = PasswordCost::interactive();
  int64_t session_ttl_ms = 12LL * 3600 * 1000;
  int max_failures = 5;                   // per username or address within the window
  int64_t failure_window_ms = 15LL * 60 * 1000;
  // Resolved sessions and tokens are cached this long (0: off). Logout in this process
  // drops the entry at once; other processes see a logout or revocation within this time.
  int64_t auth_cache_ms = 2000;
};

// Thread-safe.
class Service {
 public:
  Service(store::Database& db, audit::CommandRunner& runner, const core::Clock& clock,
          core::IdGenerator& ids, Options opts = {});

  Result<Session> login(const std::string& username, const std::string& password,
                        const std::string& remote_addr);
  Status logout(const std::string& session_token);
  std::optional<ResolvedSession> resolve_session(const std::string& token);
  std::optional<Principal> resolve_api_token(const std::string& token);

  Result<User> add_user(const Principal& actor, const audit::CommandContext& ctx, const NewUser& u);
  Result<std::vector<User>> list_users(const Principal& actor);
  Result<ApiToken> create_api_token(const Principal& actor, const audit::CommandContext& ctx,
                                    const std::string& name);

  static Principal principal_of(const User& u, bool via_token);

 private:
  Status validate(const NewUser& u) const;
  struct Cached {
    std::optional<ResolvedSession> session;  // for "s:" keys
    std::optional<Principal> principal;      // for "t:" keys
    int64_t until_ms;
  };
  std::optional<ResolvedSession> lookup_session(const std::string& token, int64_t now);
  std::optional<Principal> lookup_api_token(const std::string& token);
  std::optional<Cached> cache_get(const std::string& key, int64_t now);
  void cache_put(const std::string& key, Cached c);
  void cache_drop(const std::string& key);
  std::mutex cache_mu_;
  std::unordered_map<std::string, Cached> cache_;
  store::Database& db_;
  audit::CommandRunner& runner_;
  const core::Clock& clock_;
  core::IdGenerator& ids_;
  Options opts_;
};

}  // namespace riverlink::auth
