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
  arrival: string;
  departure: string;
}

export interface Leg {
  mode: string;
  from: { stop_id: string; name: string };
  to: { stop_id: string; name: string };
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
