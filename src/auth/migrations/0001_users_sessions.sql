CREATE TABLE auth_users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  division_code TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

-- Browser sessions; only the SHA-256 of the cookie value is stored.
CREATE TABLE auth_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES auth_users (id),
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at_ms BIGINT NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

-- Bearer API tokens; only the SHA-256 is stored, the token is shown once.
CREATE TABLE auth_api_tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES auth_users (id),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);

-- Failed logins, for throttling by username and by remote address.
CREATE TABLE auth_login_failures (
  username TEXT NOT NULL,
  remote_addr TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX auth_login_failures_user ON auth_login_failures (username, at_ms);
CREATE INDEX auth_login_failures_addr ON auth_login_failures (remote_addr, at_ms);
