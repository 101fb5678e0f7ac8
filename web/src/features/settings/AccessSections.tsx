// Settings: clinician access (grants) and the audit log of who read or changed what.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/ErrorMessage';
import {
  Confirm,
  Field,
  InlineError,
  Loading,
  ProblemMessage,
  SaveStatus,
  Section,
  shortId,
  useFieldError,
  useFormat,
} from './ui';

export const SCOPES = ['mood', 'summaries', 'conversations', 'everything'] as const;

export function ClinicianAccessSection() {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const queries = useQueryClient();
  const grants = useQuery({
    queryKey: ['grants'],
    queryFn: async () => unwrap(await api.GET('/api/me/grants')),
  });
  const revoke = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE('/api/me/grants/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      // The grant leaves the list: keep the keyboard in this section.
      document.getElementById('settings-clinicians-title')?.focus();
      void queries.invalidateQueries({ queryKey: ['grants'] });
      void queries.invalidateQueries({ queryKey: ['audit'] });
    },
  });
  const list = grants.data ?? [];
  const active = list.filter((g) => g.status === 'active');
  const past = list.filter((g) => g.status !== 'active');

  return (
    <Section id="settings-clinicians" title={t('grants.title')} intro={t('grants.intro')}>
      {grants.isPending ? (
        <Loading />
      ) : grants.isError ? (
        <ErrorMessage error={grants.error} />
      ) : active.length === 0 ? (
        <p>{t('grants.none')}</p>
      ) : (
        <ul className="plain-list">
          {active.map((g) => (
            <li key={g.id} className="list-item">
              <p>
                <strong>{t('grants.clinician', { id: shortId(g.clinicianId) })}</strong>
                {' · '}
                {t(`scopes.${g.scope}`, { defaultValue: g.scope })}
              </p>
              <p className="hint">
                {t('grants.since', { date: f.date(g.createdAt) })} {t('grants.until', { date: f.date(g.expiresAt) })}
                {g.sessionIds.length > 0 && ` ${t('grants.sessionCount', { count: g.sessionIds.length })}`}
              </p>
              <Confirm
                trigger={
                  <>
                    {t('grants.revoke')}
                    {' '}<span className="visually-hidden">{t('grants.clinician', { id: shortId(g.clinicianId) })}</span>
                  </>
                }
                question={t('grants.revokeQuestion')}
                confirmLabel={t('grants.revokeConfirm')}
                busy={revoke.isPending}
                onConfirm={() => revoke.mutateAsync(g.id)}
              />
            </li>
          ))}
        </ul>
      )}
      <ErrorMessage error={revoke.error} />
      <SaveStatus saved={revoke.isSuccess} text={t('grants.revoked')} />
      {past.length > 0 && (
        <details>
          <summary>{t('grants.past', { count: past.length })}</summary>
          <ul className="plain-list">
            {past.map((g) => (
              <li key={g.id} className="list-item">
                {t('grants.clinician', { id: shortId(g.clinicianId) })} · {t(`scopes.${g.scope}`, { defaultValue: g.scope })} ·{' '}
                {g.status === 'revoked'
                  ? t('grants.revokedOn', { date: f.date(g.revokedAt) })
                  : t('grants.expiredOn', { date: f.date(g.expiresAt) })}
              </li>
            ))}
          </ul>
        </details>
      )}
      <h3>{t('grants.newTitle')}</h3>
      <GrantForm />
    </Section>
  );
}

