import { describe, expect, it } from 'vitest';
import { dayTime } from './api';

describe('transit dayTime', () => {
  it('shows times past midnight with a day offset', () => {
    expect(dayTime('08:05:00')).toBe('08:05');
    expect(dayTime('25:30:00')).toBe('+1d 01:30');
    expect(dayTime('48:00:00')).toBe('+2d 00:00');
  });
});
