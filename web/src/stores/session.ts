// Who is signed in. The session itself is the HttpOnly cookie; this store keeps the user
// and the CSRF token that the server hands out with it.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, setCsrfToken } from '../core/client';
import { isApiError } from '../core/api';
import type { SessionInfo, User } from '../core/types';

export const useSession = defineStore('session', () => {
  const user = ref<User | null>(null);
  const ready = ref(false);
  let probing: Promise<void> | null = null;

  const role = computed(() => user.value?.role ?? null);

  function adopt(info: SessionInfo | null) {
    user.value = info?.user ?? null;
    setCsrfToken(info?.csrf_token ?? null);
  }

  /** Asks the server once whether the cookie still holds a session. */
  function init(): Promise<void> {
    if (ready.value) return Promise.resolve();
    probing ??= api
      .get<SessionInfo>('/api/v1/auth/me', { allowUnauthorized: true })
      .then(adopt)
      .catch((e: unknown) => {
        adopt(null);
        if (!isApiError(e) || e.status !== 401) console.warn('session probe failed', e);
      })
      .finally(() => {
        ready.value = true;
        probing = null;
      });
    return probing;
  }

  async function login(username: string, password: string): Promise<void> {
    const info = await api.post<SessionInfo>(
      '/api/v1/auth/login',
      { username, password },
      { allowUnauthorized: true },
    );
    adopt(info);
    ready.value = true;
  }

  async function logout(): Promise<void> {
    try {
      await api.post<void>('/api/v1/auth/logout', undefined, { allowUnauthorized: true });
    } finally {
      adopt(null);
    }
  }

  /** The server said 401 mid-session: the cookie expired or was revoked. */
  function expire() {
    adopt(null);
  }

  return { user, role, ready, init, login, logout, expire };
});
