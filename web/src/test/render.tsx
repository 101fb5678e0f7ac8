import type { ReactNode } from 'react';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Routes } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { SessionProvider } from '../app/session';
import type { Schemas } from '../api/client';

/** The signed-in person of the screen tests. */
export const USER: Schemas['UserView'] = {
  id: 'u1',
  email: 'sam@example.org',
  role: 'user',
  onboardingCompleted: true,
  subscriptionTier: 'free',
  createdAt: '2026-01-01T00:00:00Z',
};

/** Renders `routes` at `url` as the app does (queries, router, session), with no retries. */
export function renderRoutes(routes: ReactNode, url: string) {
  const queries = new QueryClient({
    defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } },
  });
  const user = userEvent.setup();
  render(
    <QueryClientProvider client={queries}>
      <MemoryRouter initialEntries={[url]}>
        <SessionProvider>
          <Routes>{routes}</Routes>
        </SessionProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { user, queries };
}
