import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus, { ElSelect } from 'element-plus';
import { i18n } from '../../i18n';
import UserDialog from './UserDialog.vue';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

async function settle() {
  for (let i = 0; i < 6; i++) await flushPromises();
}

// Element Plus shows a form item's error message after a short debounce.
async function settleMessages() {
  await settle();
  await new Promise((resolve) => setTimeout(resolve, 250));
  await settle();
}

function mountDialog() {
  return mount(UserDialog, {
    props: { modelValue: false, divisions: [] },
    global: { plugins: [i18n, ElementPlus] },
    attachTo: document.body,
  });
}

async function fill(wrapper: ReturnType<typeof mountDialog>, role: string) {
  await wrapper.setProps({ modelValue: true });
  await settle();
  const input = (id: string) => document.querySelector<HTMLInputElement>(`input[data-testid="${id}"]`)!;
  for (const [id, value] of [
    ['user-username', 'new_user'],
    ['user-display-name', '新用户'],
    ['user-password', 'long-enough-1'],
  ] as const) {
    input(id).value = value;
    input(id).dispatchEvent(new Event('input'));
  }
  wrapper.findAllComponents(ElSelect)[0]!.vm.$emit('update:modelValue', role);
  await settle();
}

function saveButton(): HTMLElement {
  return document.querySelector<HTMLElement>('[data-testid="user-save"]')!;
}

describe('UserDialog', () => {
  it('shows the field errors of a 422 problem beside their fields', async () => {
    const fetch = vi.fn(
      async () =>
        new Response(
          JSON.stringify({
            type: 'about:blank',
            title: 'Unprocessable',
            status: 422,
            detail: 'Some fields are invalid',
            errors: [{ field: 'username', message: 'username already exists' }],
          }),
          { status: 422, headers: { 'Content-Type': 'application/problem+json' } },
        ),
    );
    vi.stubGlobal('fetch', fetch);
    const wrapper = mountDialog();
    await fill(wrapper, 'bank');
    saveButton().click();
    await settleMessages();
    expect(fetch).toHaveBeenCalledTimes(1);
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(JSON.parse(init.body as string)).toEqual({
      username: 'new_user',
      display_name: '新用户',
      password: 'long-enough-1',
      role: 'bank',
    });
    expect(document.querySelector('[data-testid="user-dialog-error"]')?.textContent).toContain('Some fields are invalid');
    const errors = [...document.querySelectorAll('.el-form-item__error')].map((e) => e.textContent?.trim());
    expect(errors).toContain('username already exists');
    expect(wrapper.emitted('created')).toBeUndefined();
    wrapper.unmount();
  });

  it('requires a jurisdiction for officers before calling the server', async () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    const wrapper = mountDialog();
    await fill(wrapper, 'officer');
    saveButton().click();
    await settleMessages();
    expect(fetch).not.toHaveBeenCalled();
    const errors = [...document.querySelectorAll('.el-form-item__error')].map((e) => e.textContent?.trim());
    expect(errors).toContain('政务人员必须指定辖区');
    wrapper.unmount();
  });
});
