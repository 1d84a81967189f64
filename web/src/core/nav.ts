// The side navigation and the route guard share this one table of who may open what.
// Only modules that exist are listed; a module joins here when it is built.
import type { Role } from './types';

export type NavKey = 'home' | 'jobs' | 'audit' | 'users' | 'land' | 'vouchers' | 'transit' | 'eco';

export interface NavItem {
  key: NavKey;
  path: string;
  /** vue-i18n key of the label. */
  label: string;
  /** Roles that may open it; undefined means every signed-in user. */
  roles?: readonly Role[];
}

export const NAV: readonly NavItem[] = [
  { key: 'home', path: '/', label: 'nav.home' },
  { key: 'jobs', path: '/jobs', label: 'nav.jobs' },
  { key: 'audit', path: '/audit', label: 'nav.audit', roles: ['platform_admin', 'auditor'] },
  { key: 'users', path: '/users', label: 'nav.users', roles: ['platform_admin'] },
  { key: 'land', path: '/land', label: 'nav.land' },
  { key: 'vouchers', path: '/vouchers', label: 'nav.vouchers' },
  { key: 'transit', path: '/transit', label: 'nav.transit' },
  { key: 'eco', path: '/eco', label: 'nav.eco', roles: ['platform_admin', 'officer', 'auditor', 'bank'] },
];

export function canAccess(roles: readonly Role[] | undefined, role: Role | null | undefined): boolean {
  if (!role) return false;
  return !roles || roles.includes(role);
}

export function navFor(role: Role | null | undefined, items: readonly NavItem[] = NAV): NavItem[] {
  return items.filter((item) => canAccess(item.roles, role));
}

export function rolesFor(key: NavKey): readonly Role[] | undefined {
  return NAV.find((n) => n.key === key)?.roles;
}

/** A post-login target from the query string: only same-origin paths, never "//host". */
export function safeRedirect(target: unknown): string {
  return typeof target === 'string' && target.startsWith('/') && !target.startsWith('//')
    ? target
    : '/';
}
