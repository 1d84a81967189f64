import { describe, expect, it } from 'vitest';
import { sankeyLinks, toFen, yuan } from './api';

describe('vouchers helpers', () => {
  it('formats fen as yuan without floating point', () => {
    expect(yuan(45_000_000)).toBe('450,000.00');
    expect(yuan(30_000_001)).toBe('300,000.01');
    expect(yuan(-5)).toBe('-0.05');
    expect(yuan(null)).toBe('');
  });
  it('sums flows per province pair for the Sankey chart', () => {
    const links = sankeyLinks(
      [
        { enterprise_province: '320000', provider_province: '310000', amount_fen: 100, count: 1 },
        { enterprise_province: '320000', provider_province: '310000', amount_fen: 200, count: 2 },
        { enterprise_province: '330000', provider_province: '320000', amount_fen: 500, count: 1 },
      ],
      (c) => c.slice(0, 2),
    );
    expect(links).toEqual([
      { source: '32', target: '31 ▸', value: 300, count: 3 },
      { source: '33', target: '32 ▸', value: 500, count: 1 },
    ]);
  });
  it('parses yuan input into integer fen', () => {
    expect(toFen('450000')).toBe(45_000_000);
    expect(toFen('1,234.5')).toBe(123_450);
    expect(toFen('0.07')).toBe(7);
    expect(toFen('1.234')).toBeNull();
    expect(toFen('-3')).toBeNull();
    expect(toFen('abc')).toBeNull();
  });
});
