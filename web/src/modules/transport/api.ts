import { api } from '../../core/client';

export interface TransitStop {
  stop_id: string;
  name: string;
  location_type: number;
  lat?: number;
  lon?: number;
}

export interface LegStop {
  stop_id: string;
  name?: string;
  lat?: number;
  lon?: number;
  arrival: string;
  departure: string;
}

export interface StopRef {
  stop_id: string;
  name: string;
  lat?: number;
  lon?: number;
}

export interface Leg {
  mode: string;
  from: StopRef;
  to: StopRef;
  departure: string;
  arrival: string;
  route_name?: string;
  trip_id?: string;
  headsign?: string;
  duration_s?: number;
  stops?: LegStop[];
}

export interface Journey {
  departure: string;
  arrival: string;
  transfers: number;
  legs: Leg[];
}

export interface JourneyAnswer {
  from: string;
  to: string;
  date: string;
  departure_time: string;
  journeys: Journey[];
}

export function searchStops(q: string, limit = 20): Promise<{ items: TransitStop[] }> {
  return api.get<{ items: TransitStop[] }>('/api/v1/transit/stops', { query: { q, limit } });
}

export function planJourney(from: string, to: string, at: string, modes: string[], rangeMin: number): Promise<JourneyAnswer> {
  return api.get<JourneyAnswer>('/api/v1/transit/journeys', {
    query: { from, to, at, modes: modes.length ? modes.join(',') : null, range_min: rangeMin > 0 ? rangeMin : null },
  });
}

/** "HH:MM:SS" counted from midnight of the query date; times past 24:00 become "+1d HH:MM". */
export function dayTime(hms: string): string {
  const [h = 0, m = 0] = hms.split(':').map(Number);
  const days = Math.floor(h / 24);
  const hh = String(h % 24).padStart(2, '0');
  const mm = String(m).padStart(2, '0');
  return days > 0 ? `+${days}d ${hh}:${mm}` : `${hh}:${mm}`;
}

/** Seconds from midnight of the query date ("25:30:00" -> 91800). */
export function seconds(hms: string): number {
  const [h = 0, m = 0, s = 0] = hms.split(':').map(Number);
  return h * 3600 + m * 60 + s;
}

/** Colours of the modes on the map, the timeline and the charts. */
export const MODE_COLORS: Record<string, string> = {
  hsr: '#d7263d',
  rail: '#f46036',
  metro: '#c2185b',
  tram: '#ad7a00',
  coach: '#2e7d32',
  bus: '#66bb6a',
  ferry: '#1b75d0',
  air: '#8e44ad',
  other: '#607d8b',
  walk: '#8a8a8a',
  road: '#2e7d32',
  water: '#1b75d0',
  private_car: '#795548',
};

export function modeColor(mode: string): string {
  return MODE_COLORS[mode] ?? '#607d8b';
}

/** The points a leg is drawn through: every stop of a trip leg with coordinates, or from and to. */
export function legPath(leg: Leg): [number, number][] {
  const pts: [number, number][] = [];
  const add = (s: { lat?: number; lon?: number }) => {
    if (typeof s.lat === 'number' && typeof s.lon === 'number') pts.push([s.lat, s.lon]);
  };
  if (leg.stops && leg.stops.length >= 2) leg.stops.forEach(add);
  else {
    add(leg.from);
    add(leg.to);
  }
  return pts;
}

/** Timeline blocks: each leg's start and width as fractions of the journey. */
export function timeline(j: Journey): { mode: string; start: number; width: number; leg: Leg }[] {
  const t0 = seconds(j.departure);
  const span = Math.max(1, seconds(j.arrival) - t0);
  return j.legs.map((leg) => ({
    mode: leg.mode,
    start: (seconds(leg.departure) - t0) / span,
    width: Math.max(0, seconds(leg.arrival) - seconds(leg.departure)) / span,
    leg,
  }));
}

// ---- isochrone
export interface IsoStop extends TransitStop {
  arrival: string;
  minutes: number;
  transfers: number;
}
export interface IsoAnswer {
  from: string;
  date: string;
  departure_time: string;
  max_minutes: number;
  items: IsoStop[];
}
export function isochrone(from: string, at: string, maxMin: number, modes: string[]): Promise<IsoAnswer> {
  return api.get<IsoAnswer>('/api/v1/transit/isochrone', {
    query: { from, at, max_min: maxMin, modes: modes.length ? modes.join(',') : null },
  });
}

/** Travel-time bands (minutes) for the isochrone map. */
export const BANDS = [60, 120, 180, 240, 360, 480, 720];
export const BAND_COLORS = ['#1a9850', '#66bd63', '#a6d96a', '#fee08b', '#fdae61', '#f46d43', '#d73027'];
export function bandOf(minutes: number): number {
  const i = BANDS.findIndex((b) => minutes <= b);
  return i < 0 ? BANDS.length - 1 : i;
}

// ---- passenger statistics
export interface SeriesInfo {
  id: string;
  name_zh: string;
  name_en: string;
  definition: string;
  unit: string;
  modes: string[];
  coverage: { division_code: string; division_name: string; first_month: string; last_month: string; values: number; demo: boolean }[];
}
export interface ModeSummary {
  mode: string;
  ytd: number;
  prev_ytd: number;
  months: number;
  prev_months: number;
  yoy: number | null;
  share: number | null;
}
export interface StatsSummary {
  series: SeriesInfo;
  division_code: string;
  year: number;
  through_month: number;
  demo: boolean;
  modes: ModeSummary[];
  total: { ytd: number; prev_ytd: number; complete: boolean; yoy: number | null };
  note: string;
}
export interface StatsMonthly {
  year: number;
  demo: boolean;
  modes: string[];
  rows: { month: number; values: Record<string, number | null>; prev_values: Record<string, number | null>; total: number | null; prev_total: number | null }[];
}
const S = '/api/v1/transit/stats';
export const stats = {
  series: () => api.get<{ items: SeriesInfo[] }>(`${S}/series`),
  summary: (series: string, division: string, year: number, throughMonth = 0) =>
    api.get<StatsSummary>(`${S}/summary`, { query: { series, division, year, through_month: throughMonth || null } }),
  monthly: (series: string, division: string, year: number) => api.get<StatsMonthly>(`${S}/monthly`, { query: { series, division, year } }),
  importCsv: (fileName: string, csv: string, source: string) =>
    api.post<{ import_id: string; rows: number; replaced: number }>(`${S}/imports`, { file_name: fileName, csv, source }),
};

/** A ratio as a signed percentage with one decimal ("+52.4%"); "—" when null. */
export function pct(x: number | null | undefined, signed = true): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const v = (x * 100).toFixed(1);
  return signed && x > 0 ? `+${v}%` : `${v}%`;
}

/** Persons in 万 (10,000) with one decimal, as Chinese statistics publish them. */
export function wan(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return (n / 10000).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}
