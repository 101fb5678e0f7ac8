// /clinician and /clinician/:userId: what people chose to share with the
// calling clinician, within the grants in force (the server enforces them).
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Page } from '../../components/Page';
import { Loading, hasStatus, shortId, useFormat } from './ui';

function usePatients() {
  return useQuery({
    queryKey: ['clinician', 'patients'],
    queryFn: async () => unwrap(await api.GET('/api/clinician/patients')),
    retry: (count, error) => !hasStatus(error, 403) && !hasStatus(error, 404) && count < 2,
  });
}

function NoAccess() {
  const { t } = useTranslation('settings');
  return (
    <div className="card" role="alert">
      <p>
        <strong>{t('clinician.noAccess')}</strong>
      </p>
      <p className="muted">{t('clinician.noAccessHint')}</p>
    </div>
  );
}

/** The grants in force for one person, strongest first. */
function byPerson(grants: Schemas['GrantView'][]): Map<string, Schemas['GrantView'][]> {
  const people = new Map<string, Schemas['GrantView'][]>();
  for (const g of grants) people.set(g.userId, [...(people.get(g.userId) ?? []), g]);
  return people;
}

function GrantSummary({ grants }: { grants: Schemas['GrantView'][] }) {
  const { t } = useTranslation('settings');
  const f = useFormat();
  return (
    <ul className="plain-list">
      {grants.map((g) => (
        <li key={g.id}>
          {t(`scopes.${g.scope}`, { defaultValue: g.scope })}
          {g.scope === 'conversations' && ` (${t('grants.sessionCount', { count: g.sessionIds.length })})`}
          {' · '}
          {t('grants.until', { date: f.date(g.expiresAt) })}
        </li>
      ))}
    </ul>
  );
}

