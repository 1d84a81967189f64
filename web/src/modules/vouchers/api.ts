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

/** Sums order amounts per (enterprise province → provider province) for a Sankey chart. */
export function sankeyLinks(rows: Json[], name: (code: string) => string): { source: string; target: string; value: number }[] {
  const sums = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.enterprise_province}|${r.provider_province}`;
    sums.set(key, (sums.get(key) ?? 0) + Number(r.amount_fen));
  }
  // Sankey needs a DAG: sources and targets are distinct nodes (suffix the targets).
  return [...sums.entries()].map(([k, v]) => {
    const [a = '', b = ''] = k.split('|');
    return { source: name(a), target: `${name(b)} ▸`, value: Math.round(v / 100) };
  });
}
