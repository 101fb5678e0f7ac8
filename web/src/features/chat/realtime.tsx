// One live connection for the whole signed-in app (not only the chat screen):
// a reply that arrives while the person is on another screen still brings up
// the crisis panel when it is a crisis reply, and the server ending the
// connection (its token expired) is followed by a new one with a fresh token.
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import type { Socket } from 'socket.io-client';
import { useQueryClient } from '@tanstack/react-query';
import type { Schemas } from '../../api/client';
import { useCrisis } from '../../app/crisis';
import { useSocket } from './socket';

interface Realtime {
  socket: Socket | null;
  connected: boolean;
}

const RealtimeContext = createContext<Realtime>({ socket: null, connected: false });

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const { socket, connected } = useSocket(true);
  const { report } = useCrisis();
  const queries = useQueryClient();
  useEffect(() => {
    if (!socket) return;
    const onFinal = (ev: { type: string } & Partial<Schemas['TurnResult']>) => {
      if (ev.type === 'final' && ev.aiResponse) report(ev.aiResponse.safety);
    };
    const onUpdate = (ev: Schemas['TurnResult']) => {
      report(ev.aiResponse.safety);
      void queries.invalidateQueries({ queryKey: ['sessions'] });
    };
    const onDisconnect = (reason: string) => {
      if (reason === 'io server disconnect') socket.connect();
    };
    socket.on('ai-response', onFinal);
    socket.on('conversation-update', onUpdate);
    socket.on('disconnect', onDisconnect);
    return () => {
      socket.off('ai-response', onFinal);
      socket.off('conversation-update', onUpdate);
      socket.off('disconnect', onDisconnect);
    };
  }, [socket, report, queries]);
  return <RealtimeContext.Provider value={{ socket, connected }}>{children}</RealtimeContext.Provider>;
}

export function useRealtime(): Realtime {
  return useContext(RealtimeContext);
}
