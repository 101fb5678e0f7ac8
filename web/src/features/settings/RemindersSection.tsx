// Settings: the check-in reminder (time, weekdays, e-mail, quiet hours).
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field, InlineError, Loading, ProblemMessage, SaveStatus, Section, useFieldError, useFormat } from './ui';

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

/** The name of an ISO weekday (1 = Monday) in `lang`. */
export function weekdayName(day: number, lang: string): string {
  // 1 January 2024 was a Monday.
  return new Date(Date.UTC(2024, 0, day)).toLocaleDateString(lang, { weekday: 'long', timeZone: 'UTC' });
}

export function RemindersSection() {
  const { t } = useTranslation('settings');
  const reminders = useQuery({
    queryKey: ['reminders'],
    queryFn: async () => unwrap(await api.GET('/api/me/reminders')),
  });
  return (
    <Section id="settings-reminders" title={t('reminders.title')} intro={t('reminders.intro')}>
      {reminders.isPending ? (
        <Loading />
      ) : reminders.isError ? (
        <ErrorMessage error={reminders.error} />
      ) : (
        <RemindersForm view={reminders.data} />
      )}
    </Section>
  );
}

function RemindersForm({ view }: { view: Schemas['RemindersView'] }) {
  const { t, i18n } = useTranslation('settings');
  const f = useFormat();
  const queries = useQueryClient();
  const [enabled, setEnabled] = useState(view.enabled);
  const [time, setTime] = useState(view.localTime || '20:00');
  const [days, setDays] = useState<number[]>(view.days.length ? view.days : WEEKDAYS);
  const [email, setEmail] = useState(view.email);
  const [quiet, setQuiet] = useState(Boolean(view.quietStart && view.quietEnd));
  const [quietStart, setQuietStart] = useState(view.quietStart ?? '22:00');
  const [quietEnd, setQuietEnd] = useState(view.quietEnd ?? '07:00');
  const [localError, setLocalError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: async (body: Schemas['RemindersChange']) => unwrap(await api.PUT('/api/me/reminders', { body })),
    onSuccess: (v) => {
      queries.setQueryData(['reminders'], v);
      void queries.invalidateQueries({ queryKey: ['reminders'] });
      void queries.invalidateQueries({ queryKey: ['profile'] });
    },
  });
  const fe = useFieldError(save.error, 'reminders');
  const current = save.data ?? view;

  function submit(e: FormEvent) {
    e.preventDefault();
    setLocalError(null);
    if (enabled && days.length === 0) {
      setLocalError(t('reminders.noDays'));
      return;
    }
    save.mutate({
      enabled,
      localTime: time,
      days: [...days].sort((a, b) => a - b),
      email,
      quietStart: quiet ? quietStart : null,
      quietEnd: quiet ? quietEnd : null,
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        {t('reminders.enabled')}
      </label>
      <Field label={t('reminders.time')} error={fe('localTime')} className="narrow">
        {(p) => <input {...p} type="time" value={time} onChange={(e) => setTime(e.target.value)} required />}
      </Field>
      <fieldset aria-describedby={localError || fe('days') ? 'reminder-days-error' : undefined}>
        <legend>{t('reminders.days')}</legend>
        <div className="weekdays">
          {WEEKDAYS.map((d) => (
            <label key={d} className="check">
              <input
                type="checkbox"
                checked={days.includes(d)}
                onChange={(e) => setDays(e.target.checked ? [...days, d] : days.filter((x) => x !== d))}
              />
              {weekdayName(d, i18n.language)}
            </label>
          ))}
        </div>
        <InlineError id="reminder-days-error" text={localError ?? fe('days')} />
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={email} onChange={(e) => setEmail(e.target.checked)} />
        {t('reminders.email')}
      </label>
      <InlineError text={fe('email')} />
      <fieldset>
        <legend>{t('reminders.quiet')}</legend>
        <label className="check">
          <input type="checkbox" checked={quiet} onChange={(e) => setQuiet(e.target.checked)} />
          {t('reminders.quietOn')}
        </label>
        {quiet && (
          <div className="grid-2">
            <Field label={t('reminders.quietStart')} error={fe('quietStart')}>
              {(p) => <input {...p} type="time" value={quietStart} onChange={(e) => setQuietStart(e.target.value)} />}
            </Field>
            <Field label={t('reminders.quietEnd')} error={fe('quietEnd')}>
              {(p) => <input {...p} type="time" value={quietEnd} onChange={(e) => setQuietEnd(e.target.value)} />}
            </Field>
          </div>
        )}
      </fieldset>
      <p className="hint">
        {t('reminders.timezone', { zone: current.timezone })}
        {current.enabled && current.nextDueAt ? ` ${t('reminders.next', { when: f.dateTime(current.nextDueAt) })}` : ''}
      </p>
      <ProblemMessage error={save.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending}>
          {t('reminders.save')}
        </button>
      </div>
      <SaveStatus saved={save.isSuccess} />
    </form>
  );
}
