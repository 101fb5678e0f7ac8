// /mood: a two-tap check-in (a number, then save; details optional), the
// person's rhythm (engagement), the mood chart by day, week or month, and
// their recent check-ins to correct or delete.
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { Page } from '../../components/Page';
import { ErrorMessage, fieldError } from '../../components/ErrorMessage';
import { useFormat } from './format';
import { keys, parseTags, useEngagement, useMoodList } from './queries';
import { ConfirmButton, FieldError, LevelSelect, Loading } from './ui';
import { MoodChart } from './MoodChart';

type MoodView = Schemas['MoodView'];

const SCALE = Array.from({ length: 10 }, (_, i) => i + 1);

export const GROUPINGS = {
  day: { range: '30d', bucket: 'day' },
  week: { range: '12w', bucket: 'week' },
  month: { range: '1y', bucket: 'month' },
} as const;
type Grouping = keyof typeof GROUPINGS;

export function MoodPage() {
  const { t } = useTranslation('wellbeing');
  return (
    <Page title={t('mood.title')}>
      <CheckIn />
      <EngagementCard />
      <MoodTrends />
      <RecentCheckIns />
    </Page>
  );
}

/** The optional parts of a check-in, as edited in a form. */
interface Details {
  anxiety: number | null;
  stress: number | null;
  energy: number | null;
  notes: string;
  triggers: string;
}

const NO_DETAILS: Details = { anxiety: null, stress: null, energy: null, notes: '', triggers: '' };

function detailsOf(m: MoodView): Details {
  return {
    anxiety: m.anxietyLevel ?? null,
    stress: m.stressLevel ?? null,
    energy: m.energyLevel ?? null,
    notes: m.notes ?? '',
    triggers: m.triggers.join(', '),
  };
}

function DetailsFields({
  idPrefix,
  value,
  onChange,
  error,
}: {
  idPrefix: string;
  value: Details;
  onChange: (d: Details) => void;
  error: unknown;
}) {
  const { t } = useTranslation('wellbeing');
  const set = (patch: Partial<Details>) => onChange({ ...value, ...patch });
  return (
    <>
      <p className="hint">{t('mood.levelsHint')}</p>
      <div className="wb-levels">
        <LevelSelect
          id={`${idPrefix}-anxiety`}
          label={t('mood.anxiety')}
          value={value.anxiety}
          onChange={(anxiety) => set({ anxiety })}
          error={fieldError(error, 'anxietyLevel')}
        />
        <LevelSelect
          id={`${idPrefix}-stress`}
          label={t('mood.stress')}
          value={value.stress}
          onChange={(stress) => set({ stress })}
          error={fieldError(error, 'stressLevel')}
        />
        <LevelSelect
          id={`${idPrefix}-energy`}
          label={t('mood.energy')}
          value={value.energy}
          onChange={(energy) => set({ energy })}
          error={fieldError(error, 'energyLevel')}
        />
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-triggers`}>{t('mood.triggers')}</label>
        <input
          id={`${idPrefix}-triggers`}
          type="text"
          value={value.triggers}
          onChange={(e) => set({ triggers: e.target.value })}
          aria-describedby={`${idPrefix}-triggers-hint${fieldError(error, 'triggers') ? ` ${idPrefix}-triggers-error` : ''}`}
          aria-invalid={fieldError(error, 'triggers') ? true : undefined}
          autoComplete="off"
        />
        <p className="hint" id={`${idPrefix}-triggers-hint`}>
          {t('mood.triggersHint')}
        </p>
        <FieldError id={`${idPrefix}-triggers-error`} message={fieldError(error, 'triggers')} />
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-notes`}>{t('mood.notes')}</label>
        <textarea
          id={`${idPrefix}-notes`}
          value={value.notes}
          onChange={(e) => set({ notes: e.target.value })}
          aria-invalid={fieldError(error, 'notes') ? true : undefined}
          aria-describedby={fieldError(error, 'notes') ? `${idPrefix}-notes-error` : undefined}
        />
        <FieldError id={`${idPrefix}-notes-error`} message={fieldError(error, 'notes')} />
      </div>
    </>
  );
}

