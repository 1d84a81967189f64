import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../core/client';
import { ApiError } from '../../core/api';
import {
  archiveQuery, csvUrl, fileUrl, parcelGains, RAMP_STOPS, rampGradient, relativePath, tileUrl, toBase64, uploadArchive, wan, yi, zoneTotals,
  type VepRow, type ZonalRow,
} from './api';

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

// A stand-in XMLHttpRequest: records the request, reports upload progress, answers with `answer`.
class FakeXhr {
  static last: FakeXhr | null = null;
  static answer = { status: 201, body: '{"id":"d1","name":"n"}' };
  method = '';
  url = '';
  headers: Record<string, string> = {};
  sent: unknown = null;
  status = 0;
  statusText = '';
  responseText = '';
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
    FakeXhr.last = this;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(body: unknown) {
    this.sent = body;
    this.upload.onprogress?.({ loaded: 5, total: 10, lengthComputable: true });
    this.upload.onprogress?.({ loaded: 10, total: 10, lengthComputable: true });
    this.status = FakeXhr.answer.status;
    this.responseText = FakeXhr.answer.body;
    queueMicrotask(() => this.onload?.());
  }
}

describe('eco uploads and tiles', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });
  it('builds the archive query and tile URLs', () => {
    expect(archiveQuery({ name: '宿迁 a&b', division_code: '321300', run_file: '' }, 'd.zip')).toBe(
      'name=%E5%AE%BF%E8%BF%81+a%26b&division_code=321300&filename=d.zip',
    );
    expect(tileUrl('r 1', 'gep_total')).toBe('/api/v1/eco/runs/r%201/tiles/gep_total/{z}/{x}/{y}.png');
    expect(RAMP_STOPS[0]).toBe('#ffffcc');
    expect(rampGradient()).toContain('#006837');
  });
  it('posts the zip as the body with CSRF, idempotency key and progress', async () => {
    vi.spyOn(api, 'get').mockResolvedValue({ csrf_token: 'tok' });
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    FakeXhr.answer = { status: 201, body: '{"id":"d1","name":"n"}' };
    const file = Object.assign(new Blob(['PK..'], { type: 'application/zip' }), { name: 'suqian.zip' });
    const seen: number[] = [];
    const d = await uploadArchive(file, { name: 'n', division_code: '321300' }, (p) => seen.push(p.loaded / p.total));
    expect(d.id).toBe('d1');
    const x = FakeXhr.last!;
    expect(x.method).toBe('POST');
    expect(x.url).toBe('/api/v1/eco/datasets/archive?name=n&division_code=321300&filename=suqian.zip');
    expect(x.headers['Content-Type']).toBe('application/zip');
    expect(x.headers['X-CSRF-Token']).toBe('tok');
    expect(x.headers['Idempotency-Key']).toBeTruthy();
    expect(x.sent).toBe(file);
    expect(seen).toEqual([0.5, 1]);
  });
  it('turns a refused upload into an ApiError with the problem', async () => {
    vi.spyOn(api, 'get').mockResolvedValue({ csrf_token: 'tok' });
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    FakeXhr.answer = { status: 413, body: '{"type":"urn:riverlink:problem:http.body_too_large","title":"Content Too Large","status":413,"detail":"the request body exceeds the limit of 3145728 bytes (3 MiB)"}' };
    const err = await uploadArchive(new Blob(['x']), { name: 'n', division_code: '321300' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(413);
    expect((err as ApiError).detail).toContain('3 MiB');
  });
});
