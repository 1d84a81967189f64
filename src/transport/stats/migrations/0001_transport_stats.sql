-- Passenger statistics (transport.md §9). Every value belongs to exactly one series; series
-- with different definitions (commercial passengers, airport throughput, departures,
-- passenger-km, cross-region trips) are never added together.
CREATE TABLE transport_stat_series (
  id TEXT PRIMARY KEY,
  name_zh TEXT NOT NULL,
  name_en TEXT NOT NULL,
  definition TEXT NOT NULL,
  unit TEXT NOT NULL,
  modes TEXT NOT NULL,
  period_type TEXT NOT NULL
);

INSERT INTO transport_stat_series (id, name_zh, name_en, definition, unit, modes, period_type) VALUES
 ('commercial_passengers', '营业性客运量（综合客运量）', 'Commercial passengers (综合客运量)',
  'Passengers carried by commercial rail, road coach, water and air services (air counted as departures, not throughput)', 'persons', 'rail,road,water,air', 'month'),
 ('airport_throughput', '机场旅客吞吐量', 'Airport passenger throughput',
  'Arrivals plus departures at airports (about twice the departures); never added to passenger counts', 'persons', 'air', 'month'),
 ('departures', '旅客发送量', 'Passenger departures',
  'Passengers departing, e.g. rail departures; comparable only with other departure counts', 'persons', 'rail,road,water,air', 'month'),
 ('passenger_km', '旅客周转量', 'Passenger-kilometres',
  'Passenger-kilometres; not a passenger count', 'person_km', 'rail,road,water,air', 'month'),
 ('cross_region_trips', '跨区域人员流动量', 'Cross-region person trips',
  'Cross-region person trips including private-car trips (MoT); a different series from commercial passengers', 'persons', 'rail,road,water,air,private_car', 'month');

CREATE TABLE transport_stat_imports (
  id TEXT PRIMARY KEY,
  file_name TEXT NOT NULL,
  source TEXT NOT NULL,
  demo INTEGER NOT NULL,
  rows_count BIGINT NOT NULL,
  actor TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);

CREATE TABLE transport_stat_values (
  series_id TEXT NOT NULL,
  division_code TEXT NOT NULL,
  mode TEXT NOT NULL,
  month TEXT NOT NULL,
  value BIGINT NOT NULL,
  demo INTEGER NOT NULL,
  import_id TEXT NOT NULL,
  PRIMARY KEY (series_id, division_code, mode, month)
);
