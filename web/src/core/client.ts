// The app-wide ApiClient. The session store hands it the CSRF token and the 401 hook.
import { ApiClient } from './api';

let csrfToken: string | null = null;
let unauthorized: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function setUnauthorizedHandler(handler: () => void): void {
  unauthorized = handler;
}

export const api = new ApiClient({
  csrfToken: () => csrfToken,
  onUnauthorized: () => unauthorized(),
});
