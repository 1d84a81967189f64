import { api } from '../../core/client';
import type { AuditEntry, Page } from '../../core/types';

export function listEntries(cursor: string | null, limit: number): Promise<Page<AuditEntry>> {
  return api.get<Page<AuditEntry>>('/api/v1/audit/entries', { query: { cursor, limit } });
}

export function startVerify(): Promise<{ job_id: string }> {
  return api.post<{ job_id: string }>('/api/v1/audit/verify');
}

/** Walks every page, up to maxRows entries, for export. */
export async function allEntries(maxRows = 50_000, pageSize = 100): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<AuditEntry> = await listEntries(cursor, pageSize);
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && out.length < maxRows);
  return out.slice(0, maxRows);
}
