import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

import { setUnauthorizedHandler } from '../api/client';
import { queryClient } from '../queryClient';
import * as session from './session';
import type { AuthSession, SignInResult } from './session';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out'; reason?: 'idle' | 'expired' | 'signed-out' }
  | { status: 'signed-in'; session: AuthSession };

interface AuthContextValue {
  state: AuthState;
  /** The password step: signed in, or a second step (a code) to take with `completeMfa`. */
  signIn(body: { clinic: string; email: string; password: string }): Promise<SignInResult>;
  /** The second step of a sign-in; answers the recovery codes when it finished a forced enrolment. */
  completeMfa(body: { mfaToken: string; code: string }): Promise<{ recoveryCodes?: string[] }>;
  /** Adopts what an invitation's acceptance answered: tokens, or a second step to take. */
  adopt(answer: object): Promise<SignInResult>;
  /** The clinic as changed by its admin (name, zone), so the frame shows it at once. */
  updateClinic(clinic: AuthSession['clinic']): void;
  signOut(reason?: 'idle' | 'expired' | 'signed-out'): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const refreshTimer = useRef<number | undefined>(undefined);

  const schedule = useCallback((value: AuthSession) => {
    window.clearTimeout(refreshTimer.current);
    // Refresh a minute before the access token expires.
    const delay = Math.max(10, value.expiresIn - 60) * 1000;
    refreshTimer.current = window.setTimeout(async () => {
      const next = await session.refresh();
      if (next) {
        setState({ status: 'signed-in', session: next });
        schedule(next);
      } else {
        queryClient.clear();
        setState({ status: 'signed-out', reason: 'expired' });
      }
    }, delay);
  }, []);

  const start = useCallback(
    (value: AuthSession) => {
      setState({ status: 'signed-in', session: value });
      schedule(value);
    },
    [schedule],
  );

  const adopt = useCallback(
    async (answer: object) => {
      const result = await session.signedInOrChallenge(answer);
      if ('session' in result) start(result.session);
      return result;
    },
    [start],
  );

  const completeMfa = useCallback(
    async (body: { mfaToken: string; code: string }) => {
      const { session: value, recoveryCodes } = await session.completeMfa(body);
      start(value);
      return { recoveryCodes };
    },
    [start],
  );

  const updateClinic = useCallback((clinic: AuthSession['clinic']) => {
    setState((current) =>
      current.status === 'signed-in' ? { status: 'signed-in', session: { ...current.session, clinic } } : current,
    );
  }, []);

  const signOut = useCallback(async (reason: 'idle' | 'expired' | 'signed-out' = 'signed-out') => {
    window.clearTimeout(refreshTimer.current);
    await session.logout().catch(() => undefined);
    queryClient.clear();
    setState({ status: 'signed-out', reason });
  }, []);

  const signIn = useCallback(
    async (body: { clinic: string; email: string; password: string }) => {
      const result = await session.login(body);
      if ('session' in result) start(result.session);
      return result;
    },
    [start],
  );

  useEffect(() => {
    let isCurrent = true;
    session
      .restore()
      .then((value) => {
        if (!isCurrent) return;
        if (value) start(value);
        else setState({ status: 'signed-out' });
      })
      .catch(() => isCurrent && setState({ status: 'signed-out' }));
    return () => {
      isCurrent = false;
    };
  }, [start]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      window.clearTimeout(refreshTimer.current);
      session.forget();
      queryClient.clear();
      setState({ status: 'signed-out', reason: 'expired' });
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  const value = useMemo(
    () => ({ state, signIn, completeMfa, adopt, updateClinic, signOut }),
    [state, signIn, completeMfa, adopt, updateClinic, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** The signed-in session; only for pages under RequireAuth. */
export function useSession(): AuthSession {
  const { state } = useAuth();
  if (state.status !== 'signed-in') throw new Error('useSession without a sign-in');
  return state.session;
}
