import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, buildUrl, isApiError, NETWORK_ERROR_TYPE } from './api';

type Call = { url: string; init: RequestInit };

function respond(status: number, body?: unknown, contentType = 'application/json') {
  const calls: Call[] = [];
  const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const text = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(text, { status, headers: text === null ? {} : { 'Content-Type': contentType } });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

function headers(call: Call): Record<string, string> {
  return call.init.headers as Record<string, string>;
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(isApiError(e)).toBe(true);
    return e as ApiError;
  }
  throw new Error('expected the request to fail');
}

describe('ApiClient', () => {
  it('GETs JSON same-origin without CSRF or idempotency headers', async () => {
    const { fetch, calls } = respond(200, { items: [1, 2] });
    const client = new ApiClient({ fetch, csrfToken: () => 'tok' });
    await expect(client.get('/api/v1/x', { query: { level: 'prefecture', cursor: null } })).resolves.toEqual({
      items: [1, 2],
    });
    expect(calls[0]!.url).toBe('/api/v1/x?level=prefecture');
    expect(calls[0]!.init.method).toBe('GET');
    expect(calls[0]!.init.credentials).toBe('same-origin');
    expect(headers(calls[0]!)['X-CSRF-Token']).toBeUndefined();
    expect(headers(calls[0]!)['Idempotency-Key']).toBeUndefined();
  });

  it('POSTs JSON with the CSRF token and a fresh Idempotency-Key each time', async () => {
    const { fetch, calls } = respond(201, { id: 'u1' });
    let n = 0;
    const client = new ApiClient({ fetch, csrfToken: () => 'csrf-1', newIdempotencyKey: () => `key-${++n}` });
    await client.post('/api/v1/users', { username: 'a' });
    await client.post('/api/v1/users', { username: 'b' });
    expect(headers(calls[0]!)['X-CSRF-Token']).toBe('csrf-1');
    expect(headers(calls[0]!)['Idempotency-Key']).toBe('key-1');
    expect(headers(calls[1]!)['Idempotency-Key']).toBe('key-2');
    expect(headers(calls[0]!)['Content-Type']).toBe('application/json');
    expect(calls[0]!.init.body).toBe('{"username":"a"}');
  });

  it('uses crypto.randomUUID for idempotency keys by default', async () => {
    const { fetch, calls } = respond(202, { job_id: 'j' });
    await new ApiClient({ fetch }).post('/api/v1/audit/verify');
    expect(headers(calls[0]!)['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls[0]!.init.body).toBeUndefined();
  });

  it('sends the CSRF token on other state-changing methods but no idempotency key', async () => {
    const { fetch, calls } = respond(204);
    await new ApiClient({ fetch, csrfToken: () => 't' }).request('DELETE', '/api/v1/x');
    expect(headers(calls[0]!)['X-CSRF-Token']).toBe('t');
    expect(headers(calls[0]!)['Idempotency-Key']).toBeUndefined();
  });

  it('returns undefined for 204', async () => {
    const { fetch } = respond(204);
    await expect(new ApiClient({ fetch }).post('/api/v1/auth/logout')).resolves.toBeUndefined();
  });

  it('turns problem+json into a typed ApiError with field errors', async () => {
    const { fetch } = respond(
      422,
      {
        type: 'https://riverlink.dev/problems/validation',
        title: 'Validation failed',
        status: 422,
        detail: 'The request has invalid fields',
        code: 'auth.bad_user',
        errors: [
          { field: 'username', message: 'already taken' },
          { field: 'password', message: 'too short' },
          { field: 'password', message: 'needs a digit' },
        ],
      },
      'application/problem+json',
    );
    const e = await failure(new ApiClient({ fetch }).post('/api/v1/users', {}));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(422);
    expect(e.problem.type).toBe('https://riverlink.dev/problems/validation');
    expect(e.problem.code).toBe('auth.bad_user');
    expect(e.detail).toBe('The request has invalid fields');
    expect(e.message).toBe('The request has invalid fields');
    expect(e.fieldErrors()).toEqual({ username: 'already taken', password: 'too short; needs a digit' });
  });

  it('shows the title when a problem has no detail', async () => {
    const { fetch } = respond(429, { type: 'about:blank', title: 'Too Many Requests', status: 429 }, 'application/problem+json');
    const e = await failure(new ApiClient({ fetch }).post('/api/v1/auth/login', {}, { allowUnauthorized: true }));
    expect(e.status).toBe(429);
    expect(e.detail).toBe('Too Many Requests');
    expect(e.fieldErrors()).toEqual({});
  });

  it('makes a problem out of a non-JSON error body', async () => {
    const { fetch } = respond(502, 'Bad gateway from proxy', 'text/plain');
    const e = await failure(new ApiClient({ fetch }).get('/api/v1/x'));
    expect(e.status).toBe(502);
    expect(e.problem.type).toBe('about:blank');
    expect(e.detail).toBe('Bad gateway from proxy');
  });

  it('makes a problem out of malformed JSON', async () => {
    const { fetch } = respond(500, '{not json', 'application/problem+json');
    const e = await failure(new ApiClient({ fetch }).get('/api/v1/x'));
    expect(e.status).toBe(500);
    expect(e.problem.title).toBeTruthy();
  });

  it('reports a network failure as status 0', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof globalThis.fetch;
    const e = await failure(new ApiClient({ fetch }).get('/api/v1/x'));
    expect(e.status).toBe(0);
    expect(e.problem.type).toBe(NETWORK_ERROR_TYPE);
    expect(e.detail).toBe('Failed to fetch');
  });

  it('calls the unauthorized hook on 401 unless told not to', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = respond(401, { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'no session' }, 'application/problem+json');
    const client = new ApiClient({ fetch, onUnauthorized });
    await failure(client.get('/api/v1/jobs'));
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    const e = await failure(client.post('/api/v1/auth/login', {}, { allowUnauthorized: true }));
    expect(e.detail).toBe('no session');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });
});

describe('buildUrl', () => {
  it('skips empty values and encodes the rest', () => {
    expect(buildUrl('/a', { cursor: '', limit: 50, parent: undefined, q: 'a b&c' })).toBe('/a?limit=50&q=a+b%26c');
    expect(buildUrl('/a', {})).toBe('/a');
    expect(buildUrl('/a')).toBe('/a');
  });
});