function GrantForm() {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const queries = useQueryClient();
  const [email, setEmail] = useState('');
  const [scope, setScope] = useState<(typeof SCOPES)[number]>('mood');
  const [days, setDays] = useState('90');
  const [sessionIds, setSessionIds] = useState<string[]>([]);
  const sessions = useQuery({
    queryKey: ['settings', 'my-sessions'],
    enabled: scope === 'conversations',
    queryFn: async () => unwrap(await api.GET('/api/conversations', { params: { query: { limit: 100 } } })),
  });
  const create = useMutation({
    mutationFn: async (body: Schemas['GrantRequest']) => unwrap(await api.POST('/api/me/grants', { body })),
    onSuccess: () => {
      setEmail('');
      setSessionIds([]);
      void queries.invalidateQueries({ queryKey: ['grants'] });
      void queries.invalidateQueries({ queryKey: ['audit'] });
    },
  });
  const fe = useFieldError(create.error, 'grant');

  function submit(e: FormEvent) {
    e.preventDefault();
    const n = Number(days);
    create.mutate({
      clinicianEmail: email.trim(),
      scope,
      days: Number.isFinite(n) && days.trim() !== '' ? n : null,
      ...(scope === 'conversations' ? { sessionIds } : {}),
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <Field label={t('grants.email')} hint={t('grants.emailHint')} error={fe('clinicianEmail')}>
        {(p) => <input {...p} type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />}
      </Field>
      <fieldset>
        <legend>{t('grants.scope')}</legend>
        {SCOPES.map((s) => (
          <label key={s} className="check">
            <input type="radio" name="grant-scope" checked={scope === s} onChange={() => setScope(s)} />
            <span>
              {t(`scopes.${s}`)}
              <span className="hint block">{t(`scopeHints.${s}`)}</span>
            </span>
          </label>
        ))}
        <InlineError text={fe('scope')} />
      </fieldset>
      {scope === 'conversations' && (
        <fieldset>
          <legend>{t('grants.sessions')}</legend>
          {sessions.isPending ? (
            <Loading />
          ) : sessions.isError ? (
            <ErrorMessage error={sessions.error} />
          ) : sessions.data.sessions.length === 0 ? (
            <p>{t('grants.noSessions')}</p>
          ) : (
            <div className="scroll-list">
              {sessions.data.sessions.map((s) => (
                <label key={s.id} className="check">
                  <input
                    type="checkbox"
                    checked={sessionIds.includes(s.id)}
                    onChange={(e) =>
                      setSessionIds(e.target.checked ? [...sessionIds, s.id] : sessionIds.filter((x) => x !== s.id))
                    }
                  />
                  <span>
                    {f.dateTime(s.startedAt)}
                    <span className="hint block">
                      {s.summary ?? t('grants.sessionMessages', { count: s.messageCount })}
                    </span>
                  </span>
                </label>
              ))}
            </div>
          )}
          <InlineError text={fe('sessionIds')} />
        </fieldset>
      )}
      <Field label={t('grants.days')} hint={t('grants.daysHint')} error={fe('days')} className="narrow">
        {(p) => (
          <input {...p} type="number" inputMode="numeric" min={1} max={365} value={days} onChange={(e) => setDays(e.target.value)} />
        )}
      </Field>
      <ProblemMessage error={create.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={create.isPending}>
          {t('grants.grant')}
        </button>
      </div>
      <SaveStatus saved={create.isSuccess} text={t('grants.granted')} />
    </form>
  );
}

const ACTOR_KEYS: Record<string, string> = {
  clinician: 'audit.actors.clinician',
  admin: 'audit.actors.admin',
  system: 'audit.actors.system',
};

export function AuditSection() {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const audit = useInfiniteQuery({
    queryKey: ['audit'],
    initialPageParam: undefined as number | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET('/api/me/audit', { params: { query: pageParam === undefined ? { limit: 25 } : { limit: 25, before: pageParam } } })),
    getNextPageParam: (last) => last.next ?? undefined,
  });
  const entries = audit.data?.pages.flatMap((p) => p.entries) ?? [];

  function who(e: Schemas['AuditView']): string {
    if (e.byYou) return t('audit.actors.you');
    return t(ACTOR_KEYS[e.actorRole] ?? 'audit.actors.someone');
  }
  function what(e: Schemas['AuditView']): string {
    const d = e.detail as Record<string, unknown>;
    const base = t(`audit.actions.${e.action.replace(/\./g, '_')}`, { defaultValue: e.action });
    if (e.action === 'clinician.read' && typeof d.what === 'string') {
      return `${base}: ${t(`audit.what.${d.what}`, { defaultValue: d.what })}`;
    }
    if (e.action === 'grant.created' && typeof d.scope === 'string') {
      return `${base}: ${t(`scopes.${d.scope}`, { defaultValue: d.scope })}${typeof d.days === 'number' ? `, ${t('audit.days', { count: d.days })}` : ''}`;
    }
    if (e.action === 'memory.forgotten' && typeof d.deleted === 'number') {
      return `${base}: ${t('audit.memories', { count: d.deleted })}`;
    }
    return base;
  }

  return (
    <Section id="settings-audit" title={t('audit.title')} intro={t('audit.intro')}>
      {audit.isPending ? (
        <Loading />
      ) : audit.data === undefined ? (
        <ErrorMessage error={audit.error} />
      ) : entries.length === 0 ? (
        <p>{t('audit.empty')}</p>
      ) : (
        <div className="table-wrap" role="region" aria-label={t('tableOf', { name: t('audit.title') })} tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('audit.when')}</th>
                <th scope="col">{t('audit.who')}</th>
                <th scope="col">{t('audit.whatCol')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.seq}>
                  <td>{f.dateTime(e.at)}</td>
                  <td>{who(e)}</td>
                  <td>{what(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {audit.isFetchNextPageError && <ErrorMessage error={audit.error} />}
      {audit.hasNextPage && (
        <div className="row">
          <button type="button" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
            {audit.isFetchingNextPage ? t('common:loading') : t('audit.older')}
          </button>
        </div>
      )}
    </Section>
  );
}
