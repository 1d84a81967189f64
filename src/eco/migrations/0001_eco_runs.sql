-- eco (spec gep.md): GEP datasets (the demo region or an uploaded run definition with its
-- rasters, vectors and tables, stored in the eco data folder) and GEP runs (a background job
-- each; outputs in the data folder under runs/<id>).

CREATE TABLE eco_datasets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,              -- demo | upload
  division_code TEXT NOT NULL,     -- GB/T 2260 code of the accounted region (jurisdiction)
  dir TEXT NOT NULL,               -- folder under the eco data folder
  run_file TEXT NOT NULL,          -- relative to dir
  project_run_file TEXT,           -- VEP project scenario (relative), if any
  parcels_file TEXT,               -- VEP parcels (relative), if any
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE eco_runs (
  id TEXT PRIMARY KEY,
  dataset_id TEXT NOT NULL REFERENCES eco_datasets(id),
  vep INTEGER NOT NULL,            -- 1: baseline + project scenario + VEP parcels
  job_id TEXT,
  status TEXT NOT NULL,            -- queued | succeeded | failed
  gep_fen BIGINT,
  error TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX eco_runs_dataset ON eco_runs(dataset_id);
