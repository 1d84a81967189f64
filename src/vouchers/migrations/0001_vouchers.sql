-- Innovation vouchers (科技创新券) and the S&T resource-sharing marketplace.
-- Money is integer fen; policy parameters are versioned JSON documents (no amount in code).
CREATE TABLE vch_issuers (
  code TEXT PRIMARY KEY,            -- SH, JS, ZJ, AH, DZ, JS-SZ ...
  name_zh TEXT NOT NULL,
  name_en TEXT NOT NULL,
  division_code TEXT NOT NULL,      -- GB/T 2260 scope used for officer jurisdiction
  level TEXT NOT NULL,              -- province | city | county | zone
  parent_code TEXT
);
CREATE TABLE vch_policies (
  id TEXT PRIMARY KEY,
  issuer_code TEXT NOT NULL,
  version INTEGER NOT NULL,
  doc_ref TEXT NOT NULL,
  label TEXT NOT NULL,              -- e.g. "DEMO — unverified values"
  effective_from TEXT NOT NULL,     -- YYYY-MM-DD inclusive
  effective_to TEXT NOT NULL,       -- YYYY-MM-DD inclusive
  params TEXT NOT NULL,             -- canonical JSON of the parameters
  created_at TEXT NOT NULL,
  UNIQUE (issuer_code, version)
);
CREATE TABLE vch_budgets (
  issuer_code TEXT NOT NULL,
  year INTEGER NOT NULL,
  appropriated_fen BIGINT NOT NULL,
  PRIMARY KEY (issuer_code, year)
);
CREATE TABLE vch_parties (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,               -- enterprise | provider
  name TEXT NOT NULL,
  uscc TEXT NOT NULL UNIQUE,
  division_code TEXT NOT NULL,
  user_id TEXT,
  legal_rep TEXT NOT NULL,
  controller TEXT NOT NULL,         -- actual controller (同一实际控制人 group key); may be empty
  shareholders TEXT NOT NULL,       -- JSON array of names
  qualifications TEXT NOT NULL,     -- JSON array
  demo INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX vch_parties_user ON vch_parties (user_id);
CREATE TABLE vch_recognitions (
  provider_id TEXT NOT NULL,
  issuer_code TEXT NOT NULL,
  state TEXT NOT NULL,              -- active | suspended | revoked
  PRIMARY KEY (provider_id, issuer_code)
);
CREATE TABLE vch_services (
  id TEXT PRIMARY KEY,
  provider_id TEXT NOT NULL,
  provider_name TEXT NOT NULL,
  kind TEXT NOT NULL,               -- service | instrument
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  category TEXT NOT NULL,
  price_fen BIGINT NOT NULL,
  division_code TEXT NOT NULL,
  available INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX vch_services_provider ON vch_services (provider_id);
CREATE TABLE vch_grants (
  id TEXT PRIMARY KEY,
  enterprise_id TEXT NOT NULL,
  issuer_code TEXT NOT NULL,
  year INTEGER NOT NULL,
  policy_id TEXT NOT NULL,
  quota_fen BIGINT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (enterprise_id, issuer_code, year)
);
CREATE TABLE vch_demands (
  id TEXT PRIMARY KEY,
  enterprise_id TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  category TEXT NOT NULL,
  budget_fen BIGINT NOT NULL,
  state TEXT NOT NULL,              -- open | awarded | cancelled
  created_at TEXT NOT NULL
);
CREATE TABLE vch_quotes (
  id TEXT PRIMARY KEY,
  demand_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  service_id TEXT,
  amount_fen BIGINT NOT NULL,
  note TEXT NOT NULL,
  state TEXT NOT NULL,              -- submitted | accepted | rejected
  created_at TEXT NOT NULL
);
CREATE INDEX vch_quotes_demand ON vch_quotes (demand_id);
CREATE TABLE vch_contracts (
  id TEXT PRIMARY KEY,
  demand_id TEXT,
  quote_id TEXT,
  enterprise_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  service_id TEXT,
  title TEXT NOT NULL,
  category TEXT NOT NULL,
  issuer_code TEXT NOT NULL,        -- the enterprise's home issuer
  enterprise_division TEXT NOT NULL,
  provider_division TEXT NOT NULL,
  amount_fen BIGINT NOT NULL,
  catalogue_price_fen BIGINT,
  policy_id TEXT,
  voucher_fen BIGINT NOT NULL,
  copay_fen BIGINT NOT NULL,
  approved_fen BIGINT NOT NULL,
  payee_mode TEXT NOT NULL,
  funding TEXT NOT NULL,            -- JSON [{issuer, share_bp, amount_fen}]
  state TEXT NOT NULL,
  signed_on TEXT,                   -- YYYY-MM-DD (Asia/Shanghai)
  fiscal_year INTEGER,
  hold_key TEXT,                    -- digest of (actor, idempotency key) of the signing
  hold_ids TEXT NOT NULL,           -- JSON array of pending transfer ids
  resolve_ids TEXT NOT NULL,        -- JSON array of post/void transfer ids
  resolve_key TEXT,
  invoice_no TEXT,
  accepted_on TEXT,
  approved_on TEXT,
  demo INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX vch_contracts_state ON vch_contracts (state);
CREATE INDEX vch_contracts_enterprise ON vch_contracts (enterprise_id);
CREATE INDEX vch_contracts_provider ON vch_contracts (provider_id);
CREATE TABLE vch_redemptions (
  contract_id TEXT PRIMARY KEY,     -- at most one redemption per contract
  invoice_no TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE vch_invoices (
  invoice_no TEXT PRIMARY KEY,      -- one claim per invoice across all jurisdictions
  contract_id TEXT NOT NULL,
  issuer_code TEXT NOT NULL
);
CREATE TABLE vch_external_claims (
  invoice_no TEXT NOT NULL,         -- claims registered by other programmes / jurisdictions
  issuer_code TEXT NOT NULL,
  source TEXT NOT NULL,
  PRIMARY KEY (invoice_no, issuer_code)
);
CREATE TABLE vch_evidence (
  id TEXT PRIMARY KEY,
  contract_id TEXT NOT NULL,
  filename TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  content TEXT NOT NULL,            -- base64
  created_at TEXT NOT NULL
);
CREATE TABLE vch_ratings (
  contract_id TEXT NOT NULL,
  rater TEXT NOT NULL,              -- enterprise | provider
  score INTEGER NOT NULL,
  comment TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (contract_id, rater)
);
CREATE TABLE vch_flags (
  id TEXT PRIMARY KEY,
  contract_id TEXT NOT NULL,
  kind TEXT NOT NULL,               -- related_party | duplicate_claim | price_deviation
  detail TEXT NOT NULL,
  state TEXT NOT NULL,              -- open | cleared | upheld
  decided_by TEXT,
  decision_note TEXT,
  created_at TEXT NOT NULL,
  decided_at TEXT
);
CREATE INDEX vch_flags_contract ON vch_flags (contract_id);
CREATE TABLE vch_obligations (
  id TEXT PRIMARY KEY,
  contract_id TEXT NOT NULL,
  funder_code TEXT NOT NULL,
  payee_id TEXT NOT NULL,
  payee_division TEXT NOT NULL,
  amount_fen BIGINT NOT NULL,
  period TEXT NOT NULL,             -- YYYY-MM of approval
  fiscal_year INTEGER NOT NULL,
  batch_id TEXT,
  transfer_id TEXT,
  UNIQUE (contract_id, funder_code)
);
CREATE INDEX vch_obligations_batch ON vch_obligations (funder_code, period, batch_id);
CREATE TABLE vch_batches (
  id TEXT PRIMARY KEY,
  issuer_code TEXT NOT NULL,
  period TEXT NOT NULL,
  total_fen BIGINT NOT NULL,
  obligations INTEGER NOT NULL,
  manifest_sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL
);
