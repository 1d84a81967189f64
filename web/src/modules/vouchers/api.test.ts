import { describe, expect, it } from 'vitest';
import { sankeyLinks, yuan } from './api';

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
        { enterprise_province: '320000', provider_province: '310000', amount_fen: 100 },
        { enterprise_province: '320000', provider_province: '310000', amount_fen: 200 },
        { enterprise_province: '330000', provider_province: '320000', amount_fen: 500 },
      ],
      (c) => c.slice(0, 2),
    );
    expect(links).toEqual([
      { source: '32', target: '31 ▸', value: 3 },
      { source: '33', target: '32 ▸', value: 5 },
    ]);
  });
});
