// The crisis panel's state: shown whenever a reply (or a questionnaire answer)
// says risk is high or critical, with the person's country's resources, and
// kept visible on every screen until they minimise it.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import type { Schemas } from '../api/client';

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
}

const CrisisContext = createContext<CrisisState | null>(null);

export function isCrisis(level: string): boolean {
  return level === 'high' || level === 'critical';
}

export function CrisisProvider({ children }: { children: ReactNode }) {
  const [crisis, setCrisis] = useState<CrisisInfo | null>(null);
  const [minimised, setMinimised] = useState(false);
  const show = useCallback((info: CrisisInfo) => {
    setCrisis(info);
    setMinimised(false);
  }, []);
  const report = useCallback(
    (safety: Schemas['SafetyView']) => {
      if (isCrisis(safety.riskLevel)) {
        show({ riskLevel: safety.riskLevel, emergencyNumber: safety.emergencyNumber, resources: safety.resources });
      }
    },
    [show],
  );
  const value = useMemo(() => ({ crisis, minimised, report, show, setMinimised }), [crisis, minimised, report, show]);
  return <CrisisContext.Provider value={value}>{children}</CrisisContext.Provider>;
}

export function useCrisis(): CrisisState {
  const c = useContext(CrisisContext);
  if (!c) throw new Error('useCrisis outside CrisisProvider');
  return c;
}
