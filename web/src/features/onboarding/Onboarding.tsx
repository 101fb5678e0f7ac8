import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../app/session';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Page } from '../../components/Page';
import { CountryOptions } from '../../components/CountryOptions';

const AGE_RANGES = ['13-17', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'];
const GOALS = ['anxiety', 'mood', 'sleep', 'stress', 'relationships', 'selfEsteem'] as const;
const APPROACHES: Schemas['Approach'][] = ['cbt', 'dbt', 'act', 'mindfulness'];
const STEPS = 3;

/** Three short steps: about you, what you want help with, country and privacy. */
export function Onboarding() {
  const { t, i18n } = useTranslation();
  const { profile } = useSession();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [step, setStep] = useState(1);
  const [name, setName] = useState(profile?.displayName ?? '');
  const [age, setAge] = useState(profile?.ageRange ?? '');
  const [goals, setGoals] = useState<string[]>([]);
  const [approach, setApproach] = useState<Schemas['Approach']>('cbt');
  // Never guessed from the browser's language (an en-US browser is not a US
  // resident): a wrong country would list the wrong crisis lines.
  const [country, setCountry] = useState(profile?.country ?? '');
  const [memory, setMemory] = useState(false);
  const [voice, setVoice] = useState(false);
  const [analytics, setAnalytics] = useState(false);
  const [reminders, setReminders] = useState(false);
  const [reminderTime, setReminderTime] = useState('20:00');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function finish(e: FormEvent) {
    e.preventDefault();
    if (step < STEPS) {
      setStep(step + 1);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      unwrap(
        await api.PATCH('/api/me/profile', {
          body: {
            displayName: name.trim() || null,
            // The selects offer the server's choices only.
            ageRange: (age || null) as Schemas['AgeRange'] | null,
            goals: goals.map((g) => t(`onboarding.goalOptions.${g}`)),
            therapeuticPreferences: { approach },
            country: (country || null) as Schemas['Country'] | null,
            language: i18n.language.slice(0, 2),
            timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
            privacySettings: { memoryEnabled: memory, storeVoiceRecordings: voice, analyticsOptIn: analytics },
            communicationPreferences: { checkInReminders: reminders, reminderTime },
            onboardingCompleted: true,
            onboardingStep: 'done',
          },
        }),
      );
      if (reminders) unwrap(await api.PUT('/api/me/reminders', { body: { enabled: true, localTime: reminderTime } }));
      await queries.invalidateQueries();
      navigate('/chat', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={t('onboarding.title')}>
      <p className="muted" aria-live="polite">
        {t('onboarding.step', { n: step, total: STEPS })}
      </p>
      <ErrorMessage error={error} />
      <form onSubmit={(e) => void finish(e)} className="card">
        {step === 1 && (
          <>
            <div className="field">
              <label htmlFor="name">{t('onboarding.nameLabel')}</label>
              <input id="name" autoComplete="given-name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="age">{t('onboarding.ageLabel')}</label>
              <select id="age" value={age} onChange={(e) => setAge(e.target.value)}>
                <option value="">{t('onboarding.agePlaceholder')}</option>
                {AGE_RANGES.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            </div>
          </>
        )}
        {step === 2 && (
          <>
            <fieldset>
              <legend>{t('onboarding.goalsLabel')}</legend>
              <p className="hint">{t('onboarding.goalsHint')}</p>
              {GOALS.map((g) => (
                <label key={g} className="check">
                  <input
                    type="checkbox"
                    checked={goals.includes(g)}
                    onChange={(e) => setGoals(e.target.checked ? [...goals, g] : goals.filter((x) => x !== g))}
                  />
                  {t(`onboarding.goalOptions.${g}`)}
                </label>
              ))}
            </fieldset>
            <fieldset>
              <legend>{t('onboarding.approachLabel')}</legend>
              {APPROACHES.map((a) => (
                <label key={a} className="check">
                  <input type="radio" name="approach" checked={approach === a} onChange={() => setApproach(a)} />
                  {t(`onboarding.approaches.${a}`)}
                </label>
              ))}
            </fieldset>
          </>
        )}
        {step === 3 && (
          <>
            <div className="field">
              <label htmlFor="country">{t('onboarding.countryLabel')}</label>
              <select id="country" value={country} onChange={(e) => setCountry(e.target.value)}>
                <CountryOptions none="—" />
              </select>
            </div>
            <fieldset>
              <legend>{t('onboarding.privacyTitle')}</legend>
              <label className="check">
                <input type="checkbox" checked={memory} onChange={(e) => setMemory(e.target.checked)} />
                {t('onboarding.memoryLabel')}
              </label>
              <label className="check">
                <input type="checkbox" checked={voice} onChange={(e) => setVoice(e.target.checked)} />
                {t('onboarding.voiceLabel')}
              </label>
              <label className="check">
                <input type="checkbox" checked={analytics} onChange={(e) => setAnalytics(e.target.checked)} />
                {t('onboarding.analyticsLabel')}
              </label>
            </fieldset>
            <fieldset>
              <legend>{t('onboarding.remindersLabel')}</legend>
              <label className="check">
                <input type="checkbox" checked={reminders} onChange={(e) => setReminders(e.target.checked)} />
                {t('onboarding.remindersLabel')}
              </label>
              {reminders && (
                <div className="field">
                  <label htmlFor="reminder-time">{t('onboarding.reminderTime')}</label>
                  <input id="reminder-time" type="time" value={reminderTime} onChange={(e) => setReminderTime(e.target.value)} />
                </div>
              )}
            </fieldset>
          </>
        )}
        <div className="row">
          {step > 1 && (
            <button type="button" onClick={() => setStep(step - 1)}>
              {t('back')}
            </button>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {step < STEPS ? t('next') : t('onboarding.finish')}
          </button>
        </div>
      </form>
    </Page>
  );
}
