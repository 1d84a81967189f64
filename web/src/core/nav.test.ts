import { describe, expect, it } from 'vitest';
import { canAccess, navFor, safeRedirect } from './nav';
import { ROLES, type Role } from './types';

const keys = (role: Role | null) => navFor(role).map((n) => n.key);

describe('role-based navigation', () => {
  it('gives the platform admin every page', () => {
    expect(keys('platform_admin')).toEqual(['home', 'jobs', 'audit', 'users', 'land', 'vouchers', 'transit', 'eco']);
  });

  it('gives the auditor the audit log but not users', () => {
    expect(keys('auditor')).toEqual(['home', 'jobs', 'audit', 'land', 'vouchers', 'transit', 'eco']);
  });

  it('gives every other role home and jobs only', () => {
    for (const role of ROLES.filter((r) => r !== 'platform_admin' && r !== 'auditor')) {
      const eco = role === 'officer' || role === 'bank' ? ['eco'] : [];
      expect(keys(role), role).toEqual(['home', 'jobs', 'land', 'vouchers', 'transit', ...eco]);
    }
  });

  it('gives nobody anything without a session', () => {
    expect(keys(null)).toEqual([]);
    expect(canAccess(undefined, null)).toBe(false);
  });

  it('guards routes with the same table', () => {
    expect(canAccess(['platform_admin'], 'officer')).toBe(false);
    expect(canAccess(['platform_admin'], 'platform_admin')).toBe(true);
    expect(canAccess(undefined, 'bidder')).toBe(true);
  });
});

describe('safeRedirect', () => {
  it('keeps same-origin paths only', () => {
    expect(safeRedirect('/audit?x=1')).toBe('/audit?x=1');
    expect(safeRedirect('//evil.example/')).toBe('/');
    expect(safeRedirect('https://evil.example/')).toBe('/');
    expect(safeRedirect(undefined)).toBe('/');
    expect(safeRedirect(['/a'])).toBe('/');
  });
});
