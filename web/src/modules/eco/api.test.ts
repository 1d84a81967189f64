import { describe, expect, it } from 'vitest';
import { csvUrl, fileUrl, parcelGains, relativePath, toBase64, wan, yi, zoneTotals, type VepRow, type ZonalRow } from './api';

const row = (zone_id: number, indicator: string, category: string, value_fen: number, zone_name = ''): ZonalRow => ({
  zone_id, zone_name, indicator, service: indicator, category, unit: 'm3', quantity: 1, value_fen,
});

describe('eco api helpers', () => {
  it('sums zones per category and indicator', () => {
    const z = zoneTotals([
      row(321324, 'water_conservation', 'regulating', 500, '泗洪县'),
      row(321302, 'provisioning', 'provisioning', 300),
      row(321302, 'flood_regulation', 'regulating', 700, '宿城区'),
      row(321302, 'flood_regulation', 'regulating', 100),
    ]);
    expect(z.map((x) => x.zone_id)).toEqual([321302, 321324]);
    expect(z[0]!.zone_name).toBe('宿城区');
    expect(z[0]!.byCategory).toEqual({ provisioning: 300, regulating: 800, cultural: 0 });
    expect(z[0]!.byIndicator.flood_regulation).toBe(800);
    expect(z[0]!.total_fen).toBe(1100);
  });
  it('groups VEP gains per parcel', () => {
    const r = (parcel_id: number, service: string, b: number, p: number): VepRow => ({
      parcel_id, name: `p${parcel_id}`, area_m2: 10, service, baseline_fen: b, project_fen: p, gain_fen: p - b,
      baseline_centre_fen: b, project_centre_fen: p + 1, gain_centre_fen: p + 1 - b,
    });
    const g = parcelGains([r(2, 'a', 10, 30), r(1, 'a', 5, 4), r(1, 'b', 0, 10)]);
    expect(g.map((x) => x.parcel_id)).toEqual([1, 2]);
    expect(g[0]!.gain_fen).toBe(9);
    expect(g[0]!.gain_centre_fen).toBe(11);
    expect(g[1]!.services).toHaveLength(1);
  });
  it('formats money from integer fen', () => {
    expect(yi(123456789012)).toBe('12.35');
    expect(wan(1234567800)).toBe('1,234.57');
    expect(yi(null)).toBe('–');
  });
  it('builds file and CSV links', () => {
    expect(fileUrl('r1', 'rasters/a b.tif', true)).toBe('/api/v1/eco/runs/r1/file?path=rasters%2Fa%20b.tif&download=1');
    expect(csvUrl('r1', 'zonal-class')).toBe('/api/v1/eco/runs/r1/zonal?by=class&format=csv');
    expect(csvUrl('r1', 'vep')).toBe('/api/v1/eco/runs/r1/vep?format=csv');
  });
  it('keeps paths relative to the uploaded folder', () => {
    expect(relativePath({ name: 'lulc.tif', webkitRelativePath: 'suqian/rasters/lulc.tif' })).toBe('rasters/lulc.tif');
    expect(relativePath({ name: 'run.json' })).toBe('run.json');
  });
  it('encodes uploads as base64', async () => {
    expect(await toBase64(new TextEncoder().encode('GEP!').buffer)).toBe('R0VQIQ==');
  });
});
