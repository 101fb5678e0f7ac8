// Who is signed in: the account and profile, shared by every screen.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, isSignedIn, onSignedInChange, refreshTokenValue, setTokens, unwrap, type Schemas } from '../api/client';
import i18n, { LANGUAGES } from '../i18n';

interface Session {
  signedIn: boolean;
  user?: Schemas['UserView'];
  profile?: Schemas['ProfileView'];
  loading: boolean;
  signIn: (tokens: Schemas['TokenResponse']) => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [signedIn, setSignedIn] = useState(isSignedIn());
  const queries = useQueryClient();
  useEffect(() => onSignedInChange((s) => {
    setSignedIn(s);
    if (!s) queries.clear();
  }), [queries]);
  const me = useQuery({
    queryKey: ['me'],
    enabled: signedIn,
    queryFn: async () => unwrap(await api.GET('/api/me')),
  });
  const profile = useQuery({
    queryKey: ['profile'],
    enabled: signedIn,
    queryFn: async () => unwrap(await api.GET('/api/me/profile')),
  });
  // The app speaks the person's chosen language once they have one.
  const language = profile.data?.language?.slice(0, 2);
  useEffect(() => {
    if (language && LANGUAGES.some((l) => l.code === language) && i18n.language !== language) {
      void i18n.changeLanguage(language);
    }
  }, [language]);
  const value: Session = {
    signedIn,
    user: me.data,
    profile: profile.data,
    loading: signedIn && (me.isPending || profile.isPending),
    signIn: (tokens) => {
      queries.clear();
      setTokens(tokens);
    },
    signOut: async () => {
      const refreshToken = refreshTokenValue();
      if (refreshToken) await api.POST('/api/auth/logout', { body: { refreshToken } }).catch(() => undefined);
      setTokens(null);
    },
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
