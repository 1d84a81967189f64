import { describe, expect, it } from 'vitest';
import { newUserBody, PASSWORD_MIN_LENGTH, USERNAME_PATTERN } from './api';

describe('new user form', () => {
  it('trims names and drops an empty division', () => {
    expect(
      newUserBody({ username: ' zj_officer ', display_name: ' 浙江 ', password: 'p', role: 'officer', division_code: '' }),
    ).toEqual({ username: 'zj_officer', display_name: '浙江', password: 'p', role: 'officer' });
    expect(
      newUserBody({ username: 'a', display_name: 'b', password: 'p', role: 'officer', division_code: '330000' })
        .division_code,
    ).toBe('330000');
  });

  it('accepts the demo usernames', () => {
    for (const u of ['admin', 'officer_js', 'officer_sh', 'enterprise', 'agent', 'bidder']) {
      expect(USERNAME_PATTERN.test(u), u).toBe(true);
    }
    expect(USERNAME_PATTERN.test('ab')).toBe(false);
    expect(USERNAME_PATTERN.test('has space')).toBe(false);
    expect('riverlink2026'.length).toBeGreaterThanOrEqual(PASSWORD_MIN_LENGTH);
  });
});
