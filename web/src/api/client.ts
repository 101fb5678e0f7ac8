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

// Another tab signed in, refreshed or signed out: follow it (a refresh token
// works once, so tabs must share the newest pair rather than each refresh its own).
globalThis.addEventListener?.('storage', (e: StorageEvent) => {
  if (e.key !== STORAGE_KEY) return;
  const wasSignedIn = tokens !== null;
  tokens = readTokens();
  if (wasSignedIn !== (tokens !== null)) listeners.forEach((l) => l(tokens !== null));
});

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
  // Another tab may have refreshed already.
  const stored = readTokens();
  if (stored && tokens && stored.expiresAt > tokens.expiresAt) tokens = stored;
  if (!tokens) return null;
  if (tokens.expiresAt - Date.now() > 30_000) return tokens.accessToken;
  const refresh = async (): Promise<string | null> => {
    try {
      const res = await fetch(`${globalThis.location?.origin ?? ''}/api/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: tokens?.refreshToken }),
      });
      // Only a refused refresh token signs out; a rate limit, an outage or a
      // network error leaves the person signed in to try again.
      if (res.status === 400 || res.status === 401) {
        setTokens(null);
        return null;
      }
      if (!res.ok) return tokens?.accessToken ?? null;
      const body = (await res.json()) as Schemas['TokenResponse'];
      setTokens(body);
      return body.accessToken;
    } catch {
      return tokens?.accessToken ?? null;
    } finally {
      refreshing = null;
    }
  };
  // One refresh at a time across tabs where the browser can lock.
  const locks = globalThis.navigator?.locks;
  refreshing ??= locks
    ? new Promise<string | null>((resolve) => {
        void locks.request('rebloom.refresh', async () => {
          const latest = readTokens();
          if (latest && latest.expiresAt - Date.now() > 30_000) {
            tokens = latest;
            refreshing = null;
            resolve(latest.accessToken);
          } else {
            resolve(await refresh());
          }
        });
      })
    : refresh();
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
