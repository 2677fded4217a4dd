import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, ApiError, onSignedOut, setCsrfToken, unwrap } from './client';

type SessionState = 'checking' | 'signed-in' | 'signed-out';

interface Session {
  state: SessionState;
  /** Exchanges the admin token for the session cookie; throws an ApiError when refused. */
  signIn(token: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>('checking');
  const queries = useQueryClient();

  const end = useCallback(() => {
    setCsrfToken(undefined);
    queries.clear();
    setState('signed-out');
  }, [queries]);

  useEffect(() => {
    // A reload keeps the cookie but not the CSRF token: the session hands it back.
    api.GET('/api/session').then(
      ({ data }) => {
        setCsrfToken(data?.csrfToken);
        setState(data ? 'signed-in' : 'signed-out');
      },
      () => setState('signed-out'),
    );
    return onSignedOut(end);
  }, [end]);

  const session = useMemo<Session>(
    () => ({
      state,
      async signIn(token) {
        const { csrfToken } = unwrap(await api.POST('/api/session', { body: { token } }));
        setCsrfToken(csrfToken);
        setState('signed-in');
      },
      async signOut() {
        const result = await api.DELETE('/api/session');
        // Already gone server-side (401) is signed out all the same.
        if (result.error && result.response.status !== 401) throw new ApiError(result.response.status, 'sign-out failed');
        end();
      },
    }),
    [state, end],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
