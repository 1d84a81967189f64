// eco API client: GEP datasets and runs (/api/v1/eco/...), with the pure helpers the page uses.
import { api } from '../../core/client';
import { ApiError, NETWORK_ERROR_TYPE, type Problem } from '../../core/api';

export interface Dataset {
  id: string;
  name: string;
  kind: 'demo' | 'upload';
  division_code: string;
  run_file: string;
  vep: boolean;
  created_by: string;
  created_at: string;
}

export interface ServiceSummary {
  category: string;
  unit: string;
  quantity: number;
  value_fen: number;
}

export interface Summary {
  name: string;
  accounting_year: number;
  gep_fen: number;
  categories: Record<string, { value_fen: number; share: number }>;
  services: Record<string, ServiceSummary>;
}

export interface Run {
  id: string;
  dataset_id: string;
  dataset_name?: string;
  vep: boolean;
  job_id: string | null;
  status: 'queued' | 'succeeded' | 'failed';
  gep_fen: number | null;
  error: string | null;
  created_by: string;
  created_at: string;
  finished_at: string | null;
  progress?: number;
  message?: string;
  job_status?: string;
  summary?: Summary;
}

export interface ZonalRow {
  zone_id: number;
  zone_name: string;
  indicator: string;
  service: string;
  category: string;
  unit: string;
  quantity: number;
  value_fen: number;
}

export interface QuickLook {
  service: string;
  png: string;
  min: number;
  max: number;
  width: number;
  height: number;
  bounds: [[number, number], [number, number]];
}

export interface VepRow {
  parcel_id: number;
  name: string;
  area_m2: number;
  service: string;
  baseline_fen: number;
  project_fen: number;
  gain_fen: number;
  baseline_centre_fen: number;
  project_centre_fen: number;
  gain_centre_fen: number;
}

export interface RunFile {
  path: string;
  bytes: number;
}

const enc = encodeURIComponent;

export const ecoApi = {
  datasets: () => api.get<{ items: Dataset[] }>('/api/v1/eco/datasets'),
  upload: (body: { name: string; division_code: string; files: Record<string, string>; run_file?: string }) =>
    api.post<Dataset>('/api/v1/eco/datasets', body),
  runs: (datasetId?: string) =>
    api.get<{ items: Run[] }>('/api/v1/eco/runs', { query: datasetId ? { dataset_id: datasetId } : undefined }),
  run: (id: string) => api.get<Run>(`/api/v1/eco/runs/${enc(id)}`),
  start: (datasetId: string, vep: boolean) => api.post<Run & { job: { id: string } }>('/api/v1/eco/runs', { dataset_id: datasetId, vep }),
  zonal: (id: string, by: 'zone' | 'class' = 'zone') => api.get<ZonalRow[]>(`/api/v1/eco/runs/${enc(id)}/zonal`, { query: { by } }),
  quicklooks: (id: string) => api.get<QuickLook[]>(`/api/v1/eco/runs/${enc(id)}/quicklooks`),
  vep: (id: string) => api.get<VepRow[]>(`/api/v1/eco/runs/${enc(id)}/vep`),
  files: (id: string) => api.get<{ items: RunFile[] }>(`/api/v1/eco/runs/${enc(id)}/files`),
};

export interface UploadMeta {
  name: string;
  division_code: string;
  run_file?: string;
  project_run_file?: string;
  parcels_file?: string;
}

/** Query string of POST /datasets/archive (the archive itself is the body). */
export function archiveQuery(meta: UploadMeta, filename: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(meta)) if (v) q.set(k, v);
  if (filename) q.set('filename', filename);
  return q.toString();
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * Uploads a dataset folder's zip archive as the request body (application/zip) with
 * XMLHttpRequest, for its upload progress events; the CSRF token comes from the session probe.
 * Rejects with an ApiError holding the server's problem document.
 */
export async function uploadArchive(file: Blob & { name?: string }, meta: UploadMeta, onProgress?: (p: UploadProgress) => void): Promise<Dataset> {
  const me = await api.get<{ csrf_token?: string }>('/api/v1/auth/me');
  const key = globalThis.crypto?.randomUUID?.() ?? `eco-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return new Promise<Dataset>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/eco/datasets/archive?${archiveQuery(meta, file.name ?? '')}`);
    xhr.setRequestHeader('Content-Type', 'application/zip');
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Idempotency-Key', key);
    if (me.csrf_token) xhr.setRequestHeader('X-CSRF-Token', me.csrf_token);
    xhr.upload.onprogress = (e) => onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as Dataset);
      const p = (body && typeof body === 'object' ? body : {}) as Partial<Problem>;
      reject(new ApiError({ type: p.type ?? 'about:blank', title: p.title ?? xhr.statusText, status: xhr.status, detail: p.detail, code: p.code, errors: p.errors }));
    };
    xhr.onerror = () => reject(new ApiError({ type: NETWORK_ERROR_TYPE, title: 'Network error', status: 0, detail: 'the upload was interrupted' }));
    xhr.send(file);
  });
}

