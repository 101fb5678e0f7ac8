// Settings: profile, approach and communication, privacy. Each saves its own
// part of the profile (PATCH /api/me/profile merges preference objects).
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { crisisKey } from '../../app/crisis';
import { CountryOptions } from '../../components/CountryOptions';
import { LANGUAGES } from '../../i18n';
import { Field, ProblemMessage, SaveStatus, Section, useFieldError } from './ui';

export const AGE_RANGES = ['13-17', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'];
export const APPROACHES: Schemas['Approach'][] = ['cbt', 'dbt', 'act', 'mindfulness', 'person-centred'];
const TONES: Schemas['Tone'][] = ['gentle', 'direct', 'encouraging'];
const LENGTHS: Schemas['ReplyLength'][] = ['short', 'medium', 'long'];

export function useProfile() {
  return useQuery({
    queryKey: ['profile'],
    queryFn: async () => unwrap(await api.GET('/api/me/profile')),
  });
}

/** A PATCH of the profile whose answer refreshes every screen that reads it. */
function usePatchProfile() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['ProfilePatch']) => unwrap(await api.PATCH('/api/me/profile', { body })),
    onSuccess: (profile, body) => {
      queries.setQueryData(['profile'], profile);
      void queries.invalidateQueries({ queryKey: ['profile'] });
      // The crisis lines are the country's: read them again.
      if ('country' in body) void queries.invalidateQueries({ queryKey: crisisKey });
    },
  });
}

function timeZones(current?: string | null): string[] {
  let zones: string[] = [];
  try {
    zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  } catch {
    zones = [];
  }
  const device = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const all = new Set([...zones, 'UTC', device, ...(current ? [current] : [])]);
  return [...all].filter(Boolean).sort();
}

