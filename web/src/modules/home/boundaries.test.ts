import { describe, expect, it } from 'vitest';
import { loadBoundaries } from './boundaries';

describe('region boundaries', () => {
  it('hold every prefecture of Shanghai, Jiangsu (13), Zhejiang (11) and Anhui (16)', async () => {
    const b = await loadBoundaries();
    const codes = b.prefectures.features.map((f) => f.properties.code);
    expect(codes).toHaveLength(41);
    expect(new Set(codes).size).toBe(41);
    const count = (p: string) => codes.filter((c) => c.startsWith(p)).length;
    expect([count('31'), count('32'), count('33'), count('34')]).toEqual([1, 13, 11, 16]);
    expect(codes).toContain('320500');
    expect(b.prefectures.features.find((f) => f.properties.code === '320500')?.properties.name_zh).toBe('苏州市');
    expect(b.provinces.features.map((f) => f.properties.code)).toEqual(['310000', '320000', '330000', '340000']);
  });

  it('have real polygons inside the region', async () => {
    const b = await loadBoundaries();
    for (const f of b.prefectures.features) {
      expect(['Polygon', 'MultiPolygon']).toContain(f.geometry.type);
      const flat = JSON.stringify(f.geometry.coordinates).match(/-?\d+(\.\d+)?/g)!.map(Number);
      expect(flat.length, f.properties.code).toBeGreaterThan(40);
      for (let i = 0; i < flat.length; i += 2) {
        expect(flat[i]).toBeGreaterThan(114);
        expect(flat[i]).toBeLessThan(124);
        expect(flat[i + 1]).toBeGreaterThan(27);
        expect(flat[i + 1]).toBeLessThan(36);
      }
    }
  });
});