/** Leaflet URL template of a run's XYZ tiles for one layer (a service, or gep_total). */
export function tileUrl(runId: string, layer: string): string {
  return `/api/v1/eco/runs/${enc(runId)}/tiles/${enc(layer)}/{z}/{x}/{y}.png`;
}

/** The quick-looks' (and tiles') colour ramp, light to dark, as a CSS gradient for the legend. */
export const RAMP_STOPS = ['#ffffcc', '#c2e699', '#78c679', '#31a354', '#006837'] as const;
export const rampGradient = (): string => `linear-gradient(to right, ${RAMP_STOPS.join(', ')})`;

export function fileUrl(runId: string, path: string, download = false): string {
  return `/api/v1/eco/runs/${enc(runId)}/file?path=${enc(path)}${download ? '&download=1' : ''}`;
}

export function csvUrl(runId: string, what: 'zonal-zone' | 'zonal-class' | 'summary' | 'vep'): string {
  const base = `/api/v1/eco/runs/${enc(runId)}`;
  if (what === 'summary') return `${base}/summary?format=csv`;
  if (what === 'vep') return `${base}/vep?format=csv`;
  return `${base}/zonal?by=${what === 'zonal-zone' ? 'zone' : 'class'}&format=csv`;
}

/** 亿元 (1e8 yuan) from integer fen, two decimals. */
export function yi(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '–';
  return (fen / 1e10).toFixed(2);
}

/** 万元 (1e4 yuan) from integer fen, two decimals, with thousands separators. */
export function wan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '–';
  return (fen / 1e6).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export const CATEGORIES = ['provisioning', 'regulating', 'cultural'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface ZoneTotals {
  zone_id: number;
  zone_name: string;
  byCategory: Record<Category, number>;
  byIndicator: Record<string, number>;
  total_fen: number;
}

/** Rows per zone (sorted by zone id) with fen per category and per indicator. */
export function zoneTotals(rows: readonly ZonalRow[]): ZoneTotals[] {
  const out = new Map<number, ZoneTotals>();
  for (const r of rows) {
    let z = out.get(r.zone_id);
    if (!z) {
      z = { zone_id: r.zone_id, zone_name: r.zone_name, byCategory: { provisioning: 0, regulating: 0, cultural: 0 }, byIndicator: {}, total_fen: 0 };
      out.set(r.zone_id, z);
    }
    if (!z.zone_name && r.zone_name) z.zone_name = r.zone_name;
    if ((CATEGORIES as readonly string[]).includes(r.category)) z.byCategory[r.category as Category] += r.value_fen;
    z.byIndicator[r.indicator] = (z.byIndicator[r.indicator] ?? 0) + r.value_fen;
    z.total_fen += r.value_fen;
  }
  return [...out.values()].sort((a, b) => a.zone_id - b.zone_id);
}

export interface ParcelGain {
  parcel_id: number;
  name: string;
  area_m2: number;
  services: { service: string; baseline_fen: number; project_fen: number; gain_fen: number; gain_centre_fen: number }[];
  gain_fen: number;
  gain_centre_fen: number;
}

/** VEP rows grouped per parcel with the total gain (fractional coverage and pixel centres). */
export function parcelGains(rows: readonly VepRow[]): ParcelGain[] {
  const out = new Map<number, ParcelGain>();
  for (const r of rows) {
    let p = out.get(r.parcel_id);
    if (!p) {
      p = { parcel_id: r.parcel_id, name: r.name ?? String(r.parcel_id), area_m2: r.area_m2 ?? 0, services: [], gain_fen: 0, gain_centre_fen: 0 };
      out.set(r.parcel_id, p);
    }
    p.services.push({ service: r.service, baseline_fen: r.baseline_fen, project_fen: r.project_fen, gain_fen: r.gain_fen, gain_centre_fen: r.gain_centre_fen });
    p.gain_fen += r.gain_fen;
    p.gain_centre_fen += r.gain_centre_fen;
  }
  return [...out.values()].sort((a, b) => a.parcel_id - b.parcel_id);
}

/** Upload: relative path inside the chosen folder (drops the folder's own name). */
export function relativePath(file: { name: string; webkitRelativePath?: string }): string {
  const rel = file.webkitRelativePath || file.name;
  const slash = rel.indexOf('/');
  return slash >= 0 && file.webkitRelativePath ? rel.slice(slash + 1) : rel;
}

export async function toBase64(buf: ArrayBuffer): Promise<string> {
  const bytes = new Uint8Array(buf);
  let bin = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) bin += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(bin);
}
