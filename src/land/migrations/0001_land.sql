-- Land (spec land.md): parcels, collectives and members, entry cases, lots with their event
-- logs (the auction engine's inputs, replayable), deposits, the adjustment-fund rate tables,
-- distribution statements and the acquired rights (use right, lease, mortgage).

CREATE TABLE land_collectives (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  division_code TEXT NOT NULL,
  kind TEXT NOT NULL,              -- village_group | village | town
  retention_bp BIGINT NOT NULL,    -- 公积公益金 share of the net, basis points
  payout_mode TEXT NOT NULL,       -- cash | shares
  created_at TEXT NOT NULL
);

CREATE TABLE land_members (
  collective_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  shares BIGINT NOT NULL,
  is_representative INTEGER NOT NULL,
  PRIMARY KEY (collective_id, id)
);

CREATE TABLE land_parcels (
  id TEXT PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  division_code TEXT NOT NULL,
  collective_id TEXT NOT NULL,
  geojson TEXT NOT NULL,           -- a GeoJSON Polygon (WGS 84)
  area_mm2 BIGINT NOT NULL,        -- geodesic area on the WGS 84 ellipsoid
  doc TEXT NOT NULL,               -- planned use, land class, zone, planning, encumbrances...
  created_at TEXT NOT NULL
);
CREATE INDEX land_parcels_division ON land_parcels (division_code, id);

CREATE TABLE land_cases (
  id TEXT PRIMARY KEY,
  parcel_id TEXT NOT NULL,
  division_code TEXT NOT NULL,
  state TEXT NOT NULL,
  doc TEXT NOT NULL,               -- scheme, vote, filing, review, contract, payments, fund...
  lot_id TEXT,
  version BIGINT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX land_cases_division ON land_cases (division_code, id);

CREATE TABLE land_case_events (
  case_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  command TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  payload TEXT NOT NULL,
  PRIMARY KEY (case_id, seq)
);

CREATE TABLE land_lots (
  id TEXT PRIMARY KEY,
  case_id TEXT,
  division_code TEXT NOT NULL,
  title TEXT NOT NULL,
  params TEXT NOT NULL,            -- auction::Params as JSON (the announcement's parameters)
  deposit_fen BIGINT NOT NULL,
  collective_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  high_fen BIGINT NOT NULL,
  winner TEXT,
  price_fen BIGINT,
  settled INTEGER NOT NULL,
  created_at TEXT NOT NULL
);

-- The engine's event log per lot, in its total order (seq = position in the log).
CREATE TABLE land_lot_events (
  lot_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  bidder TEXT NOT NULL,
  amount BIGINT NOT NULL,
  aux BIGINT NOT NULL,
  text TEXT NOT NULL,
  actor TEXT NOT NULL,
  batch BIGINT NOT NULL,
  PRIMARY KEY (lot_id, seq)
);

-- Idempotency of lot inputs (bids, opt-ins, ...): the first result per (actor, key).
CREATE TABLE land_requests (
  actor TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  lot_id TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  result TEXT NOT NULL,
  PRIMARY KEY (actor, idem_key)
);

CREATE TABLE land_lot_bidders (
  lot_id TEXT NOT NULL,
  bidder TEXT NOT NULL,
  deposit_transfer TEXT NOT NULL,  -- ledger pending transfer id
  deposit_fen BIGINT NOT NULL,
  status TEXT NOT NULL,            -- held | refunded | applied | forfeited
  PRIMARY KEY (lot_id, bidder)
);

CREATE TABLE land_blacklist (
  bidder TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  lot_id TEXT NOT NULL,
  at TEXT NOT NULL
);

CREATE TABLE land_rate_tables (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  jurisdiction TEXT NOT NULL,
  base TEXT NOT NULL,              -- value_added_income | gross_price
  effective_from TEXT NOT NULL,
  effective_to TEXT,
  min_bp BIGINT NOT NULL,
  max_bp BIGINT NOT NULL,
  source TEXT NOT NULL
);

CREATE TABLE land_rates (
  table_id TEXT NOT NULL,
  use_class TEXT NOT NULL,         -- commercial | industrial | * (any)
  zone TEXT NOT NULL,              -- county_seat | town | elsewhere | *
  method TEXT NOT NULL,            -- listing | auction | tender | agreement | *
  event TEXT NOT NULL,             -- entry | retransfer
  rate_bp BIGINT NOT NULL,
  PRIMARY KEY (table_id, use_class, zone, method, event)
);

CREATE TABLE land_statements (
  case_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  collective_id TEXT NOT NULL,
  shares BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  mode TEXT NOT NULL,              -- cash | shares
  at TEXT NOT NULL,
  PRIMARY KEY (case_id, member_id)
);

CREATE TABLE land_rights (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  parcel_id TEXT NOT NULL,
  kind TEXT NOT NULL,              -- use_right | lease | mortgage | transfer
  holder TEXT NOT NULL,
  status TEXT NOT NULL,            -- pending | current | historic
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  amount_fen BIGINT NOT NULL,
  parent_id TEXT,
  doc TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX land_rights_case ON land_rights (case_id, id);
