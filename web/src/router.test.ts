import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';

function session(role: string | null) {
  return vi.fn(async (url: string) => {
    if (url !== '/api/v1/auth/me') throw new Error(`unexpected ${url}`);
    if (!role) {
      return new Response(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401 }), {
        status: 401,
        headers: { 'Content-Type': 'application/problem+json' },
      });
    }
    const user = { id: 'u', username: role, display_name: role, role, division_code: null };
    return new Response(JSON.stringify({ user, csrf_token: 't' }), {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
    });
  });
}

// Each test gets a fresh router module, store and history.
async function freshRouter(role: string | null) {
  vi.resetModules();
  vi.stubGlobal('fetch', session(role));
  setActivePinia(createPinia());
  window.history.replaceState(null, '', '/');
  const { router } = await import('./router');
  return router;
}

beforeEach(() => {
  vi.unstubAllGlobals();
});

// The first navigation into the app shell compiles its lazy pages, which takes a while.
describe('route guard', { timeout: 60_000 }, () => {
  it('sends a visitor without a session to the login page, keeping the target', async () => {
    const router = await freshRouter(null);
    await router.push('/audit');
    expect(router.currentRoute.value.name).toBe('login');
    expect(router.currentRoute.value.query.redirect).toBe('/audit');
  });

  it('keeps a role out of pages it may not open', async () => {
    const router = await freshRouter('enterprise');
    await router.push('/users');
    expect(router.currentRoute.value.name).toBe('home');
    await router.push('/jobs');
    expect(router.currentRoute.value.name).toBe('jobs');
  });

  it('lets the auditor into the audit log but not user management', async () => {
    const router = await freshRouter('auditor');
    await router.push('/audit');
    expect(router.currentRoute.value.name).toBe('audit');
    await router.push('/users');
    expect(router.currentRoute.value.name).toBe('home');
  });

  it('sends a signed-in user away from the login page', async () => {
    const router = await freshRouter('platform_admin');
    await router.push('/login?redirect=/users');
    expect(router.currentRoute.value.path).toBe('/users');
  });
});
