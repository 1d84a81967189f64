import { api } from '../../core/client';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const B = '/api/v1/vouchers';

export const vouchersApi = {
  issuers: () => api.get<{ items: Json[] }>(`${B}/issuers`),
  policies: () => api.get<{ items: Json[] }>(`${B}/policies`),
  search: (query: Record<string, string | number | null>) => api.get<{ items: Json[]; engine: string }>(`${B}/search`, { query }),
  contracts: (state: string | null) => api.get<{ items: Json[] }>(`${B}/contracts`, { query: { state, limit: 200 } }),
  contract: (id: string) => api.get<Json>(`${B}/contracts/${id}`),
  demands: () => api.get<{ items: Json[] }>(`${B}/demands`),
  quotes: (demand: string) => api.get<{ items: Json[] }>(`${B}/demands/${demand}/quotes`),
  postDemand: (body: Json) => api.post<Json>(`${B}/demands`, body),
  quote: (demand: string, body: Json) => api.post<Json>(`${B}/demands/${demand}/quotes`, body),
  award: (quote: string) => api.post<Json>(`${B}/quotes/${quote}/award`, {}),
  act: (id: string, action: string, body: Json = {}) => api.post<Json>(`${B}/contracts/${id}/${action}`, body),
  flags: () => api.get<{ items: Json[] }>(`${B}/flags`),
  decide: (id: string, decision: string, note: string) => api.post<Json>(`${B}/flags/${id}/decide`, { decision, note }),
  settle: (issuer_code: string, period: string) => api.post<Json>(`${B}/settlements`, { issuer_code, period }),
  batches: () => api.get<{ items: Json[] }>(`${B}/settlements`),
  flows: () => api.get<{ items: Json[] }>(`${B}/reports/flows`),
  budgets: () => api.get<{ budgets: Json[]; burn_down: Json[] }>(`${B}/reports/budgets`),
  categories: () => api.get<{ items: Json[] }>(`${B}/reports/categories`),
  matrix: () => api.get<Json>(`${B}/reports/flow-matrix`, { query: { netting: 1 } }),
  summary: () => api.get<Json>(`${B}/reports/summary`),
  audit: (id: string) => api.get<{ items: Json[] }>(`${B}/contracts/${id}/audit`),
  mine: () => api.get<{ items: Json[] }>(`${B}/parties/mine`),
  quota: (enterprise: string) => api.get<{ grants: Json[] }>(`${B}/quota/${enterprise}`),
  myServices: () => api.get<{ items: Json[] }>(`${B}/services/mine`),
  addService: (body: Json) => api.post<Json>(`${B}/services`, body),
  payouts: () => api.get<{ items: Json[]; paid_fen: number; due_fen: number }>(`${B}/payouts`),
  appropriate: (issuer_code: string, year: number, amount_fen: number) => api.post<Json>(`${B}/budgets`, { issuer_code, year, amount_fen }),
  publishPolicy: (body: Json) => api.post<Json>(`${B}/policies`, body),
  recognise: (provider: string, issuer_code: string, state: string) => api.post<Json>(`${B}/parties/${provider}/recognitions`, { issuer_code, state }),
  rate: (id: string, score: number, comment: string) => api.post<Json>(`${B}/contracts/${id}/rate`, { score, comment }),
};

/** fen → "1,234.56" yuan (integer arithmetic; no floating point on money). */
export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '';
  const neg = fen < 0;
  const abs = Math.abs(Math.trunc(fen));
  const whole = Math.trunc(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${whole}.${cents}`;
}

export interface FlowLink { source: string; target: string; value: number; count: number }

/** Sums order amounts (integer fen) and counts per (enterprise province → provider province) for a Sankey chart. */
export function sankeyLinks(rows: Json[], name: (code: string) => string): FlowLink[] {
  const sums = new Map<string, { value: number; count: number }>();
  for (const r of rows) {
    const key = `${r.enterprise_province}|${r.provider_province}`;
    const cur = sums.get(key) ?? { value: 0, count: 0 };
    cur.value += Number(r.amount_fen);
    cur.count += Number(r.count ?? 0);
    sums.set(key, cur);
  }
  // Sankey needs a DAG: sources and targets are distinct nodes (suffix the targets).
  return [...sums.entries()].map(([k, v]) => {
    const [a = '', b = ''] = k.split('|');
    return { source: name(a), target: `${name(b)} ▸`, value: v.value, count: v.count };
  });
}

/** yuan string (digits, optional 2 decimals) → integer fen, or null when it is not an amount. */
export function toFen(yuanText: string | number): number | null {
  const s = String(yuanText).trim().replace(/,/g, '');
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
