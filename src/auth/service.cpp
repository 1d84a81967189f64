#include "auth/service.hpp"

#include "core/divisions.hpp"
#include "core/hash.hpp"

namespace riverlink::auth {

namespace {
constexpr const char* kUserCols = "id, username, display_name, role, division_code, disabled, created_at";

User user_from(const store::Row& r, size_t off = 0) {
  User u;
  u.id = r.str(off + 0);
  u.username = r.str(off + 1);
  u.display_name = r.str(off + 2);
  u.role = parse_role(r.str(off + 3)).value_or(Role::enterprise);
  u.division_code = r.str(off + 4);
  u.disabled = r.i64(off + 5) != 0;
  u.created_at = r.str(off + 6);
  return u;
}

bool valid_username(const std::string& s) {
  if (s.size() < 3 || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}
}  // namespace

core::Json to_json(const User& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"role", std::string(role_name(u.role))},
          {"division_code", u.division_code},
          {"disabled", u.disabled},
          {"created_at", u.created_at}};
}

Service::Service(store::Database& db, audit::CommandRunner& runner, const core::Clock& clock,
                 core::IdGenerator& ids, Options opts)
    : db_(db), runner_(runner), clock_(clock), ids_(ids), opts_(opts) {}

Principal Service::principal_of(const User& u, bool via_token) {
  Principal p;
  p.user_id = u.id;
  p.username = u.username;
  p.display_name = u.display_name;
  p.role = u.role;
  p.division_code = u.division_code;
  p.via_token = via_token;
  return p;
}

Result<Session> Service::login(const std::string& username, const std::string& password,
                               const std::string& remote_addr) {
  const int64_t now = core::to_unix_ms(clock_.now());
  const int64_t since = now - opts_.failure_window_ms;
  // Throttle before doing any password work.
  {
    auto tx = db_.begin(store::TxKind::read);
    auto by_user = tx->query_one("SELECT COUNT(*) FROM auth_login_failures WHERE username = ? AND at_ms > ?",
                                 {username, since})->i64(0);
    auto by_addr = tx->query_one("SELECT COUNT(*) FROM auth_login_failures WHERE remote_addr = ? AND at_ms > ?",
                                 {remote_addr, since})->i64(0);
    if (by_user >= opts_.max_failures || by_addr >= opts_.max_failures * 4) {
      return Error::make(ErrorKind::too_many, "auth.throttled",
                         "too many failed logins; try again in " +
                             std::to_string(opts_.failure_window_ms / 60000) + " minutes");
    }
  }
  std::optional<User> user;
  std::string stored_hash;
  {
    auto tx = db_.begin(store::TxKind::read);
    auto row = tx->query_one(std::string("SELECT ") + kUserCols +
                                 ", password_hash FROM auth_users WHERE username = ?",
                             {username});
    if (row) {
      user = user_from(*row);
      stored_hash = row->str(7);
    }
  }
  bool good = user && !user->disabled && verify_password(password, stored_hash);
  if (!user) {
    // Spend comparable time for unknown users so timing does not reveal which names exist.
    static const std::string dummy = hash_password("riverlink-dummy", opts_.cost);
    (void)verify_password(password, dummy);
  }
  if (!good) {
    auto r = store::transact(db_, store::TxKind::write, [&](store::Tx& tx) -> Status {
      tx.exec("INSERT INTO auth_login_failures (username, remote_addr, at_ms) VALUES (?, ?, ?)",
              {username, remote_addr, now});
      audit::append(tx, clock_.now(), {"anonymous", "auth", "login_failed", std::nullopt,
                                       core::Json{{"username", username}, {"remote_addr", remote_addr}}});
      return ok_status();
    });
    if (!r.ok()) return r.error();
    return Error::make(ErrorKind::unauthenticated, "auth.bad_credentials",
                       "the username or password is not correct");
  }
  Session s;
  s.token = core::random_token();
  s.csrf_token = core::random_token();
  s.expires_at_ms = now + opts_.session_ttl_ms;
  s.user = *user;
  auto r = store::transact(db_, store::TxKind::write, [&](store::Tx& tx) -> Status {
    tx.exec("INSERT INTO auth_sessions (token_hash, user_id, csrf_token, created_at, expires_at_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            {core::sha256_hex(s.token), user->id, s.csrf_token, core::format_utc(clock_.now()),
             s.expires_at_ms});
    tx.exec("DELETE FROM auth_login_failures WHERE username = ?", {username});
    tx.exec("DELETE FROM auth_sessions WHERE expires_at_ms < ?", {now});
    audit::append(tx, clock_.now(), {"user:" + user->id, "auth", "login", std::nullopt,
                                     core::Json{{"username", username}, {"remote_addr", remote_addr}}});
    return ok_status();
  });
  if (!r.ok()) return r.error();
  return s;
}

