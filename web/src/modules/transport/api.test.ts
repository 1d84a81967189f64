import { describe, expect, it } from 'vitest';
import { bandOf, dayTime, legPath, pct, timeline, wan, type Journey } from './api';

describe('transit dayTime', () => {
  it('shows times past midnight with a day offset', () => {
    expect(dayTime('08:05:00')).toBe('08:05');
    expect(dayTime('25:30:00')).toBe('+1d 01:30');
    expect(dayTime('48:00:00')).toBe('+2d 00:00');
  });
});

describe('transit journey drawing', () => {
  const j: Journey = {
    departure: '08:00:00',
    arrival: '10:00:00',
    transfers: 1,
    legs: [
      { mode: 'hsr', from: { stop_id: 'A', name: 'A', lat: 31, lon: 121 }, to: { stop_id: 'B', name: 'B', lat: 32, lon: 119 },
        departure: '08:00:00', arrival: '09:00:00',
        stops: [{ stop_id: 'A', lat: 31, lon: 121, arrival: '08:00:00', departure: '08:00:00' },
          { stop_id: 'M', arrival: '08:30:00', departure: '08:31:00' },
          { stop_id: 'B', lat: 32, lon: 119, arrival: '09:00:00', departure: '09:00:00' }] },
      { mode: 'walk', from: { stop_id: 'B', name: 'B', lat: 32, lon: 119 }, to: { stop_id: 'C', name: 'C', lat: 32.1, lon: 119.1 },
        departure: '09:00:00', arrival: '09:30:00' },
      { mode: 'ferry', from: { stop_id: 'C', name: 'C' }, to: { stop_id: 'D', name: 'D' }, departure: '09:30:00', arrival: '10:00:00' },
    ],
  };
  it('draws trip legs through their stops with coordinates, walks from and to', () => {
    expect(legPath(j.legs[0]!)).toEqual([[31, 121], [32, 119]]);
    expect(legPath(j.legs[1]!)).toEqual([[32, 119], [32.1, 119.1]]);
    expect(legPath(j.legs[2]!)).toEqual([]);
  });
  it('lays legs on the timeline in proportion to their time', () => {
    const t = timeline(j);
    expect(t.map((b) => b.mode)).toEqual(['hsr', 'walk', 'ferry']);
    expect(t[0]!.width).toBeCloseTo(0.5);
    expect(t[2]!.start).toBeCloseTo(0.75);
  });
});

describe('transit statistics formatting', () => {
  it('formats growth and 万 figures', () => {
    expect(pct(0.524)).toBe('+52.4%');
    expect(pct(-0.061)).toBe('-6.1%');
    expect(pct(null)).toBe('—');
    expect(wan(530000000)).toBe('53,000.0');
    expect(bandOf(30)).toBe(0);
    expect(bandOf(100000)).toBe(6);
  });
});
