import { describe, expect, it } from 'vitest';
import { bidLadder, formatCountdown, NEXT_COMMANDS, remainingMs, warningLevel, yuan } from './api';

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
  it('builds the bid ladder on the increment grid', () => {
    expect(bidLadder(100000, 5000)).toEqual([100000, 105000, 110000, 125000]);
    expect(bidLadder(100000, 0)).toEqual([100000]);
  });
  it('warns three times in the last minute', () => {
    expect(warningLevel(61000)).toBe(0);
    expect(warningLevel(60000)).toBe(1);
    expect(warningLevel(29000)).toBe(2);
    expect(warningLevel(9000)).toBe(3);
    expect(warningLevel(0)).toBe(0);
    expect(warningLevel(null)).toBe(0);
  });
  it('offers the next commands of a state', () => {
    expect(NEXT_COMMANDS.scheme_drafted).toContain('vote');
    expect(NEXT_COMMANDS.sold).toEqual(['sign_contract', 'refuse_to_sign']);
  });
});
