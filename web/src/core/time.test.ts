import { describe, expect, it } from 'vitest';
import { formatShanghai } from './time';

describe('formatShanghai', () => {
  it('shows UTC instants in Asia/Shanghai (UTC+8)', () => {
    expect(formatShanghai('2026-03-15T01:30:00Z')).toBe('2026-03-15 09:30:00');
    expect(formatShanghai('2026-12-31T16:00:00.123Z')).toBe('2027-01-01 00:00:00');
  });

  it('passes through empty and unparsable input', () => {
    expect(formatShanghai('')).toBe('');
    expect(formatShanghai(null)).toBe('');
    expect(formatShanghai('not a time')).toBe('not a time');
  });
});
