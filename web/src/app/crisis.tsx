// The crisis panel's state: shown whenever a reply (or a questionnaire answer)
// says risk is high or critical, with the person's country's resources, and
// kept visible on every screen until they minimise it. It survives a reload
// and an unexpected sign-out (kept in this tab's sessionStorage: the level and
// the lines, never message text), and is cleared when the person signs out or
// someone else signs in.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Schemas } from '../api/client';
import { useSession } from './session';

export interface CrisisInfo {
  riskLevel: string;
  emergencyNumber?: string | null;
  resources: Schemas['ResourceView'][];
}

interface CrisisState {
  crisis: CrisisInfo | null;
  minimised: boolean;
  /** Call with every reply's safety view; shows the panel at high or critical risk. */
  report: (safety: Schemas['SafetyView']) => void;
  show: (info: CrisisInfo) => void;
  setMinimised: (m: boolean) => void;
  clear: () => void;
}

const CrisisContext = createContext<CrisisState | null>(null);
const KEY = 'rebloom.crisis';

interface Saved {
  userId?: string;
  info: CrisisInfo;
}

function load(): Saved | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Saved) : null;
  } catch {
    return null;
  }
}

export function isCrisis(level: string): boolean {
  return level === 'high' || level === 'critical';
}

export function CrisisProvider({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const [saved, setSaved] = useState<Saved | null>(load);
  const [minimised, setMinimised] = useState(false);
  const userId = user?.id;
  // Someone else signed in on this tab: not their panel.
  useEffect(() => {
    if (userId && saved?.userId && saved.userId !== userId) {
      sessionStorage.removeItem(KEY);
      setSaved(null);
    }
  }, [userId, saved?.userId]);
  const show = useCallback(
    (info: CrisisInfo) => {
      const next = { userId, info };
      sessionStorage.setItem(KEY, JSON.stringify(next));
      setSaved(next);
      setMinimised(false);
    },
    [userId],
  );
  const report = useCallback(
    (safety: Schemas['SafetyView']) => {
      if (isCrisis(safety.riskLevel)) {
        show({ riskLevel: safety.riskLevel, emergencyNumber: safety.emergencyNumber, resources: safety.resources });
      }
    },
    [show],
  );
  const clear = useCallback(() => {
    sessionStorage.removeItem(KEY);
    setSaved(null);
  }, []);
  const crisis = saved?.info ?? null;
  const value = useMemo(
    () => ({ crisis, minimised, report, show, setMinimised, clear }),
    [crisis, minimised, report, show, clear],
  );
  return <CrisisContext.Provider value={value}>{children}</CrisisContext.Provider>;
}

export function useCrisis(): CrisisState {
  const c = useContext(CrisisContext);
  if (!c) throw new Error('useCrisis outside CrisisProvider');
  return c;
}
