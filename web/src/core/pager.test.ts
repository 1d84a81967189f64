import { describe, expect, it, vi } from 'vitest';
import { useCursorPager } from './pager';
import { ApiError } from './api';

const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
  start: { items: [1, 2], next_cursor: 'c2' },
  c2: { items: [3, 4], next_cursor: 'c3' },
  c3: { items: [5], next_cursor: null },
};

describe('useCursorPager', () => {
  it('walks forward and back by cursor', async () => {
    const fetchPage = vi.fn(async (cursor: string | null, limit: number) => {
      expect(limit).toBe(2);
      return pages[cursor ?? 'start']!;
    });
    const p = useCursorPager(fetchPage, 2);
    await p.first();
    expect(p.items.value).toEqual([1, 2]);
    expect(p.hasPrev()).toBe(false);
    await p.next();
    await p.next();
    expect(p.items.value).toEqual([5]);
    expect(p.pageIndex.value).toBe(2);
    expect(p.hasNext()).toBe(false);
    await p.next();
    expect(fetchPage).toHaveBeenCalledTimes(3);
    await p.prev();
    expect(p.items.value).toEqual([3, 4]);
    expect(fetchPage).toHaveBeenLastCalledWith('c2', 2);
    await p.reload();
    expect(p.items.value).toEqual([3, 4]);
    await p.first();
    expect(p.items.value).toEqual([1, 2]);
  });

  it('keeps the problem detail of a failed page', async () => {
    const p = useCursorPager(async () => {
      throw new ApiError({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'auditors only' });
    });
    await p.first();
    expect(p.error.value).toBe('auditors only');
    expect(p.loading.value).toBe(false);
  });
});
