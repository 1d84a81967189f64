// The one HTTP client of the web app. Every call goes same-origin with the session cookie,
// state-changing calls carry the CSRF token, POSTs carry a fresh Idempotency-Key, and any
// non-2xx answer becomes an ApiError holding the RFC 9457 problem document.

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** riverlink's machine-readable error code, e.g. "auth.bad_credentials". */
  code?: string;
  errors?: FieldError[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }

  /** The text to show a person: the problem's detail, else its title. */
  get detail(): string {
    return this.problem.detail || this.problem.title;
  }

  /** Validation errors keyed by field name; several messages for one field are joined. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      out[e.field] = out[e.field] ? `${out[e.field]}; ${e.message}` : e.message;
    }
    return out;
  }
}

/** Status 0 marks a request that got no HTTP answer at all. */
export const NETWORK_ERROR_TYPE = 'urn:riverlink:web:network-error';

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Skip the unauthorized hook (login and the session probe expect 401). */
  allowUnauthorized?: boolean;
}

export interface ApiClientDeps {
  fetch?: typeof fetch;
  csrfToken?: () => string | null;
  newIdempotencyKey?: () => string;
  onUnauthorized?: () => void;
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.append(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Turns any error response into a Problem, whatever its body looks like. */
export async function problemFromResponse(res: Response): Promise<Problem> {
  const fallback: Problem = {
    type: 'about:blank',
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
  };
  let text = '';
  try {
    text = await res.text();
  } catch {
    return fallback;
  }
  const contentType = res.headers.get('content-type') ?? '';
  if (!contentType.includes('json')) {
    return text.trim() ? { ...fallback, detail: text.trim().slice(0, 500) } : fallback;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fallback;
  }
  if (typeof body !== 'object' || body === null) return fallback;
  const b = body as Record<string, unknown>;
  const errors = Array.isArray(b.errors)
    ? b.errors
        .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
        .map((e) => ({ field: String(e.field ?? ''), message: String(e.message ?? '') }))
    : undefined;
  return {
    type: asString(b.type) ?? fallback.type,
    title: asString(b.title) ?? fallback.title,
    status: typeof b.status === 'number' ? b.status : res.status,
    detail: asString(b.detail),
    instance: asString(b.instance),
    code: asString(b.code),
    errors,
  };
}

function randomKey(): string {
  return crypto.randomUUID();
}

export class ApiClient {
  private readonly deps: Required<ApiClientDeps>;

  constructor(deps: ApiClientDeps = {}) {
    this.deps = {
      fetch: deps.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      csrfToken: deps.csrfToken ?? (() => null),
      newIdempotencyKey: deps.newIdempotencyKey ?? randomKey,
      onUnauthorized: deps.onUnauthorized ?? (() => {}),
    };
  }

  get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, opts);
  }

  post<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...opts, body });
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json',
    };
    if (method !== 'GET' && method !== 'HEAD') {
      const token = this.deps.csrfToken();
      if (token) headers['X-CSRF-Token'] = token;
    }
    if (method === 'POST') headers['Idempotency-Key'] = this.deps.newIdempotencyKey();
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }

    let res: Response;
    try {
      res = await this.deps.fetch(buildUrl(path, opts.query), {
        method,
        headers,
        body,
        credentials: 'same-origin',
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError({
        type: NETWORK_ERROR_TYPE,
        title: 'Network error',
        status: 0,
        detail: e instanceof Error ? e.message : String(e),
      });
    }

    if (!res.ok) {
      const problem = await problemFromResponse(res);
      if (res.status === 401 && !opts.allowUnauthorized) this.deps.onUnauthorized();
      throw new ApiError(problem);
    }
    if (res.status === 204 || res.status === 205) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