Status Service::logout(const std::string& token) {
  cache_drop("s:" + core::sha256_hex(token));
  return store::transact(db_, store::TxKind::write, [&](store::Tx& tx) -> Status {
    auto row = tx.query_one("SELECT user_id FROM auth_sessions WHERE token_hash = ?", {core::sha256_hex(token)});
    if (!row) return ok_status();
    tx.exec("DELETE FROM auth_sessions WHERE token_hash = ?", {core::sha256_hex(token)});
    audit::append(tx, clock_.now(), {"user:" + row->str(0), "auth", "logout", std::nullopt, core::Json::object()});
    return ok_status();
  });
}

std::optional<Service::Cached> Service::cache_get(const std::string& key, int64_t now) {
  if (opts_.auth_cache_ms <= 0) return std::nullopt;
  std::lock_guard lock(cache_mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  if (it->second.until_ms < now) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void Service::cache_put(const std::string& key, Cached c) {
  if (opts_.auth_cache_ms <= 0) return;
  std::lock_guard lock(cache_mu_);
  if (cache_.size() > 100000) cache_.clear();  // bounded
  cache_[key] = std::move(c);
}

void Service::cache_drop(const std::string& key) {
  std::lock_guard lock(cache_mu_);
  cache_.erase(key);
}

std::optional<ResolvedSession> Service::resolve_session(const std::string& token) {
  if (token.empty() || token.size() > 200) return std::nullopt;
  const int64_t now = core::to_unix_ms(clock_.now());
  const std::string key = "s:" + core::sha256_hex(token);
  if (auto c = cache_get(key, now)) return c->session;
  auto found = lookup_session(token, now);
  cache_put(key, Cached{found, std::nullopt, now + opts_.auth_cache_ms});
  return found;
}

std::optional<ResolvedSession> Service::lookup_session(const std::string& token, int64_t now) {
  auto tx = db_.begin(store::TxKind::read);
  auto row = tx->query_one(
      "SELECT u.id, u.username, u.display_name, u.role, u.division_code, u.disabled, u.created_at, "
      "s.csrf_token, s.expires_at_ms FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id "
      "WHERE s.token_hash = ?",
      {core::sha256_hex(token)});
  if (!row) return std::nullopt;
  User u = user_from(*row);
  // Cached no longer than the session lives.
  if (u.disabled || row->i64(8) < now + opts_.auth_cache_ms) return std::nullopt;
  return ResolvedSession{principal_of(u, false), row->str(7)};
}

std::optional<Principal> Service::resolve_api_token(const std::string& token) {
  if (token.empty() || token.size() > 200) return std::nullopt;
  const int64_t now = core::to_unix_ms(clock_.now());
  const std::string key = "t:" + core::sha256_hex(token);
  if (auto c = cache_get(key, now)) return c->principal;
  auto found = lookup_api_token(token);
  cache_put(key, Cached{std::nullopt, found, now + opts_.auth_cache_ms});
  return found;
}

std::optional<Principal> Service::lookup_api_token(const std::string& token) {
  auto tx = db_.begin(store::TxKind::read);
  auto row = tx->query_one(
      "SELECT u.id, u.username, u.display_name, u.role, u.division_code, u.disabled, u.created_at "
      "FROM auth_api_tokens t JOIN auth_users u ON u.id = t.user_id "
      "WHERE t.token_hash = ? AND t.revoked = 0",
      {core::sha256_hex(token)});
  if (!row) return std::nullopt;
  User u = user_from(*row);
  if (u.disabled) return std::nullopt;
  return principal_of(u, true);
}

Status Service::validate(const NewUser& u) const {
  Error e{ErrorKind::invalid, "auth.invalid_user", "", {}};
  if (!valid_username(u.username)) {
    e.fields.push_back({"username", "3 to 64 characters: lower-case letters, digits, _ . -"});
  }
  if (u.display_name.empty() || u.display_name.size() > 200) {
    e.fields.push_back({"display_name", "1 to 200 characters"});
  }
  if (u.password.size() < 10 || u.password.size() > 200) {
    e.fields.push_back({"password", "10 to 200 characters"});
  }
  auto role = parse_role(u.role);
  if (!role) e.fields.push_back({"role", "unknown role '" + u.role + "'"});
  if (!u.division_code.empty() && !core::Divisions::yrd().find(u.division_code)) {
    e.fields.push_back({"division_code", "unknown division code '" + u.division_code + "'"});
  }
  if (role == Role::officer && u.division_code.empty()) {
    e.fields.push_back({"division_code", "an officer needs the division of their jurisdiction"});
  }
  if (e.fields.empty()) return ok_status();
  for (const auto& f : e.fields) e.message += (e.message.empty() ? "" : "; ") + f.field + ": " + f.message;
  return e;
}

Result<User> Service::add_user(const Principal& actor, const audit::CommandContext& ctx, const NewUser& nu) {
  RL_TRY(require_role(actor, {Role::platform_admin}));
  RL_TRY(validate(nu));
  // Hash outside the transaction: it is slow on purpose.
  std::string hash = hash_password(nu.password, opts_.cost);
  std::string id = ids_.next();
  core::Json payload = {{"username", nu.username}, {"display_name", nu.display_name},
                        {"role", nu.role}, {"division_code", nu.division_code}};
  auto out = runner_.run(ctx, "auth", "add_user", payload, [&](store::Tx& tx) -> Result<core::Json> {
    if (tx.query_one("SELECT 1 FROM auth_users WHERE username = ?", {nu.username})) {
      return Error::field("auth.username_taken", "username", "username '" + nu.username + "' is taken");
    }
    User u{id, nu.username, nu.display_name, *parse_role(nu.role), nu.division_code, false,
           core::format_utc(clock_.now())};
    tx.exec("INSERT INTO auth_users (id, username, display_name, role, division_code, password_hash, "
            "disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
            {u.id, u.username, u.display_name, nu.role, u.division_code, hash, u.created_at});
    return to_json(u);
  });
  if (!out.ok()) return out.error();
  const auto& j = out->result;
  return User{j["id"], j["username"], j["display_name"], *parse_role(j["role"].get<std::string>()),
              j["division_code"], j["disabled"], j["created_at"]};
}

Result<std::vector<User>> Service::list_users(const Principal& actor) {
  RL_TRY(require_role(actor, {Role::platform_admin, Role::auditor}));
  auto tx = db_.begin(store::TxKind::read);
  std::vector<User> out;
  for (const auto& r : tx->query(std::string("SELECT ") + kUserCols + " FROM auth_users ORDER BY username")) {
    out.push_back(user_from(r));
  }
  return out;
}

Result<ApiToken> Service::create_api_token(const Principal& actor, const audit::CommandContext& ctx,
                                           const std::string& name) {
  if (name.empty() || name.size() > 100) {
    return Error::field("auth.invalid_token_name", "name", "1 to 100 characters");
  }
  ApiToken t{ids_.next(), core::random_token(), name};
  // The raw token must never reach the idempotency store, so a replay cannot return it.
  auto out = runner_.run(ctx, "auth", "create_api_token", core::Json{{"name", name}},
                         [&](store::Tx& tx) -> Result<core::Json> {
                           tx.exec("INSERT INTO auth_api_tokens (id, token_hash, user_id, name, created_at, revoked) "
                                   "VALUES (?, ?, ?, ?, ?, 0)",
                                   {t.id, core::sha256_hex(t.token), actor.user_id, name,
                                    core::format_utc(clock_.now())});
                           return core::Json{{"id", t.id}, {"name", name}};
                         });
  if (!out.ok()) return out.error();
  if (out->replayed) {
    return Error::make(ErrorKind::conflict, "auth.token_already_issued",
                       "this request already issued token " + out->result["id"].get<std::string>() +
                           "; it is shown only once");
  }
  return t;
}

}  // namespace riverlink::auth
