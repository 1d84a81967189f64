// Follows one job over Server-Sent Events (`GET /api/v1/jobs/{id}/events`): `progress`
// events carry the job, a final `done` event carries the finished job. When the stream
// breaks, the job is fetched once and the stream reopened, a bounded number of times.
import { isFinished, type Job, type JobStatus } from './types';

const STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

export function parseJobEvent(data: string): Job | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const job = value as Job;
  if (typeof job.id !== 'string' || !STATUSES.includes(job.status)) return null;
  const progress = Number(job.progress);
  return { ...job, progress: Number.isFinite(progress) ? Math.min(100, Math.max(0, progress)) : 0 };
}

export function jobEventsUrl(id: string): string {
  return `/api/v1/jobs/${encodeURIComponent(id)}/events`;
}

export interface JobWatchHandlers {
  onUpdate: (job: Job) => void;
  onDone?: (job: Job) => void;
  onError?: (error: unknown) => void;
}

type EventSourceLike = Pick<EventSource, 'addEventListener' | 'close'> & {
  onerror: ((this: EventSource, ev: Event) => unknown) | null;
};

export interface JobWatchDeps {
  fetchJob: (id: string) => Promise<Job>;
  createEventSource?: (url: string) => EventSourceLike;
  retryDelayMs?: number;
  maxRetries?: number;
}

/** Starts following a job; returns a function that stops it. */
export function watchJob(id: string, handlers: JobWatchHandlers, deps: JobWatchDeps): () => void {
  const create = deps.createEventSource ?? ((url: string) => new EventSource(url));
  const retryDelayMs = deps.retryDelayMs ?? 1500;
  const maxRetries = deps.maxRetries ?? 20;
  let source: EventSourceLike | null = null;
  let stopped = false;
  let retries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const close = () => {
    source?.close();
    source = null;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  const finish = (job: Job) => {
    if (stopped) return;
    stopped = true;
    close();
    handlers.onUpdate(job);
    handlers.onDone?.(job);
  };

  const receive = (data: string) => {
    const job = parseJobEvent(data);
    if (!job || stopped) return;
    retries = 0;
    if (isFinished(job.status)) finish(job);
    else handlers.onUpdate(job);
  };

  const recover = async () => {
    close();
    if (stopped) return;
    try {
      const job = await deps.fetchJob(id);
      if (stopped) return;
      if (isFinished(job.status)) return finish(job);
      handlers.onUpdate(job);
    } catch (e) {
      if (stopped) return;
      handlers.onError?.(e);
    }
    if (retries >= maxRetries) {
      stopped = true;
      handlers.onError?.(new Error(`job ${id}: event stream lost`));
      return;
    }
    retries += 1;
    timer = setTimeout(open, retryDelayMs);
  };

  function open() {
    timer = undefined;
    if (stopped) return;
    const es = create(jobEventsUrl(id));
    source = es;
    es.addEventListener('progress', (ev) => receive((ev as MessageEvent<string>).data));
    es.addEventListener('done', (ev) => {
      const job = parseJobEvent((ev as MessageEvent<string>).data);
      if (job) finish(job);
      else void recover();
    });
    es.onerror = () => {
      if (source === es) void recover();
    };
  }

  open();
  return () => {
    stopped = true;
    close();
  };
}
