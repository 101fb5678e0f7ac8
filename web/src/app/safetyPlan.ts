// The person's safety plan (GET /api/me/safety-plan), read by its page and by
// the crisis bar's panel.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';

export const safetyPlanKey = ['safety-plan'] as const;

/** The safety plan; not read while `enabled` is false. */
export function useSafetyPlan(enabled = true) {
  return useQuery({
    queryKey: safetyPlanKey,
    enabled,
    queryFn: async () => unwrap(await api.GET('/api/me/safety-plan')),
  });
}
