/**
 * The web app's only way to the server: JSON over the HTTP API with the session cookie. Every refusal
 * becomes an ApiError carrying the server's code, message and field issues.
 */

/** A value as it crosses the wire: dates arrive as ISO strings. */
export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer E)[]
    ? Wire<E>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
  readonly line?: number | null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: readonly FieldIssue[];
  readonly details: Readonly<Record<string, unknown>>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.issues = Array.isArray(details.issues) ? (details.issues as FieldIssue[]) : [];
  }

  /** Messages by field, keyed by the path without its `body.` prefix (`answers.age`, `value`). */
  fieldMessages(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const issue of this.issues) {
      const key = issue.path.replace(/^body\./, '');
      out[key] ??= issue.message;
    }
    return out;
  }
}

/** Told when any call finds the session gone, so the app can show the sign-in page. */
let onSignedOut: (() => void) | undefined;
export const whenSignedOut = (handler: () => void): void => {
  onSignedOut = handler;
};

async function request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    if (contentType) {
      headers['content-type'] = contentType;
      payload = body as BodyInit;
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload ?? null, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'unavailable', 'The server cannot be reached. Check the connection and retry.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(
      res.status,
      'internal',
      `The server answered ${res.status} with a body that is not JSON`,
    );
  }
  if (res.ok) return json as T;
  const error = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
    ?.error;
  const failure = new ApiError(
    res.status,
    error?.code ?? 'internal',
    error?.message ?? `The server answered ${res.status}`,
    error?.details ?? {},
  );
  if (res.status === 401 && path !== '/api/auth/me') void checkSession();
  throw failure;
}

/**
 * A 401 may mean the session is gone, or only that a password typed to confirm something (a signature,
 * a password change) was wrong: ask the server which, and sign out only in the first case.
 */
async function checkSession(): Promise<void> {
  const res = await fetch('/api/auth/me', { credentials: 'same-origin' }).catch(() => undefined);
  if (res?.status === 401) onSignedOut?.();
}

export const api = {
  get: <T>(path: string): Promise<T> => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}): Promise<T> => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown): Promise<T> => request<T>('PUT', path, body),
  delete: <T>(path: string): Promise<T> => request<T>('DELETE', path),
  /** Sends a file as it is (e.g. a central-lab CSV as text/csv). */
  upload: <T>(path: string, file: Blob, contentType: string): Promise<T> =>
    request<T>('POST', path, file, contentType),
};

/** Builds a query string from the defined values: `query({ a: 1, b: undefined })` → `?a=1`. */
export function query(values: Record<string, string | number | boolean | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}
