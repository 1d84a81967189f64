// Shapes of the riverlink HTTP API (JSON is snake_case on the wire and here).

export const ROLES = [
  'platform_admin',
  'officer',
  'enterprise',
  'provider',
  'bank',
  'auditor',
  'collective_agent',
  'bidder',
] as const;

export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  division_code: string | null;
}

export interface SessionInfo {
  user: User;
  csrf_token: string;
}

export type DivisionLevel = 'province' | 'prefecture' | 'county';

export interface Division {
  code: string;
  name_zh: string;
  name_en: string;
  level: DivisionLevel;
  parent_code: string | null;
}

export interface Items<T> {
  items: T[];
}

export interface Page<T> extends Items<T> {
  next_cursor: string | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  module: string;
  command: string;
  payload_digest: string;
  prev_hash: string;
  hash: string;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  kind: string;
  status: JobStatus;
  progress: number;
  message: string;
  created_at: string;
  updated_at: string;
  result: unknown;
  error: string | null;
}

export function isFinished(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}
