// The person's crisis state, as the server keeps it (GET /api/me/crisis): the
// same on every device and tab. Read when they sign in, when the app loads and
// when the window gets focus again; replaced by the state that comes with
// every turn, a questionnaire answer and the socket's `crisis-state`; read
// again after the profile's country changes. Signing out (or someone else
// signing in) clears the query cache, and with it this.
import { useCallback } from 'react';
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';
import { useSession } from './session';

export type CrisisView = Schemas['CrisisStateView'];

export const crisisKey = ['crisis'] as const;

/** The crisis state: `active` keeps the crisis bar on every screen; its lines also serve "Get help now". */
export function useCrisis() {
  const { signedIn } = useSession();
  return useQuery({
    queryKey: crisisKey,
    enabled: signedIn,
    queryFn: async () => unwrap(await api.GET('/api/me/crisis')),
    refetchOnWindowFocus: 'always',
    // An episode ends by itself after a quiet period: look again then.
    refetchInterval: (query) => {
      const until = query.state.data?.active ? query.state.data.until : null;
      return until ? Math.max(Date.parse(until) - Date.now() + 1000, 60_000) : false;
    },
  });
}

/**
 * Puts a state the server sent in place of the one shown. A read still on its
 * way is dropped first (it may predate this).
 */
function setCrisis(queries: QueryClient, view: CrisisView | null | undefined): void {
  if (!view) return;
  void queries.cancelQueries({ queryKey: crisisKey }).then(() => {
    queries.setQueryData<CrisisView>(crisisKey, view);
  });
}

/** `setCrisis` for components. */
export function useSetCrisis(): (view: CrisisView | null | undefined) => void {
  const queries = useQueryClient();
  return useCallback((view) => setCrisis(queries, view), [queries]);
}