export function ClinicianPage() {
  const { t } = useTranslation('settings');
  const patients = usePatients();
  const people = patients.data ? [...byPerson(patients.data)] : [];
  return (
    <Page title={t('clinician.title')}>
      {patients.isPending ? (
        <Loading />
      ) : hasStatus(patients.error, 403) ? (
        <NoAccess />
      ) : patients.isError ? (
        <ErrorMessage error={patients.error} />
      ) : people.length === 0 ? (
        <p>{t('clinician.empty')}</p>
      ) : (
        <>
          <p className="muted">{t('clinician.intro')}</p>
          <ul className="plain-list">
            {people.map(([userId, grants]) => (
              <li key={userId} className="card">
                <h2 className="person-title">{t('clinician.person', { id: shortId(userId) })}</h2>
                <GrantSummary grants={grants} />
                <Link className="button" to={`/clinician/${userId}`}>
                  {t('clinician.open')}
                  {' '}<span className="visually-hidden">{t('clinician.person', { id: shortId(userId) })}</span>
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </Page>
  );
}

export function ClinicianPatientPage() {
  const { t } = useTranslation('settings');
  const { userId = '' } = useParams();
  const patients = usePatients();
  const grants = (patients.data ?? []).filter((g) => g.userId === userId);
  const title = t('clinician.person', { id: shortId(userId) });

  let body;
  if (patients.isPending) body = <Loading />;
  else if (hasStatus(patients.error, 403)) body = <NoAccess />;
  else if (patients.isError) body = <ErrorMessage error={patients.error} />;
  else if (grants.length === 0) body = <p role="alert">{t('clinician.notShared')}</p>;
  else body = <PatientDetail userId={userId} grants={grants} />;

  return (
    <Page title={title} actions={<Link to="/clinician">{t('clinician.back')}</Link>}>
      {body}
    </Page>
  );
}

function PatientDetail({ userId, grants }: { userId: string; grants: Schemas['GrantView'][] }) {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const [open, setOpen] = useState<Schemas['SessionView'] | null>(null);
  const everything = grants.some((g) => g.scope === 'everything');
  const chosen = new Set(grants.flatMap((g) => g.sessionIds));
  const canRead = (id: string) => everything || chosen.has(id);
  const sessions = useQuery({
    queryKey: ['clinician', userId, 'sessions'],
    queryFn: async () =>
      unwrap(await api.GET('/api/clinician/patients/{userId}/sessions', { params: { path: { userId } } })),
  });
  const moods = useQuery({
    queryKey: ['clinician', userId, 'moods'],
    queryFn: async () =>
      unwrap(await api.GET('/api/clinician/patients/{userId}/moods', { params: { path: { userId } } })),
  });
  const dash = '—';

  return (
    <>
      <section className="card" aria-labelledby="patient-access">
        <h2 id="patient-access">{t('clinician.access')}</h2>
        <GrantSummary grants={grants} />
        <p className="hint">{t('clinician.audited')}</p>
      </section>

      <section className="card" aria-labelledby="patient-sessions">
        <h2 id="patient-sessions">{t('clinician.sessions')}</h2>
        {sessions.isPending ? (
          <Loading />
        ) : sessions.isError ? (
          <ErrorMessage error={sessions.error} />
        ) : sessions.data.length === 0 ? (
          <p>{t('clinician.noSessions')}</p>
        ) : (
          <ul className="plain-list">
            {sessions.data.map((s) => (
              <li key={s.id} className="list-item">
                <p>
                  <strong>{f.dateTime(s.startedAt)}</strong> · {t(`sessionTypes.${s.sessionType}`, { defaultValue: s.sessionType })}
                  {' · '}
                  {t('clinician.messageCount', { count: s.messageCount })}
                  {s.durationMinutes != null && ` · ${t('clinician.minutes', { count: s.durationMinutes })}`}
                </p>
                <p className="hint">
                  {t('clinician.moodBefore')}: {s.moodBefore ?? dash} · {t('clinician.moodAfter')}: {s.moodAfter ?? dash}
                </p>
                {s.summary && <p className="message-text">{s.summary}</p>}
                {canRead(s.id) && (
                  <button type="button" onClick={() => setOpen(s)} aria-pressed={open?.id === s.id}>
                    {t('clinician.readMessages')}
                    {' '}<span className="visually-hidden">{f.dateTime(s.startedAt)}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      {open && <SessionMessages userId={userId} session={open} onClose={() => setOpen(null)} />}

      <section className="card" aria-labelledby="patient-moods">
        <h2 id="patient-moods">{t('clinician.moods')}</h2>
        {moods.isPending ? (
          <Loading />
        ) : moods.isError ? (
          <ErrorMessage error={moods.error} />
        ) : moods.data.entries.length === 0 ? (
          <p>{t('clinician.noMoods')}</p>
        ) : (
          <>
            <p className="hint">{t('clinician.moodRange', { from: f.day(moods.data.from), to: f.day(moods.data.to) })}</p>
            <div className="table-wrap" role="region" aria-label={t('tableOf', { name: t('clinician.moods') })} tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('clinician.date')}</th>
                    <th scope="col">{t('clinician.mood')}</th>
                    <th scope="col">{t('clinician.anxiety')}</th>
                    <th scope="col">{t('clinician.stress')}</th>
                    <th scope="col">{t('clinician.energy')}</th>
                    {everything && <th scope="col">{t('clinician.notes')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {moods.data.entries.map((m) => (
                    <tr key={m.id}>
                      <td>{f.day(m.localDate)}</td>
                      <td>{m.moodScore}/10</td>
                      <td>{m.anxietyLevel ?? dash}</td>
                      <td>{m.stressLevel ?? dash}</td>
                      <td>{m.energyLevel ?? dash}</td>
                      {everything && (
                        <td>
                          {m.notes ?? ''}
                          {m.triggers.length > 0 && <span className="hint block">{m.triggers.join(', ')}</span>}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </>
  );
}

function SessionMessages({
  userId,
  session,
  onClose,
}: {
  userId: string;
  session: Schemas['SessionView'];
  onClose: () => void;
}) {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [session.id]);
  const messages = useQuery({
    queryKey: ['clinician', userId, 'messages', session.id],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/clinician/patients/{userId}/sessions/{sessionId}/messages', {
          params: { path: { userId, sessionId: session.id } },
        }),
      ),
  });
  return (
    <section className="card" aria-labelledby="patient-messages">
      <div className="row space-between">
        <h2 id="patient-messages" tabIndex={-1} ref={heading}>
          {t('clinician.messagesTitle', { date: f.dateTime(session.startedAt) })}
        </h2>
        <button type="button" onClick={onClose}>
          {t('common:close')}
        </button>
      </div>
      {messages.isPending ? (
        <Loading />
      ) : messages.isError ? (
        <ErrorMessage error={messages.error} />
      ) : messages.data.length === 0 ? (
        <p>{t('clinician.noMessages')}</p>
      ) : (
        <ol className="plain-list transcript">
          {messages.data.map((m) => (
            <li key={m.id} className={m.sender === 'user' ? 'transcript-line person' : 'transcript-line'}>
              <p className="hint">
                <strong>{m.sender === 'user' ? t('clinician.senderPerson') : t('clinician.senderAi')}</strong> ·{' '}
                {f.dateTime(m.createdAt)}
                {m.riskLevel && m.riskLevel !== 'none' && (
                  <>
                    {' · '}
                    <span className="badge warn">{t('clinician.risk', { level: t(`riskLevels.${m.riskLevel}`, { defaultValue: m.riskLevel }) })}</span>
                  </>
                )}
              </p>
              <p className="message-text">{m.content}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
