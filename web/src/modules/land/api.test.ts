import { describe, expect, it } from 'vitest';
import { formatCountdown, remainingMs, yuan } from './api';

describe('land helpers', () => {
  it('formats fen as yuan', () => {
    expect(yuan(123456789)).toBe('1,234,567.89');
    expect(yuan(5)).toBe('0.05');
    expect(yuan(null)).toBe('—');
  });
  it('counts down against the server clock', () => {
    const now = Date.parse('2026-11-27T08:00:00Z');
    expect(remainingMs('2026-11-27T08:04:00Z', 0, now)).toBe(240000);
    expect(remainingMs('2026-11-27T08:04:00Z', 60000, now)).toBe(180000);
    expect(remainingMs('2026-11-27T07:00:00Z', 0, now)).toBe(0);
    expect(remainingMs(null, 0, now)).toBeNull();
  });
  it('formats the countdown', () => {
    expect(formatCountdown(272000)).toBe('04:32');
    expect(formatCountdown(3723000)).toBe('1:02:03');
    expect(formatCountdown(3 * 86400000 + 4 * 3600000 + 5 * 60000 + 6000)).toBe('3d 04:05:06');
  });
});