function invalidateMoods(queries: ReturnType<typeof useQueryClient>) {
  void queries.invalidateQueries({ queryKey: keys.moods });
  void queries.invalidateQueries({ queryKey: keys.engagement });
}

function CheckIn() {
  const { t } = useTranslation('wellbeing');
  const queries = useQueryClient();
  const id = useId();
  const [mood, setMood] = useState<number | null>(null);
  const [details, setDetails] = useState<Details>(NO_DETAILS);
  const [detailsOpen, setDetailsOpen] = useState(false);
  const [missing, setMissing] = useState(false);
  const [saved, setSaved] = useState<number | null>(null);
  const save = useMutation({
    mutationFn: async (body: Schemas['NewMood']) => unwrap(await api.POST('/api/me/moods', { body })),
    onSuccess: (entry) => {
      setSaved(entry.moodScore);
      setMood(null);
      setDetails(NO_DETAILS);
      setDetailsOpen(false);
      invalidateMoods(queries);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (mood === null) {
      setMissing(true);
      return;
    }
    const body: Schemas['NewMood'] = { moodScore: mood };
    if (details.anxiety !== null) body.anxietyLevel = details.anxiety;
    if (details.stress !== null) body.stressLevel = details.stress;
    if (details.energy !== null) body.energyLevel = details.energy;
    if (details.notes.trim()) body.notes = details.notes.trim();
    const triggers = parseTags(details.triggers);
    if (triggers.length > 0) body.triggers = triggers;
    setSaved(null);
    save.mutate(body);
  }

  const moodError = missing && mood === null ? t('mood.chooseFirst') : fieldError(save.error, 'moodScore');
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('mood.checkInTitle')}</h2>
      <form onSubmit={submit} noValidate>
        <p id={`${id}-scale-hint`} className="hint">
          {t('mood.scaleHint')}
        </p>
        <div
          className="mood-scale"
          role="group"
          aria-labelledby={`${id}-h`}
          aria-describedby={`${id}-scale-hint${moodError ? ` ${id}-mood-error` : ''}`}
        >
          {SCALE.map((n) => (
            <button
              key={n}
              type="button"
              aria-pressed={mood === n}
              onClick={() => {
                setMood(n);
                setMissing(false);
                setSaved(null);
              }}
            >
              {n}
            </button>
          ))}
        </div>
        <div className="wb-scale-ends" aria-hidden="true">
          <span>{t('mood.low')}</span>
          <span>{t('mood.high')}</span>
        </div>
        <FieldError id={`${id}-mood-error`} message={moodError} />
        <details
          className="wb-disclosure"
          open={detailsOpen}
          onToggle={(e) => setDetailsOpen(e.currentTarget.open)}
        >
          <summary>{t('mood.addDetails')}</summary>
          <DetailsFields idPrefix={`${id}-new`} value={details} onChange={setDetails} error={save.error} />
        </details>
        {save.error ? <ErrorMessage error={save.error} /> : null}
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? t('saving') : t('mood.save')}
        </button>
      </form>
      <div role="status" className={saved !== null ? 'ok-box wb-saved-box' : undefined}>
        {saved !== null ? t('mood.saved', { mood: saved }) : null}
      </div>
    </section>
  );
}

