import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client';
import { useCrisis } from '../app/crisis';
import { useSession } from '../app/session';

/** Stays on every screen while risk is high: the country's lines, the safety plan, and that we are still here. */
export function CrisisPanel() {
  const { t } = useTranslation();
  const { crisis, minimised, setMinimised } = useCrisis();
  const { signedIn } = useSession();
  const plan = useQuery({
    queryKey: ['safety-plan'],
    enabled: crisis !== null && signedIn,
    queryFn: async () => unwrap(await api.GET('/api/me/safety-plan')),
  });
  if (!crisis) return null;
  if (minimised) {
    return (
      <div className="crisis-panel" role="region" aria-label={t('crisis.show')}>
        <button type="button" className="danger" onClick={() => setMinimised(false)}>
          {t('crisis.show')}
        </button>
      </div>
    );
  }
  const p = plan.data;
  const planLines = p
    ? [
        ...(p.copingStrategies ?? []),
        ...(p.peopleToAsk ?? []).map((c) => (c.contact ? `${c.name}: ${c.contact}` : c.name)),
        ...(p.reasonsForLiving ?? []),
      ].slice(0, 5)
    : [];
  return (
    <section className="crisis-panel" aria-labelledby="crisis-title" data-testid="crisis-panel">
      <h2 id="crisis-title">{t('crisis.title')}</h2>
      {/* Announced when the panel appears, wherever focus is. */}
      <p className="visually-hidden" role="alert">
        {t('crisis.announce')}
      </p>
      <p>
        {crisis.emergencyNumber ? t('crisis.body', { number: crisis.emergencyNumber }) : t('crisis.bodyNoNumber')}
      </p>
      {crisis.resources.length > 0 ? (
        <ul>
          {crisis.resources.map((r) => (
            <li key={r.name + r.contact}>
              <span className="contact">{r.name}: {r.contact}</span>
              {r.hours ? <span className="muted"> ({r.hours})</span> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('crisis.international')}</p>
      )}
      {planLines.length > 0 && (
        <>
          <h3>{t('crisis.planTitle')}</h3>
          <ul>
            {planLines.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
        </>
      )}
      <p>{t('crisis.stay')}</p>
      <div className="row">
        <Link className="button primary" to="/safety-plan">
          {t('crisis.planLink')}
        </Link>
        <button type="button" onClick={() => setMinimised(true)}>
          {t('crisis.hide')}
        </button>
      </div>
    </section>
  );
}
