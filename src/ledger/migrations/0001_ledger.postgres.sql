-- Ledger (spec ledger.md): accounts with four balance counters, an immutable journal of
-- balance changes (transfers, posts, voids, expiries), recorded failures and a version row.

-- Accounts are immutable except their balances and the closed flag. 'no' is a dense
-- surrogate that keeps the journal's per-account indexes small.
CREATE TABLE ledger_accounts (
  no BIGINT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  ledger BIGINT NOT NULL,
  code BIGINT NOT NULL,
  flags BIGINT NOT NULL,
  owner TEXT NOT NULL,
  division_code TEXT NOT NULL,
  user_data_128 TEXT,
  user_data_64 BIGINT NOT NULL,
  user_data_32 BIGINT NOT NULL,
  debits_pending BIGINT NOT NULL,
  debits_posted BIGINT NOT NULL,
  credits_pending BIGINT NOT NULL,
  credits_posted BIGINT NOT NULL,
  ts BIGINT NOT NULL UNIQUE,
  audit_seq BIGINT NOT NULL
);
CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner, no);
CREATE INDEX ledger_accounts_division ON ledger_accounts (division_code, no);

-- The journal: one row per balance change, in ledger-time order (ts, ns since epoch, unique
-- and strictly increasing). Each row carries both accounts' balances after it, so balances
-- as of any time are one index probe away. Expiry rows have no id.
CREATE TABLE ledger_transfers (
  ts BIGINT PRIMARY KEY,  -- 64-bit: INTEGER is 32-bit on PostgreSQL
  id TEXT,
  kind BIGINT NOT NULL,
  debit_no BIGINT NOT NULL,
  credit_no BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  pending_id TEXT,
  user_data_128 TEXT,
  user_data_64 BIGINT NOT NULL,
  user_data_32 BIGINT NOT NULL,
  timeout BIGINT NOT NULL,
  ledger BIGINT NOT NULL,
  code BIGINT NOT NULL,
  flags BIGINT NOT NULL,
  expires_at BIGINT,
  dr_debits_pending BIGINT NOT NULL,
  dr_debits_posted BIGINT NOT NULL,
  dr_credits_pending BIGINT NOT NULL,
  dr_credits_posted BIGINT NOT NULL,
  cr_debits_pending BIGINT NOT NULL,
  cr_debits_posted BIGINT NOT NULL,
  cr_credits_pending BIGINT NOT NULL,
  cr_credits_posted BIGINT NOT NULL,
  audit_seq BIGINT NOT NULL
);
CREATE UNIQUE INDEX ledger_transfers_id ON ledger_transfers (id);
-- A pending transfer resolves (post, void or expiry) at most once: enforced here too.
CREATE UNIQUE INDEX ledger_transfers_resolves ON ledger_transfers (pending_id);
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_no, ts);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_no, ts);
CREATE INDEX ledger_transfers_expiry ON ledger_transfers (expires_at) WHERE expires_at IS NOT NULL;

-- Ids whose transfer failed on a state-dependent check: a retry with the same request gets
-- the same result, a retry with a different request gets id_already_failed.
CREATE TABLE ledger_failures (
  id TEXT PRIMARY KEY,
  result BIGINT NOT NULL,
  request TEXT NOT NULL,
  ts BIGINT NOT NULL,
  audit_seq BIGINT NOT NULL
);

-- One row: bumped by every ledger commit so that an in-memory cache can tell it is current.
CREATE TABLE ledger_meta (
  id BIGINT PRIMARY KEY,
  version BIGINT NOT NULL,
  last_ts BIGINT NOT NULL,
  last_account_no BIGINT NOT NULL
);
INSERT INTO ledger_meta (id, version, last_ts, last_account_no) VALUES (1, 0, 0, 0);
