// Test helpers for the wellbeing screens: their routes on the shared fake
// server (src/test/network.ts), and the providers the screens need.
import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { on, resetNetwork, type Handler } from '../../test/network';

export { calls, callsTo, json, type Call } from '../../test/network';

/**
 * The fake server's routes, e.g. `{ 'GET /api/me/moods': () => list, 'DELETE /api/me/moods/:id': () => null }`;
 * a handler's object is answered as JSON, null as 204. Replaces earlier routes and forgets earlier calls;
 * the first matching entry answers.
 */
export function serve(table: Record<string, Handler | object>): void {
  resetNetwork();
  for (const [key, handler] of Object.entries(table).reverse()) {
    const [method = 'GET', path = '/'] = key.split(' ');
    on(method, path, typeof handler === 'function' ? (handler as Handler) : () => handler);
  }
}

/** Renders a screen inside the app's providers, below the crisis bar (not signed in: the session asks nothing). */
export async function renderWithApp(ui: ReactElement) {
  const [{ SessionProvider }, { CrisisBar }] = await Promise.all([
    import('../../app/session'),
    import('../../components/CrisisBar'),
  ]);
  const queries = new QueryClient({
    defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } },
  });
  return render(
    <QueryClientProvider client={queries}>
      <MemoryRouter>
        <SessionProvider>
          <CrisisBar />
          <main>{ui}</main>
        </SessionProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}