export function ProfileSection({ profile }: { profile: Schemas['ProfileView'] }) {
  const { t, i18n } = useTranslation('settings');
  const [name, setName] = useState(profile.displayName ?? '');
  const [age, setAge] = useState(profile.ageRange ?? '');
  const [country, setCountry] = useState(profile.country ?? '');
  const [language, setLanguage] = useState(profile.language.slice(0, 2));
  const [timezone, setTimezone] = useState(profile.timezone ?? '');
  const [zones] = useState(() => timeZones(profile.timezone));
  const device = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const save = usePatchProfile();
  const fe = useFieldError(save.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate(
      {
        displayName: name.trim() || null,
        // The selects offer the server's choices only.
        ageRange: (age || null) as Schemas['AgeRange'] | null,
        country: (country || null) as Schemas['Country'] | null,
        language,
        timezone: timezone || null,
      },
      {
        onSuccess: () => {
          if (i18n.language.slice(0, 2) !== language) void i18n.changeLanguage(language);
        },
      },
    );
  }

  return (
    <Section id="settings-profile" title={t('profile.title')}>
      <form onSubmit={submit} noValidate>
        <Field label={t('profile.name')} hint={t('profile.nameHint')} error={fe('displayName')}>
          {(p) => (
            <input {...p} autoComplete="given-name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
        <div className="grid-2">
          <Field label={t('profile.age')} error={fe('ageRange')}>
            {(p) => (
              <select {...p} value={age} onChange={(e) => setAge(e.target.value)}>
                <option value="">{t('common:onboarding.agePlaceholder')}</option>
                {AGE_RANGES.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('profile.country')} hint={t('profile.countryHint')} error={fe('country')}>
            {(p) => (
              <select {...p} value={country} onChange={(e) => setCountry(e.target.value)}>
                <CountryOptions none={t('profile.noCountry')} />
              </select>
            )}
          </Field>
          <Field label={t('profile.language')} hint={t('profile.languageHint')} error={fe('language')}>
            {(p) => (
              <select {...p} value={language} onChange={(e) => setLanguage(e.target.value)}>
                {LANGUAGES.map((l) => (
                  <option key={l.code} value={l.code} lang={l.code}>
                    {l.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('profile.timezone')} hint={t('profile.timezoneHint')} error={fe('timezone')}>
            {(p) => (
              <select {...p} value={timezone} onChange={(e) => setTimezone(e.target.value)}>
                <option value="">{t('profile.noTimezone')}</option>
                {zones.map((z) => (
                  <option key={z} value={z}>
                    {z.replace(/_/g, ' ')}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {device && device !== timezone && (
          <p>
            <button type="button" className="link" onClick={() => setTimezone(device)}>
              {t('profile.useDeviceZone', { zone: device.replace(/_/g, ' ') })}
            </button>
          </p>
        )}
        <ProblemMessage error={save.error} />
        <div className="row">
          <button type="submit" className="primary" disabled={save.isPending}>
            {t('profile.save')}
          </button>
        </div>
        <SaveStatus saved={save.isSuccess} />
      </form>
    </Section>
  );
}

export function ApproachSection({ profile }: { profile: Schemas['ProfileView'] }) {
  const { t } = useTranslation('settings');
  const [approach, setApproach] = useState<Schemas['Approach'] | null>(profile.therapeuticPreferences.approach ?? null);
  const [secondary, setSecondary] = useState<Schemas['Approach'][]>(
    profile.therapeuticPreferences.secondaryApproaches ?? [],
  );
  const comm = profile.communicationPreferences;
  const [tone, setTone] = useState<Schemas['Tone'] | null>(comm.tone ?? null);
  const [length, setLength] = useState<Schemas['ReplyLength'] | null>(comm.replyLength ?? null);
  const [useName, setUseName] = useState(comm.useName ?? true);
  const save = usePatchProfile();
  const fe = useFieldError(save.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    const others = secondary.filter((a) => a !== approach).slice(0, 4);
    save.mutate({
      therapeuticPreferences: { ...(approach ? { approach } : {}), secondaryApproaches: others },
      communicationPreferences: {
        ...(tone ? { tone } : {}),
        ...(length ? { replyLength: length } : {}),
        useName,
      },
    });
  }

  return (
    <Section id="settings-approach" title={t('approach.title')}>
      <form onSubmit={submit}>
        <fieldset>
          <legend>{t('approach.primary')}</legend>
          {APPROACHES.map((a) => (
            <label key={a} className="check">
              <input type="radio" name="approach" checked={approach === a} onChange={() => setApproach(a)} />
              {t(`approaches.${a}`)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('approach.secondary')}</legend>
          <p className="hint">{t('approach.secondaryHint')}</p>
          {APPROACHES.filter((a) => a !== approach).map((a) => (
            <label key={a} className="check">
              <input
                type="checkbox"
                checked={secondary.includes(a)}
                onChange={(e) => setSecondary(e.target.checked ? [...secondary, a] : secondary.filter((x) => x !== a))}
              />
              {t(`approachNames.${a}`)}
            </label>
          ))}
          {fe('therapeuticPreferences.secondaryApproaches') && (
            <p className="field-error">{fe('therapeuticPreferences.secondaryApproaches')}</p>
          )}
        </fieldset>
        <fieldset>
          <legend>{t('approach.tone')}</legend>
          {TONES.map((x) => (
            <label key={x} className="check">
              <input type="radio" name="tone" checked={tone === x} onChange={() => setTone(x)} />
              {t(`tones.${x}`)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('approach.length')}</legend>
          {LENGTHS.map((x) => (
            <label key={x} className="check">
              <input type="radio" name="reply-length" checked={length === x} onChange={() => setLength(x)} />
              {t(`lengths.${x}`)}
            </label>
          ))}
        </fieldset>
        <label className="check">
          <input type="checkbox" checked={useName} onChange={(e) => setUseName(e.target.checked)} />
          {t('approach.useName')}
        </label>
        <ProblemMessage error={save.error} />
        <div className="row">
          <button type="submit" className="primary" disabled={save.isPending}>
            {t('approach.save')}
          </button>
        </div>
        <SaveStatus saved={save.isSuccess} />
      </form>
    </Section>
  );
}

export function PrivacySection({ profile }: { profile: Schemas['ProfileView'] }) {
  const { t } = useTranslation('settings');
  const queries = useQueryClient();
  const p = profile.privacySettings;
  const [memory, setMemory] = useState(p.memoryEnabled ?? false);
  const [voice, setVoice] = useState(p.storeVoiceRecordings ?? false);
  const [analytics, setAnalytics] = useState(p.analyticsOptIn ?? false);
  const [retention, setRetention] = useState(p.dataRetentionDays != null ? String(p.dataRetentionDays) : '');
  const [localError, setLocalError] = useState<string | null>(null);
  const save = usePatchProfile();
  const fe = useFieldError(save.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    setLocalError(null);
    const days = retention.trim() === '' ? null : Number(retention);
    if ((days === null && p.dataRetentionDays != null) || (days !== null && (!Number.isInteger(days) || days < 30 || days > 3650))) {
      setLocalError(t('privacy.retentionRange'));
      return;
    }
    save.mutate(
      {
        privacySettings: {
          memoryEnabled: memory,
          storeVoiceRecordings: voice,
          analyticsOptIn: analytics,
          ...(days !== null ? { dataRetentionDays: days } : {}),
        },
      },
      { onSuccess: () => void queries.invalidateQueries({ queryKey: ['memories'] }) },
    );
  }

  const retentionError = localError ?? fe('privacySettings.dataRetentionDays');
  return (
    <Section id="settings-privacy" title={t('privacy.title')}>
      <form onSubmit={submit} noValidate>
        <label className="check">
          <input type="checkbox" checked={memory} onChange={(e) => setMemory(e.target.checked)} />
          <span>
            {t('privacy.memory')}
            <span className="hint block">{t('privacy.memoryHint')}</span>
          </span>
        </label>
        <label className="check">
          <input type="checkbox" checked={voice} onChange={(e) => setVoice(e.target.checked)} />
          <span>
            {t('privacy.voice')}
            <span className="hint block">{t('privacy.voiceHint')}</span>
          </span>
        </label>
        <label className="check">
          <input type="checkbox" checked={analytics} onChange={(e) => setAnalytics(e.target.checked)} />
          <span>
            {t('privacy.analytics')}
            <span className="hint block">{t('privacy.analyticsHint')}</span>
          </span>
        </label>
        <Field label={t('privacy.retention')} hint={t('privacy.retentionHint')} error={retentionError ?? undefined} className="narrow">
          {(props) => (
            <input
              {...props}
              type="number"
              inputMode="numeric"
              min={30}
              max={3650}
              step={1}
              value={retention}
              onChange={(e) => setRetention(e.target.value)}
            />
          )}
        </Field>
        <ProblemMessage error={save.error} />
        <div className="row">
          <button type="submit" className="primary" disabled={save.isPending}>
            {t('privacy.save')}
          </button>
        </div>
        <SaveStatus saved={save.isSuccess} />
      </form>
    </Section>
  );
}
