// A fake network for the settings tests. Import it FIRST in a test file: the
// API client keeps the `fetch` it finds when it is created, and Node's
// `Request` needs absolute URLs (the app's are relative to the page).

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Headers;
}
type Reply = Response | Promise<Response>;
interface Route {
  method: string;
  pattern: RegExp;
  reply: (call: Call, params: string[]) => Reply;
}

export const calls: Call[] = [];
const routes: Route[] = [];

/** Answers `method path` (path may hold `{param}`s); later routes win over earlier ones. */
export function route(method: string, path: string, reply: (call: Call, params: string[]) => Reply): void {
  const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)')}$`);
  routes.unshift({ method, pattern, reply });
}

export function resetNetwork(): void {
  calls.length = 0;
  routes.length = 0;
}

/** The calls made to `method path` (exact path). */
export function callsTo(method: string, path: string): Call[] {
  return calls.filter((c) => c.method === method && c.path === path);
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

export function problem(
  status: number,
  code: string,
  errors: { field: string; code: string; message: string }[] = [],
): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: code, status, code, errors }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });
}

const BaseRequest = globalThis.Request;
class PageRequest extends BaseRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === 'string' && input.startsWith('/') ? new URL(input, 'http://localhost') : input, init);
  }
}
vi.stubGlobal('Request', PageRequest);

vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
  const request = input instanceof Request ? input : new PageRequest(input, init);
  const url = new URL(request.url);
  const text = request.body ? await request.clone().text() : '';
  const call: Call = {
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    body: text ? JSON.parse(text) : undefined,
    headers: request.headers,
  };
  calls.push(call);
  for (const r of routes) {
    const m = r.method === call.method ? call.path.match(r.pattern) : null;
    if (m) return r.reply(call, m.slice(1));
  }
  return problem(404, 'not_found');
});
