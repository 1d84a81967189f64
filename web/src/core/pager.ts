// Page-by-page navigation over a cursor-paginated list (`?cursor=&limit=` -> next_cursor).
// The cursor of every page visited is kept so that "previous" works without offsets.
import { ref, shallowRef } from 'vue';
import type { Page } from './types';
import { isApiError } from './api';

export type PageFetcher<T> = (cursor: string | null, limit: number) => Promise<Page<T>>;

export function useCursorPager<T>(fetchPage: PageFetcher<T>, initialLimit = 50) {
  const items = shallowRef<T[]>([]);
  const limit = ref(initialLimit);
  const pageIndex = ref(0);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  // cursors[i] is the cursor that loads page i; page 0 has none.
  let cursors: (string | null)[] = [null];
  let generation = 0;

  async function load(index: number): Promise<void> {
    const cursor = cursors[index] ?? null;
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    try {
      const page = await fetchPage(cursor, limit.value);
      if (mine !== generation) return;
      items.value = page.items;
      pageIndex.value = index;
      nextCursor.value = page.next_cursor;
      cursors = cursors.slice(0, index + 1);
      if (page.next_cursor) cursors.push(page.next_cursor);
    } catch (e) {
      if (mine !== generation) return;
      error.value = isApiError(e) ? e.detail : String(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  return {
    items,
    limit,
    pageIndex,
    nextCursor,
    loading,
    error,
    first: () => {
      cursors = [null];
      return load(0);
    },
    reload: () => load(pageIndex.value),
    next: () => (nextCursor.value ? load(pageIndex.value + 1) : Promise.resolve()),
    prev: () => (pageIndex.value > 0 ? load(pageIndex.value - 1) : Promise.resolve()),
    hasPrev: () => pageIndex.value > 0,
    hasNext: () => !!nextCursor.value,
  };
}
