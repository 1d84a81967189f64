import { api } from '../../core/client';
import type { Job, Page } from '../../core/types';

export function listJobs(cursor: string | null, limit: number): Promise<Page<Job>> {
  return api.get<Page<Job>>('/api/v1/jobs', { query: { cursor, limit } });
}

export function getJob(id: string): Promise<Job> {
  return api.get<Job>(`/api/v1/jobs/${encodeURIComponent(id)}`);
}

export function cancelJob(id: string): Promise<Job> {
  return api.post<Job>(`/api/v1/jobs/${encodeURIComponent(id)}/cancel`);
}
