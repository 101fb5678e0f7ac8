// One live connection for the whole signed-in app (not only the chat screen):
// the crisis state that comes with a turn (on any device) or is pushed on its
// own (`crisis-state`, e.g. after a questionnaire answer) reaches the crisis
// bar whatever the screen, and the server ending the connection (its token
// expired) is followed by a new one with a fresh token.
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import type { Socket } from 'socket.io-client';
import { useQueryClient } from '@tanstack/react-query';
import type { Schemas } from '../../api/client';
import { crisisKey, useSetCrisis, type CrisisView } from '../../app/crisis';
import { useSocket } from './socket';

interface Realtime {
  socket: Socket | null;
  connected: boolean;
}

const RealtimeContext = createContext<Realtime>({ socket: null, connected: false });

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const { socket, connected } = useSocket(true);
  const setCrisis = useSetCrisis();
  const queries = useQueryClient();
  useEffect(() => {
    if (!socket) return;
    const onFinal = (ev: { type: string } & Partial<Schemas['TurnResult']>) => {
      if (ev.type === 'final') setCrisis(ev.crisis);
    };
    const onUpdate = (ev: Schemas['TurnResult']) => {
      setCrisis(ev.crisis);
      void queries.invalidateQueries({ queryKey: ['sessions'] });
    };
    const onCrisis = (ev: CrisisView) => setCrisis(ev);
    // Back after a break in the connection: a state pushed meanwhile was missed.
    let wasConnected = socket.connected;
    const onConnect = () => {
      if (wasConnected) void queries.invalidateQueries({ queryKey: crisisKey });
      wasConnected = true;
    };
    const onDisconnect = (reason: string) => {
      if (reason === 'io server disconnect') socket.connect();
    };
    socket.on('ai-response', onFinal);
    socket.on('conversation-update', onUpdate);
    socket.on('crisis-state', onCrisis);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    return () => {
      socket.off('ai-response', onFinal);
      socket.off('conversation-update', onUpdate);
      socket.off('crisis-state', onCrisis);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
    };
  }, [socket, setCrisis, queries]);
  return <RealtimeContext.Provider value={{ socket, connected }}>{children}</RealtimeContext.Provider>;
}

export function useRealtime(): Realtime {
  return useContext(RealtimeContext);
}
