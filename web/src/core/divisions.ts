import { api } from './client';
import type { Division, DivisionLevel, Items } from './types';

export const REGION_PROVINCES = ['310000', '320000', '330000', '340000'] as const;

export async function fetchDivisions(level: DivisionLevel, parent?: string): Promise<Division[]> {
  const res = await api.get<Items<Division>>('/api/v1/divisions', { query: { level, parent } });
  return res.items;
}

/** The two-digit province prefix of a GB/T 2260 code, as a province code. */
export function provinceOf(code: string): string {
  return `${code.slice(0, 2)}0000`;
}

export function divisionName(d: Pick<Division, 'name_zh' | 'name_en'>, locale: string): string {
  return locale === 'en' ? d.name_en || d.name_zh : d.name_zh || d.name_en;
}