function EngagementCard() {
  const { t } = useTranslation('wellbeing');
  const engagement = useEngagement();
  const e = engagement.data;
  return (
    <section className="card" aria-labelledby="engagement-h">
      <h2 id="engagement-h">{t('engagement.title')}</h2>
      {engagement.isPending && <Loading />}
      {engagement.error && <ErrorMessage error={engagement.error} />}
      {e && (
        <>
          <dl className="wb-stats">
            <div>
              <dt>{t('engagement.currentStreak')}</dt>
              <dd>{t('days', { count: e.currentStreak })}</dd>
            </div>
            <div>
              <dt>{t('engagement.activeDays')}</dt>
              <dd>{t('days', { count: e.activeDays })}</dd>
            </div>
            <div>
              <dt>{t('engagement.longestStreak')}</dt>
              <dd>{t('days', { count: e.longestStreak })}</dd>
            </div>
            <div>
              <dt>{t('engagement.checkIns')}</dt>
              <dd>{e.moodCheckIns}</dd>
            </div>
          </dl>
          <p className="hint">{e.currentStreak > 0 ? t('engagement.keepGoing') : t('engagement.noStreak')}</p>
        </>
      )}
    </section>
  );
}

function MoodTrends() {
  const { t } = useTranslation('wellbeing');
  const [grouping, setGrouping] = useState<Grouping>('day');
  const { range, bucket } = GROUPINGS[grouping];
  const trends = useQuery({
    queryKey: keys.trends(range, bucket),
    queryFn: async () => unwrap(await api.GET('/api/me/moods/trends', { params: { query: { range, bucket } } })),
    placeholderData: keepPreviousData,
  });
  // Trends carry no triggers: the check-ins of the same range do.
  const entries = useMoodList(range);
  const data = trends.data;
  return (
    <section aria-labelledby="trends-h">
      <h2 id="trends-h">{t('chart.title')}</h2>
      <div className="segmented wb-segmented" role="group" aria-label={t('chart.groupBy')}>
        {(Object.keys(GROUPINGS) as Grouping[]).map((g) => (
          <button key={g} type="button" aria-pressed={grouping === g} onClick={() => setGrouping(g)}>
            {t(`chart.grouping.${g}`)}
          </button>
        ))}
      </div>
      <p className="hint">{t(`chart.period.${bucket}`)}</p>
      {trends.isPending && <Loading />}
      {trends.error && <ErrorMessage error={trends.error} />}
      {data &&
        (data.count === 0 ? (
          <p className="wb-empty">{t('chart.empty')}</p>
        ) : (
          <MoodChart trends={data} entries={entries.data?.entries ?? []} />
        ))}
    </section>
  );
}

const PAGE = 10;

function RecentCheckIns() {
  const { t } = useTranslation('wellbeing');
  const list = useMoodList('30d');
  const [shown, setShown] = useState(PAGE);
  const entries = list.data?.entries ?? [];
  return (
    <section aria-labelledby="recent-h">
      <h2 id="recent-h">{t('recent.title')}</h2>
      <p className="hint">{t('recent.hint')}</p>
      {list.isPending && <Loading />}
      {list.error && <ErrorMessage error={list.error} />}
      {list.data && entries.length === 0 && <p className="wb-empty">{t('recent.empty')}</p>}
      {entries.length > 0 && (
        <ul className="wb-entry-list">
          {entries.slice(0, shown).map((m) => (
            <MoodEntry key={m.id} entry={m} />
          ))}
        </ul>
      )}
      {entries.length > shown && (
        <button type="button" onClick={() => setShown((s) => s + PAGE)}>
          {t('recent.more', { count: Math.min(PAGE, entries.length - shown) })}
        </button>
      )}
    </section>
  );
}

