import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import ElementPlus from 'element-plus';
import { i18n } from '../../i18n';
import LoginPage from './LoginPage.vue';

function problem(status: number, detail: string) {
  return new Response(JSON.stringify({ type: 'about:blank', title: 'Error', status, detail }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

async function mountLogin() {
  const pinia = createPinia();
  setActivePinia(pinia);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', component: LoginPage },
      { path: '/', component: { template: '<div>home</div>' } },
    ],
  });
  await router.push('/login');
  const wrapper = mount(LoginPage, { global: { plugins: [pinia, router, i18n, ElementPlus] }, attachTo: document.body });
  return { wrapper, router };
}

async function submit(wrapper: Awaited<ReturnType<typeof mountLogin>>['wrapper']) {
  await wrapper.get('input[data-testid="login-username"]').setValue('admin');
  await wrapper.get('input[data-testid="login-password"]').setValue('wrong');
  await wrapper.get('form').trigger('submit');
  for (let i = 0; i < 5; i++) await flushPromises();
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('LoginPage', () => {
  it.each([
    [401, 'Invalid username or password'],
    [429, 'Too many attempts; retry in 60 s'],
  ])('shows the problem detail of a %i answer', async (status, detail) => {
    const fetch = vi.fn(async () => problem(status, detail));
    vi.stubGlobal('fetch', fetch);
    const { wrapper } = await mountLogin();
    await submit(wrapper);
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/auth/login');
    expect(JSON.parse(init.body as string)).toEqual({ username: 'admin', password: 'wrong' });
    expect(wrapper.get('[data-testid="login-error"]').text()).toContain(detail);
    wrapper.unmount();
  });

  it('signs in and leaves for the home page', async () => {
    const body = {
      user: { id: 'u1', username: 'admin', display_name: 'Admin', role: 'platform_admin', division_code: null },
      csrf_token: 'csrf',
    };
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })));
    const { wrapper, router } = await mountLogin();
    await submit(wrapper);
    expect(wrapper.find('[data-testid="login-error"]').exists()).toBe(false);
    expect(router.currentRoute.value.path).toBe('/');
    wrapper.unmount();
  });
});
