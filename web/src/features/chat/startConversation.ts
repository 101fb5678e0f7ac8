// Starting a conversation, from the chat page (its first message) or elsewhere
// (a questionnaire's "Talk now", which opens with the companion's check-in).
import { useCallback } from 'react';
import { useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';

type Started = Schemas['StartedConversation'];

/**
 * Starts a conversation (POST /api/conversations) and opens it at /chat/<id>;
 * the list of sessions is read again. `opening` runs once the server has it,
 * just before the address changes. Opened from elsewhere, the chat page reads
 * the session, whose first message is a check-in's greeting.
 */
export function useStartConversation(): (
  body: Schemas['StartConversation'],
  opening?: (started: Started) => void,
) => Promise<Started> {
  const queries = useQueryClient();
  const navigate = useNavigate();
  return useCallback(
    async (body, opening) => {
      const started = unwrap(await api.POST('/api/conversations', { body }));
      opening?.(started);
      void queries.invalidateQueries({ queryKey: ['sessions'] });
      navigate(`/chat/${started.sessionId}`);
      return started;
    },
    [queries, navigate],
  );
}
