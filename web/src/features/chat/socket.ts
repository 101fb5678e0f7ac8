// The real-time connection: the architecture's Socket.IO events with the
// official client. The access token is read at every (re)connect, so a
// refreshed token is used after a reconnect.
import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { accessToken } from '../../api/client';

export function useSocket(enabled: boolean): { socket: Socket | null; connected: boolean } {
  const [socket, setSocket] = useState<Socket | null>(null);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!enabled) return;
    const s = io({
      auth: (cb) => {
        void accessToken().then((token) => cb({ token: token ?? '' }));
      },
      transports: ['websocket', 'polling'],
    });
    const up = () => setConnected(true);
    const down = () => setConnected(false);
    s.on('connect', up);
    s.on('disconnect', down);
    s.on('connect_error', down);
    setSocket(s);
    return () => {
      s.off('connect', up);
      s.off('disconnect', down);
      s.off('connect_error', down);
      s.close();
      setSocket(null);
      setConnected(false);
    };
  }, [enabled]);
  return { socket, connected };
}
