import { describe, expect, it } from 'vitest';
import zhCN from './zh-CN';
import en from './en';
import { DEFAULT_LOCALE, LOCALE_STORAGE_KEY, storedLocale } from './index';
import { NAV } from '../core/nav';
import { ROLES } from '../core/types';
import { REGION_PROVINCES } from '../core/divisions';

function flatten(obj: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') for (const [kk, vv] of flatten(v as Record<string, unknown>, key)) out.set(kk, vv);
    else out.set(key, v);
  }
  return out;
}

const zh = flatten(zhCN);
const enFlat = flatten(en);

function placeholders(s: string): string[] {
  return [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
}

describe('i18n messages', () => {
  it('have the same keys in zh-CN and en', () => {
    const onlyZh = [...zh.keys()].filter((k) => !enFlat.has(k));
    const onlyEn = [...enFlat.keys()].filter((k) => !zh.has(k));
    expect(onlyZh).toEqual([]);
    expect(onlyEn).toEqual([]);
    expect(zh.size).toBeGreaterThan(50);
  });

  it('have no empty strings', () => {
    for (const [k, v] of [...zh, ...enFlat]) {
      expect(typeof v, k).toBe('string');
      expect((v as string).trim(), k).not.toBe('');
    }
  });

  it('use the same placeholders in both languages', () => {
    for (const [k, v] of zh) expect(placeholders(enFlat.get(k) as string), k).toEqual(placeholders(v as string));
  });

  it('avoid vue-i18n syntax characters that would break compilation', () => {
    for (const [k, v] of [...zh, ...enFlat]) expect(v as string, k).not.toMatch(/[@|$]/);
  });

  it('label every nav item, role, province and job status', () => {
    for (const item of NAV) expect(zh.has(item.label), item.label).toBe(true);
    for (const role of ROLES) expect(zh.has(`roles.${role}`), role).toBe(true);
    for (const code of REGION_PROVINCES) expect(zh.has(`provinces.${code}`), code).toBe(true);
    for (const s of ['queued', 'running', 'succeeded', 'failed', 'cancelled']) {
      expect(zh.has(`jobs.statuses.${s}`), s).toBe(true);
    }
  });

  it('is Chinese by default and in English when chosen', () => {
    expect(zhCN.app.product).toBe('长三角一体化平台');
    expect(en.nav.home).toBe('Home');
  });
});

describe('storedLocale', () => {
  const storage = (v: string | null) => ({ getItem: (k: string) => (k === LOCALE_STORAGE_KEY ? v : null) });

  it('defaults to zh-CN', () => {
    expect(DEFAULT_LOCALE).toBe('zh-CN');
    expect(storedLocale(storage(null))).toBe('zh-CN');
  });

  it('reads a stored choice and ignores unknown values', () => {
    expect(storedLocale(storage('en'))).toBe('en');
    expect(storedLocale(storage('fr'))).toBe('zh-CN');
  });

  it('survives a storage that throws', () => {
    expect(
      storedLocale({
        getItem: () => {
          throw new Error('denied');
        },
      }),
    ).toBe('zh-CN');
  });
});