function MoodEntry({ entry }: { entry: MoodView }) {
  const { t } = useTranslation('wellbeing');
  const { t: tc } = useTranslation();
  const fmt = useFormat();
  const queries = useQueryClient();
  const [editing, setEditing] = useState(false);
  const when = fmt.dateTime(entry.recordedAt);
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/api/me/moods/{id}', { params: { path: { id: entry.id } } })),
    onSuccess: () => invalidateMoods(queries),
  });
  const levels = [
    entry.anxietyLevel != null ? t('mood.levelValue', { label: t('mood.anxiety'), value: entry.anxietyLevel }) : null,
    entry.stressLevel != null ? t('mood.levelValue', { label: t('mood.stress'), value: entry.stressLevel }) : null,
    entry.energyLevel != null ? t('mood.levelValue', { label: t('mood.energy'), value: entry.energyLevel }) : null,
  ].filter((l): l is string => l !== null);
  if (editing) {
    return (
      <li className="card">
        <EditMood entry={entry} when={when} onDone={() => setEditing(false)} />
      </li>
    );
  }
  return (
    <li className="card wb-entry">
      <div className="wb-entry-head">
        <span className="wb-entry-score" aria-hidden="true">
          {entry.moodScore}
        </span>
        <div>
          <p className="wb-entry-title">
            <strong>{t('mood.entryScore', { mood: entry.moodScore })}</strong>
          </p>
          <p className="muted wb-entry-when">
            <time dateTime={entry.recordedAt}>{when}</time>
            {entry.updatedAt ? ` · ${t('recent.edited')}` : ''}
          </p>
        </div>
      </div>
      {levels.length > 0 && <p className="wb-entry-levels">{levels.join(' · ')}</p>}
      {entry.triggers.length > 0 && (
        <p className="wb-entry-tags">
          <span className="muted">{t('mood.triggers')}:</span>{' '}
          <span className="wb-tags">
            {entry.triggers.map((tag) => (
              <span className="wb-tag" key={tag}>
                {tag}
              </span>
            ))}
          </span>
        </p>
      )}
      {entry.notes && <p className="wb-entry-notes">{entry.notes}</p>}
      {remove.error ? <ErrorMessage error={remove.error} /> : null}
      <div className="row">
        <button type="button" aria-label={`${tc('edit')} ${t('recent.which', { when })}`} onClick={() => setEditing(true)}>
          {tc('edit')}
        </button>
        <ConfirmButton
          label={tc('delete')}
          name={`${tc('delete')} ${t('recent.which', { when })}`}
          question={t('recent.confirmDelete', { when })}
          confirmLabel={t('recent.yesDelete')}
          onConfirm={() => remove.mutate()}
          pending={remove.isPending}
        />
      </div>
    </li>
  );
}

function EditMood({ entry, when, onDone }: { entry: MoodView; when: string; onDone: () => void }) {
  const { t } = useTranslation('wellbeing');
  const { t: tc } = useTranslation();
  const queries = useQueryClient();
  const id = useId();
  const [mood, setMood] = useState(entry.moodScore);
  const [details, setDetails] = useState<Details>(detailsOf(entry));
  const save = useMutation({
    mutationFn: async (body: Schemas['MoodChange']) =>
      unwrap(await api.PATCH('/api/me/moods/{id}', { params: { path: { id: entry.id } }, body })),
    onSuccess: () => {
      invalidateMoods(queries);
      onDone();
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate({
      moodScore: mood,
      anxietyLevel: details.anxiety,
      stressLevel: details.stress,
      energyLevel: details.energy,
      notes: details.notes.trim() ? details.notes.trim() : null,
      triggers: parseTags(details.triggers),
    });
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t('recent.editTitle', { when })}</h3>
      <div className="field">
        <label htmlFor={`${id}-mood`}>{t('mood.moodLabel')}</label>
        <select id={`${id}-mood`} value={mood} onChange={(e) => setMood(Number(e.target.value))}>
          {SCALE.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <FieldError id={`${id}-mood-error`} message={fieldError(save.error, 'moodScore')} />
      </div>
      <DetailsFields idPrefix={`${id}-edit`} value={details} onChange={setDetails} error={save.error} />
      {save.error ? <ErrorMessage error={save.error} /> : null}
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? t('saving') : tc('save')}
        </button>
        <button type="button" onClick={onDone}>
          {tc('cancel')}
        </button>
      </div>
    </form>
  );
}
