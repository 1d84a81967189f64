import type { JobStatus } from '../../core/types';

/** Element Plus progress status for a job status. */
export function progressStatus(status: JobStatus): '' | 'success' | 'exception' | 'warning' {
  if (status === 'succeeded') return 'success';
  if (status === 'failed') return 'exception';
  if (status === 'cancelled') return 'warning';
  return '';
}

export function percent(progress: number): number {
  return Number.isFinite(progress) ? Math.round(Math.min(100, Math.max(0, progress)) * 10) / 10 : 0;
}
