// Settings: the trusted contact, named with their consent, whom Rebloom may
// e-mail when the person asks it to.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiProblem, api, unwrap, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Confirm, Field, InlineError, Loading, ProblemMessage, SaveStatus, Section, useFieldError, useFormat } from './ui';

export function TrustedContactSection() {
  const { t } = useTranslation('settings');
  const contact = useQuery({
    queryKey: ['trusted-contact'],
    queryFn: async () => {
      try {
        return unwrap(await api.GET('/api/me/trusted-contact'));
      } catch (e) {
        if (e instanceof ApiProblem && e.status === 404) return null;
        throw e;
      }
    },
  });
  return (
    <Section id="settings-contact" title={t('contact.title')} intro={t('contact.intro')}>
      {contact.isPending ? (
        <Loading />
      ) : contact.isError ? (
        <ErrorMessage error={contact.error} />
      ) : (
        <ContactEditor current={contact.data} />
      )}
    </Section>
  );
}

function ContactEditor({ current }: { current: Schemas['ContactView'] | null }) {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const queries = useQueryClient();
  const [name, setName] = useState(current?.name ?? '');
  const [email, setEmail] = useState(current?.email ?? '');
  const [consent, setConsent] = useState(false);
  const [editing, setEditing] = useState(current === null);
  const [status, setStatus] = useState<string | null>(null);
  const refresh = () => void queries.invalidateQueries({ queryKey: ['trusted-contact'] });
  const save = useMutation({
    mutationFn: async (body: Schemas['ContactRequest']) => unwrap(await api.PUT('/api/me/trusted-contact', { body })),
    onSuccess: (v) => {
      queries.setQueryData(['trusted-contact'], v);
      refresh();
      setEditing(false);
      setConsent(false);
      setStatus(t('common:saved'));
    },
  });
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/api/me/trusted-contact')),
    onSuccess: () => {
      queries.setQueryData(['trusted-contact'], null);
      setName('');
      setEmail('');
      setEditing(true);
      setStatus(t('contact.removed'));
      save.reset();
      document.getElementById('settings-contact-title')?.focus();
      refresh();
    },
  });
  const notify = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/me/trusted-contact/notify')),
    onSuccess: () => {
      setStatus(t('contact.notified'));
      refresh();
    },
  });
  const fe = useFieldError(save.error, 'contact');

  function submit(e: FormEvent) {
    e.preventDefault();
    setStatus(null);
    // Sent unticked too: the server's `consent_required` is shown on the checkbox.
    save.mutate({ name: name.trim(), email: email.trim(), consent: consent as true });
  }

  return (
    <>
      {current && !editing && (
        <div className="stack">
          <dl className="facts">
            <dt>{t('contact.name')}</dt>
            <dd>{current.name}</dd>
            <dt>{t('contact.email')}</dt>
            <dd>{current.email}</dd>
            <dt>{t('contact.since')}</dt>
            <dd>{f.dateTime(current.consentedAt)}</dd>
            {current.lastNotifiedAt && (
              <>
                <dt>{t('contact.lastNotified')}</dt>
                <dd>{f.dateTime(current.lastNotifiedAt)}</dd>
              </>
            )}
          </dl>
          <div className="row">
            <button type="button" onClick={() => setEditing(true)}>
              {t('contact.change')}
            </button>
            {current.canNotify && (
              <button type="button" onClick={() => notify.mutate()} disabled={notify.isPending}>
                {t('contact.notify')}
              </button>
            )}
            <Confirm
              trigger={t('contact.remove')}
              question={t('contact.removeQuestion', { name: current.name })}
              confirmLabel={t('contact.removeConfirm')}
              busy={remove.isPending}
              onConfirm={() => remove.mutateAsync()}
            />
          </div>
          {current.canNotify && <p className="hint">{t('contact.notifyHint')}</p>}
          <ProblemMessage
            error={notify.error}
            known={{
              contact_recently_notified: t('contact.recentlyNotified'),
              email_unavailable: t('contact.emailUnavailable'),
              no_trusted_contact: t('contact.none'),
            }}
          />
          <ErrorMessage error={remove.error} />
        </div>
      )}
      {editing && (
        <form onSubmit={submit} noValidate>
          {!current && <p>{t('contact.none')}</p>}
          <div className="grid-2">
            <Field label={t('contact.name')} error={fe('name')}>
              {(p) => <input {...p} autoComplete="off" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label={t('contact.email')} error={fe('email')}>
              {(p) => <input {...p} type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />}
            </Field>
          </div>
          <label className="check">
            <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} aria-describedby="contact-consent-error" />
            {t('contact.consent')}
          </label>
          <InlineError id="contact-consent-error" text={fe('consent')} />
          <ProblemMessage error={save.error} />
          <div className="row">
            <button type="submit" className="primary" disabled={save.isPending}>
              {t('contact.save')}
            </button>
            {current && (
              <button
                type="button"
                onClick={() => {
                  setEditing(false);
                  setName(current.name);
                  setEmail(current.email);
                  save.reset();
                }}
              >
                {t('common:cancel')}
              </button>
            )}
          </div>
        </form>
      )}
      <SaveStatus saved={status !== null} text={status ?? undefined} />
    </>
  );
}
