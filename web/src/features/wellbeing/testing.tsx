// Test helpers for the wellbeing screens: a fake server behind `fetch`, and
// the providers the screens need.
//
// openapi-fetch keeps the `fetch` and `Request` it finds when the client is
// created (when api/client.ts is first imported), and Node's `Request`
// refuses relative URLs such as "/api/me/moods". So this module must be
// imported before anything that imports the client: it installs a `fetch`
// that asks the current routes, and a `Request` that resolves relative URLs.
import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Reply = Response | object | null | undefined;
type Handler = (call: Call & { params: Record<string, string> }) => Reply | Promise<Reply>;

const NodeRequest = globalThis.Request;

class RelativeRequest extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === 'string' && input.startsWith('/') ? new URL(input, window.location.origin).href : input, init);
  }
}

let routes: [string, RegExp, string[], Handler][] = [];
export const calls: Call[] = [];

async function fakeFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = input instanceof NodeRequest ? input : new RelativeRequest(input, init);
  const url = new URL(request.url);
  const text = request.method === 'GET' ? '' : await request.clone().text();
  const call: Call = {
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    body: text ? (JSON.parse(text) as unknown) : undefined,
  };
  calls.push(call);
  for (const [method, pattern, names, handler] of routes) {
    if (method !== call.method) continue;
    const m = pattern.exec(call.path);
    if (!m) continue;
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]));
    const reply = await handler({ ...call, params });
    if (reply instanceof Response) return reply;
    if (reply === undefined || reply === null) return new Response(null, { status: 204 });
    return json(reply);
  }
  return json({ type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found' }, 404);
}

vi.stubGlobal('Request', RelativeRequest);
vi.stubGlobal('fetch', fakeFetch);

/** A JSON answer (problem+json for errors). */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

/**
 * The fake server's routes, e.g. `{ 'GET /api/me/moods': () => list, 'DELETE /api/me/moods/:id': () => null }`;
 * a handler's object is answered as JSON, null as 204. Replaces earlier routes and forgets earlier calls.
 */
export function serve(table: Record<string, Handler | object>): void {
  calls.length = 0;
  routes = Object.entries(table).map(([key, handler]) => {
    const [method = 'GET', path = '/'] = key.split(' ');
    const names: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:(\w+)/g, (_, n: string) => {
        names.push(n);
        return '([^/]+)';
      })}$`,
    );
    const h: Handler = typeof handler === 'function' ? (handler as Handler) : () => handler;
    return [method, pattern, names, h];
  });
}

/** The calls made to `method path` so far. */
export function callsTo(method: string, path: string): Call[] {
  return calls.filter((c) => c.method === method && c.path === path);
}

/** Renders a screen inside the app's providers (not signed in: the session asks nothing). */
export async function renderWithApp(ui: ReactElement) {
  const [{ SessionProvider }, { CrisisProvider }, { CrisisPanel }] = await Promise.all([
    import('../../app/session'),
    import('../../app/crisis'),
    import('../../components/CrisisPanel'),
  ]);
  const queries = new QueryClient({
    defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } },
  });
  return render(
    <QueryClientProvider client={queries}>
      <MemoryRouter>
        <SessionProvider>
          <CrisisProvider>
            <CrisisPanel />
            <main>{ui}</main>
          </CrisisProvider>
        </SessionProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}
