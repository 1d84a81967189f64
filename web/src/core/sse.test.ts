import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jobEventsUrl, parseJobEvent, watchJob } from './sse';
import type { Job } from './types';

class FakeEventSource {
  static all: FakeEventSource[] = [];
  listeners = new Map<string, ((ev: MessageEvent<string>) => void)[]>();
  onerror: (() => void) | null = null;
  closed = false;
  constructor(public url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, fn: (ev: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: unknown) {
    const ev = new MessageEvent(type, { data: typeof data === 'string' ? data : JSON.stringify(data) });
    for (const fn of this.listeners.get(type) ?? []) fn(ev);
  }
  fail() {
    this.onerror?.();
  }
}

const job = (over: Partial<Job> = {}): Job => ({
  id: 'job-1',
  kind: 'audit.verify',
  status: 'running',
  progress: 10,
  message: '',
  created_at: '2026-03-15T01:00:00Z',
  updated_at: '2026-03-15T01:00:01Z',
  result: null,
  error: null,
  ...over,
});

const create = (url: string) => new FakeEventSource(url) as unknown as EventSource;

beforeEach(() => {
  FakeEventSource.all = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('parseJobEvent', () => {
  it('accepts a job and clamps progress', () => {
    expect(parseJobEvent(JSON.stringify(job({ progress: 140 })))?.progress).toBe(100);
    expect(parseJobEvent(JSON.stringify(job({ progress: -1 })))?.progress).toBe(0);
  });

  it('rejects malformed data', () => {
    expect(parseJobEvent('nope')).toBeNull();
    expect(parseJobEvent('null')).toBeNull();
    expect(parseJobEvent(JSON.stringify({ id: 'x', status: 'weird' }))).toBeNull();
  });
});

describe('watchJob', () => {
  it('subscribes to the job event stream', () => {
    watchJob('a/b', { onUpdate: () => {} }, { fetchJob: vi.fn(), createEventSource: create });
    expect(FakeEventSource.all[0]!.url).toBe(jobEventsUrl('a/b'));
    expect(jobEventsUrl('a/b')).toBe('/api/v1/jobs/a%2Fb/events');
  });

  it('reports progress, then done, and closes the stream', () => {
    const updates: number[] = [];
    const onDone = vi.fn();
    watchJob('job-1', { onUpdate: (j) => updates.push(j.progress), onDone }, { fetchJob: vi.fn(), createEventSource: create });
    const es = FakeEventSource.all[0]!;
    es.emit('progress', job({ progress: 20 }));
    es.emit('progress', job({ progress: 60 }));
    es.emit('done', job({ status: 'succeeded', progress: 100, result: { entries: 12 } }));
    expect(updates).toEqual([20, 60, 100]);
    expect(onDone).toHaveBeenCalledWith(expect.objectContaining({ status: 'succeeded', result: { entries: 12 } }));
    expect(es.closed).toBe(true);
    es.emit('progress', job({ progress: 99 }));
    expect(updates).toEqual([20, 60, 100]);
  });

  it('treats a finished job in a progress event as done', () => {
    const onDone = vi.fn();
    watchJob('job-1', { onUpdate: () => {}, onDone }, { fetchJob: vi.fn(), createEventSource: create });
    FakeEventSource.all[0]!.emit('progress', job({ status: 'failed', error: 'hash mismatch at 7' }));
    expect(onDone).toHaveBeenCalledWith(expect.objectContaining({ status: 'failed', error: 'hash mismatch at 7' }));
  });

  it('after a dropped stream, fetches the job and finishes if it is done', async () => {
    const onDone = vi.fn();
    const fetchJob = vi.fn(async () => job({ status: 'succeeded', progress: 100 }));
    watchJob('job-1', { onUpdate: () => {}, onDone }, { fetchJob, createEventSource: create });
    FakeEventSource.all[0]!.fail();
    await vi.runAllTimersAsync();
    expect(fetchJob).toHaveBeenCalledWith('job-1');
    expect(onDone).toHaveBeenCalledTimes(1);
    expect(FakeEventSource.all).toHaveLength(1);
  });

  it('after a dropped stream, reopens it while the job runs, a bounded number of times', async () => {
    const onError = vi.fn();
    const fetchJob = vi.fn(async () => job());
    watchJob('job-1', { onUpdate: () => {}, onError }, { fetchJob, createEventSource: create, retryDelayMs: 10, maxRetries: 2 });
    for (let i = 0; i < 3; i++) {
      FakeEventSource.all.at(-1)!.fail();
      await vi.advanceTimersByTimeAsync(20);
    }
    expect(FakeEventSource.all).toHaveLength(3);
    expect(FakeEventSource.all.every((es) => es.closed)).toBe(true);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('stops on request', () => {
    const onUpdate = vi.fn();
    const stop = watchJob('job-1', { onUpdate }, { fetchJob: vi.fn(), createEventSource: create });
    stop();
    FakeEventSource.all[0]!.emit('progress', job());
    expect(onUpdate).not.toHaveBeenCalled();
    expect(FakeEventSource.all[0]!.closed).toBe(true);
  });
});
