// The typed API client: paths and bodies come from the server's OpenAPI
// document (schema.d.ts, generated; `npm run api:check` fails on drift).
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/** A problem+json answer from the server, thrown by `unwrap`. */
export class ApiProblem extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    title: string,
    public readonly detail?: string | null,
    public readonly fieldErrors: Schemas['FieldError'][] = [],
  ) {
    super(title);
  }
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt: number;
}

const STORAGE_KEY = 'rebloom.tokens';
let tokens: Tokens | null = readTokens();
const listeners = new Set<(signedIn: boolean) => void>();

function readTokens(): Tokens | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

export function setTokens(t: Schemas['TokenResponse'] | null): void {
  tokens = t
    ? { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: Date.now() + t.expiresIn * 1000 }
    : null;
  if (tokens) localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  else localStorage.removeItem(STORAGE_KEY);
  listeners.forEach((l) => l(tokens !== null));
}

export function onSignedInChange(listener: (signedIn: boolean) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function isSignedIn(): boolean {
  return tokens !== null;
}

export function refreshTokenValue(): string | null {
  return tokens?.refreshToken ?? null;
}

let refreshing: Promise<string | null> | null = null;

/** A valid access token, refreshed (once, however many callers ask) shortly before it expires. */
export async function accessToken(): Promise<string | null> {
  if (!tokens) return null;
  if (tokens.expiresAt - Date.now() > 30_000) return tokens.accessToken;
  refreshing ??= (async () => {
    try {
      const res = await fetch(`${globalThis.location?.origin ?? ''}/api/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: tokens?.refreshToken }),
      });
      if (!res.ok) {
        setTokens(null);
        return null;
      }
      const body = (await res.json()) as Schemas['TokenResponse'];
      setTokens(body);
      return body.accessToken;
    } catch {
      return tokens?.accessToken ?? null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

const auth: Middleware = {
  async onRequest({ request }) {
    if (request.url.includes('/api/auth/login') || request.url.includes('/api/auth/register')) return request;
    const token = await accessToken();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response, request }) {
    // A token the server no longer accepts (signed out everywhere, account gone).
    if (response.status === 401 && !request.url.includes('/api/auth/')) setTokens(null);
    return response;
  },
};

// Absolute URLs (the page's own origin): Request needs them outside browsers (tests).
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? '',
  // Looked up at each call, so tests can replace it.
  fetch: (request) => globalThis.fetch(request),
});
api.use(auth);

/** The data of a successful answer, or an `ApiProblem` for anything else. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const p = (result.error ?? {}) as Partial<Schemas['Problem']>;
    throw new ApiProblem(
      result.response.status,
      p.code ?? 'error',
      p.title ?? result.response.statusText,
      p.detail,
      p.errors ?? [],
    );
  }
  return result.data as T;
}
