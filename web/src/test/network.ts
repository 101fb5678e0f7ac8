// A fake server behind `fetch` for component tests: routes answer calls, and
// every call is recorded. The API client looks `fetch` up at each call and
// uses absolute URLs, so installing it is all it takes.

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Headers;
  /** Path parameters by name (`:id` or `{id}` in the route), in order. */
  params: Record<string, string>;
}

/** A Response, or an object answered as JSON, or nothing (204). */
export type Reply = Response | object | null | undefined;
export type Handler = (call: Call) => Reply | Promise<Reply>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export const calls: Call[] = [];
const routes: Route[] = [];

/** Forgets every route and call. */
export function resetNetwork(): void {
  calls.length = 0;
  routes.length = 0;
}

/** Answers `method path`; `path` may hold `:name` or `{name}` parameters. A later route wins over an earlier one. */
export function on(method: string, path: string, handler: Handler): void {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${path
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/:(\w+)|\{(\w+)\}/g, (_, a: string | undefined, b: string | undefined) => {
        names.push(a ?? b ?? '');
        return '([^/]+)';
      })}$`,
  );
  routes.unshift({ method, pattern, names, handler });
}

/** The calls made to `method path` (exact path). */
export function callsTo(method: string, path: string): Call[] {
  return calls.filter((c) => c.method === method && c.path === path);
}

/** A JSON answer (problem+json for errors). */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

export function problem(
  status: number,
  code: string,
  errors: { field: string; code: string; message: string }[] = [],
): Response {
  return json({ type: 'about:blank', title: code, status, code, errors }, status);
}

async function fakeFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
  const url = new URL(request.url);
  const text = request.body ? await request.clone().text() : '';
  const base = {
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    body: text ? (JSON.parse(text) as unknown) : undefined,
    headers: request.headers,
  };
  for (const r of routes) {
    const m = r.method === base.method ? r.pattern.exec(base.path) : null;
    if (!m) continue;
    const call: Call = {
      ...base,
      params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')])),
    };
    calls.push(call);
    const reply = await r.handler(call);
    if (reply instanceof Response) return reply;
    return reply === undefined || reply === null ? noContent() : json(reply);
  }
  calls.push({ ...base, params: {} });
  return problem(404, 'not_found');
}

vi.stubGlobal('fetch', fakeFetch);
