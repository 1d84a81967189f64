import { api } from '../../core/client';
import type { Items, Role, User } from '../../core/types';

export interface NewUser {
  username: string;
  display_name: string;
  password: string;
  role: Role;
  division_code?: string;
}

export async function listUsers(): Promise<User[]> {
  return (await api.get<Items<User>>('/api/v1/users')).items;
}

export function createUser(user: NewUser): Promise<User> {
  return api.post<User>('/api/v1/users', user);
}

export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;
export const PASSWORD_MIN_LENGTH = 8;

/** The request body for a new user: trimmed, and without an empty division. */
export function newUserBody(form: {
  username: string;
  display_name: string;
  password: string;
  role: Role | '';
  division_code: string;
}): NewUser {
  const body: NewUser = {
    username: form.username.trim(),
    display_name: form.display_name.trim(),
    password: form.password,
    role: form.role as Role,
  };
  if (form.division_code) body.division_code = form.division_code;
  return body;
}
