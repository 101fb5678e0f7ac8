// /goals: the person's goals with their progress, new goals, progress
// updates with a note, each goal's history and next steps, status changes
// (pause, complete, archive, restore), edits and deletion.
import { useEffect, useId, useRef, useState, type FormEvent, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiProblem, unwrap, type Schemas } from '../../api/client';
import { Page } from '../../components/Page';
import { ErrorMessage, fieldError } from '../../components/ErrorMessage';
import { todayIso, useFormat } from './format';
import { keys } from './queries';
import { ConfirmButton, FieldError, Loading } from './ui';

type GoalView = Schemas['GoalView'];

export const CATEGORIES = [
  'mood',
  'anxiety',
  'stress',
  'sleep',
  'relationships',
  'self_care',
  'activity',
  'work_study',
  'mindfulness',
  'other',
] as const;

type Status = 'active' | 'paused' | 'completed' | 'archived';

/** The status changes offered from each status. */
const TRANSITIONS: Record<Status, { to: Status; label: string }[]> = {
  active: [
    { to: 'paused', label: 'pause' },
    { to: 'completed', label: 'complete' },
    { to: 'archived', label: 'archive' },
  ],
  paused: [
    { to: 'active', label: 'resume' },
    { to: 'completed', label: 'complete' },
    { to: 'archived', label: 'archive' },
  ],
  completed: [
    { to: 'active', label: 'reopen' },
    { to: 'archived', label: 'archive' },
  ],
  archived: [{ to: 'active', label: 'restore' }],
};

function statusOf(goal: GoalView): Status {
  return (['active', 'paused', 'completed', 'archived'] as const).find((s) => s === goal.status) ?? 'active';
}

export function GoalsPage() {
  const { t } = useTranslation('wellbeing');
  const goals = useQuery({
    queryKey: keys.goals,
    queryFn: async () => unwrap(await api.GET('/api/me/goals')),
  });
  const [formOpen, setFormOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const list = goals.data?.goals ?? [];
  const none = goals.data !== undefined && list.length === 0;
  const showForm = formOpen || none;
  const current = list.filter((g) => g.status === 'active' || g.status === 'paused');
  const completed = list.filter((g) => g.status === 'completed');
  const archived = list.filter((g) => g.status === 'archived');
  return (
    <Page
      title={t('goals.title')}
      actions={
        none ? undefined : (
          <button
            type="button"
            className="primary"
            aria-expanded={showForm}
            aria-controls="new-goal"
            onClick={() => setFormOpen((o) => !o)}
          >
            {t('goals.new')}
          </button>
        )
      }
    >
      <p className="muted">{t('goals.intro')}</p>
      <div role="status" className={message ? 'ok-box' : undefined}>
        {message}
      </div>
      {showForm && (
        <NewGoal
          focusOnOpen={!none}
          onCreated={(g) => {
            setFormOpen(false);
            setMessage(t('goals.created', { title: g.title }));
          }}
          onCancel={none ? undefined : () => setFormOpen(false)}
        />
      )}
      {goals.isPending && <Loading />}
      {goals.error && <ErrorMessage error={goals.error} />}
      {none && <p className="wb-empty">{t('goals.empty')}</p>}
      {current.length > 0 && (
        <GoalGroup title={t('goals.current')} goals={current} onMessage={setMessage} />
      )}
      {completed.length > 0 && (
        <GoalGroup title={t('goals.completedTitle')} goals={completed} onMessage={setMessage} />
      )}
      {archived.length > 0 && (
        <section aria-labelledby="archived-h">
          <h2 id="archived-h">{t('goals.archivedTitle')}</h2>
          <details className="wb-disclosure">
            <summary>{t('goals.showArchived', { count: archived.length })}</summary>
            <ul className="wb-goal-list">
              {archived.map((g) => (
                <GoalCard key={g.id} goal={g} onMessage={setMessage} />
              ))}
            </ul>
          </details>
        </section>
      )}
    </Page>
  );
}

function GoalGroup({
  title,
  goals,
  onMessage,
}: {
  title: string;
  goals: GoalView[];
  onMessage: (m: string) => void;
}) {
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ul className="wb-goal-list">
        {goals.map((g) => (
          <GoalCard key={g.id} goal={g} onMessage={onMessage} />
        ))}
      </ul>
    </section>
  );
}

interface GoalFields {
  title: string;
  description: string;
  category: string;
  targetDate: string;
}

function GoalFieldsEditor({
  idPrefix,
  value,
  onChange,
  error,
  titleRef,
}: {
  idPrefix: string;
  value: GoalFields;
  onChange: (v: GoalFields) => void;
  error: unknown;
  titleRef?: Ref<HTMLInputElement>;
}) {
  const { t } = useTranslation('wellbeing');
  const set = (patch: Partial<GoalFields>) => onChange({ ...value, ...patch });
  const err = (f: string) => fieldError(error, f);
  const described = (f: string, hint?: string) =>
    [hint, err(f) ? `${idPrefix}-${f}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <div className="field">
        <label htmlFor={`${idPrefix}-title`}>{t('goals.fields.title')}</label>
        <input
          id={`${idPrefix}-title`}
          ref={titleRef}
          type="text"
          required
          maxLength={200}
          value={value.title}
          onChange={(e) => set({ title: e.target.value })}
          aria-invalid={err('title') ? true : undefined}
          aria-describedby={described('title', `${idPrefix}-title-hint`)}
        />
        <p className="hint" id={`${idPrefix}-title-hint`}>
          {t('goals.fields.titleHint')}
        </p>
        <FieldError id={`${idPrefix}-title-error`} message={err('title')} />
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-description`}>
          {t('goals.fields.description')} <span className="hint">({t('optional')})</span>
        </label>
        <textarea
          id={`${idPrefix}-description`}
          maxLength={2000}
          value={value.description}
          onChange={(e) => set({ description: e.target.value })}
          aria-invalid={err('description') ? true : undefined}
          aria-describedby={described('description')}
        />
        <FieldError id={`${idPrefix}-description-error`} message={err('description')} />
      </div>
      <div className="grid-2">
        <div className="field">
          <label htmlFor={`${idPrefix}-category`}>
            {t('goals.fields.category')} <span className="hint">({t('optional')})</span>
          </label>
          <select
            id={`${idPrefix}-category`}
            value={value.category}
            onChange={(e) => set({ category: e.target.value })}
            aria-invalid={err('category') ? true : undefined}
            aria-describedby={described('category')}
          >
            <option value="">{t('notSet')}</option>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`goals.category.${c}`)}
              </option>
            ))}
          </select>
          <FieldError id={`${idPrefix}-category-error`} message={err('category')} />
        </div>
        <div className="field">
          <label htmlFor={`${idPrefix}-target`}>
            {t('goals.fields.targetDate')} <span className="hint">({t('optional')})</span>
          </label>
          <input
            id={`${idPrefix}-target`}
            type="date"
            min={todayIso()}
            value={value.targetDate}
            onChange={(e) => set({ targetDate: e.target.value })}
            aria-invalid={err('targetDate') ? true : undefined}
            aria-describedby={described('targetDate')}
          />
          <FieldError id={`${idPrefix}-targetDate-error`} message={err('targetDate')} />
        </div>
      </div>
    </>
  );
}

/** A missing title, shown where the server's field errors are. */
function titleRequired(message: string): ApiProblem {
  return new ApiProblem(422, 'validation_failed', message, null, [{ field: 'title', code: 'required', message }]);
}

const EMPTY_GOAL: GoalFields = { title: '', description: '', category: '', targetDate: '' };

function NewGoal({
  onCreated,
  onCancel,
  focusOnOpen,
}: {
  onCreated: (g: GoalView) => void;
  onCancel?: () => void;
  focusOnOpen: boolean;
}) {
  const { t } = useTranslation('wellbeing');
  const { t: tc } = useTranslation();
  const queries = useQueryClient();
  const [value, setValue] = useState<GoalFields>(EMPTY_GOAL);
  const [titleMissing, setTitleMissing] = useState(false);
  const titleRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focusOnOpen) titleRef.current?.focus();
  }, [focusOnOpen]);
  const create = useMutation({
    mutationFn: async (body: Schemas['NewGoal']) => unwrap(await api.POST('/api/me/goals', { body })),
    onSuccess: (goal) => {
      setValue(EMPTY_GOAL);
      void queries.invalidateQueries({ queryKey: keys.goals });
      void queries.invalidateQueries({ queryKey: keys.engagement });
      onCreated(goal);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!value.title.trim()) {
      setTitleMissing(true);
      titleRef.current?.focus();
      return;
    }
    setTitleMissing(false);
    const body: Schemas['NewGoal'] = { title: value.title.trim() };
    if (value.description.trim()) body.description = value.description.trim();
    if (value.category) body.category = value.category as Schemas['GoalCategory'];
    if (value.targetDate) body.targetDate = value.targetDate;
    create.mutate(body);
  }
  return (
    <section id="new-goal" className="card" aria-labelledby="new-goal-h">
      <h2 id="new-goal-h">{t('goals.newTitle')}</h2>
      <form onSubmit={submit} noValidate>
        <GoalFieldsEditor
          idPrefix="new-goal"
          value={value}
          onChange={setValue}
          error={titleMissing ? titleRequired(t('goals.titleRequired')) : create.error}
          titleRef={titleRef}
        />
        {create.error ? <ErrorMessage error={create.error} /> : null}
        <div className="row">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? t('saving') : t('goals.create')}
          </button>
          {onCancel && (
            <button type="button" onClick={onCancel}>
              {tc('cancel')}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

type Panel = 'progress' | 'history' | 'edit' | null;

function GoalCard({ goal, onMessage }: { goal: GoalView; onMessage: (m: string) => void }) {
  const { t } = useTranslation('wellbeing');
  const { t: tc } = useTranslation();
  const fmt = useFormat();
  const queries = useQueryClient();
  const id = useId();
  const [panel, setPanel] = useState<Panel>(null);
  const status = statusOf(goal);
  const toggle = (p: Panel) => setPanel((current) => (current === p ? null : p));
  const invalidate = () => {
    void queries.invalidateQueries({ queryKey: keys.goals });
    void queries.invalidateQueries({ queryKey: keys.engagement });
  };
  const change = useMutation({
    mutationFn: async (to: Status) =>
      unwrap(await api.PATCH('/api/me/goals/{id}', { params: { path: { id: goal.id } }, body: { status: to } })),
    onSuccess: (g) => {
      invalidate();
      onMessage(t(`goals.statusChanged.${statusOf(g)}`, { title: g.title }));
    },
  });
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/api/me/goals/{id}', { params: { path: { id: goal.id } } })),
    onSuccess: () => {
      invalidate();
      onMessage(t('goals.deleted', { title: goal.title }));
    },
  });
  const p = goal.progressPercentage;
  return (
    <li className="card wb-goal">
      <div className="wb-goal-head">
        <h3 id={`${id}-title`}>{goal.title}</h3>
        <span className={`wb-badge wb-badge-${status}`}>{t(`goals.status.${status}`)}</span>
      </div>
      <p className="muted wb-goal-meta">
        {[
          goal.category ? t(`goals.category.${goal.category}`, { defaultValue: goal.category }) : null,
          goal.targetDate ? t('goals.target', { date: fmt.day(goal.targetDate) }) : null,
          goal.completedAt ? t('goals.completedOn', { date: fmt.date(goal.completedAt) }) : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      {goal.description && <p className="wb-goal-description">{goal.description}</p>}
      <div className="wb-goal-progress">
        <div
          className="progress"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={p}
          aria-valuetext={t('goals.percent', { value: p })}
          aria-label={t('goals.progressOf', { title: goal.title })}
        >
          <span style={{ width: `${Math.min(100, Math.max(0, p))}%` }} />
        </div>
        <span className="wb-goal-percent" aria-hidden="true">
          {t('goals.percent', { value: p })}
        </span>
      </div>
      {goal.nextSteps.length > 0 && (
        <div className="wb-next-steps">
          <h4>{t('goals.nextSteps')}</h4>
          <ul>
            {goal.nextSteps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        </div>
      )}
      <div className="row wb-goal-actions">
        {status !== 'archived' && (
          <button
            type="button"
            aria-expanded={panel === 'progress'}
            aria-controls={`${id}-panel`}
            onClick={() => toggle('progress')}
          >
            {t('goals.recordProgress')}
          </button>
        )}
        <button
          type="button"
          aria-expanded={panel === 'history'}
          aria-controls={`${id}-panel`}
          onClick={() => toggle('history')}
        >
          {t('goals.history')}
        </button>
        <button type="button" aria-expanded={panel === 'edit'} aria-controls={`${id}-panel`} onClick={() => toggle('edit')}>
          {tc('edit')}
        </button>
      </div>
      <div id={`${id}-panel`}>
        {panel === 'progress' && (
          <ProgressForm
            goal={goal}
            onSaved={(g) => {
              setPanel(null);
              onMessage(
                statusOf(g) === 'completed'
                  ? t('goals.progressCompleted', { title: g.title })
                  : t('goals.progressSaved', { title: g.title, value: g.progressPercentage }),
              );
            }}
          />
        )}
        {panel === 'history' && <GoalHistory goal={goal} />}
        {panel === 'edit' && (
          <EditGoal
            goal={goal}
            onDone={(saved) => {
              setPanel(null);
              if (saved) onMessage(t('goals.updated', { title: saved.title }));
            }}
          />
        )}
      </div>
      {change.error ? <ErrorMessage error={change.error} /> : null}
      {remove.error ? <ErrorMessage error={remove.error} /> : null}
      <div className="row wb-goal-status-actions" role="group" aria-label={t('goals.statusActions', { title: goal.title })}>
        {TRANSITIONS[status].map(({ to, label }) => (
          <button key={to} type="button" className="link" disabled={change.isPending} onClick={() => change.mutate(to)}>
            {t(`goals.actions.${label}`)}
          </button>
        ))}
        <ConfirmButton
          label={tc('delete')}
          name={`${tc('delete')} ${goal.title}`}
          question={t('goals.confirmDelete', { title: goal.title })}
          confirmLabel={t('goals.yesDelete')}
          onConfirm={() => remove.mutate()}
          pending={remove.isPending}
        />
      </div>
    </li>
  );
}

function ProgressForm({ goal, onSaved }: { goal: GoalView; onSaved: (g: GoalView) => void }) {
  const { t } = useTranslation('wellbeing');
  const queries = useQueryClient();
  const id = useId();
  const [value, setValue] = useState(goal.progressPercentage);
  const [note, setNote] = useState('');
  const rangeRef = useRef<HTMLInputElement>(null);
  useEffect(() => rangeRef.current?.focus(), []);
  const save = useMutation({
    mutationFn: async (body: Schemas['ProgressUpdate']) =>
      unwrap(await api.POST('/api/me/goals/{id}/progress', { params: { path: { id: goal.id } }, body })),
    onSuccess: (g) => {
      void queries.invalidateQueries({ queryKey: keys.goals });
      void queries.invalidateQueries({ queryKey: keys.engagement });
      onSaved(g);
    },
  });
  const clamp = (n: number) => Math.min(100, Math.max(0, Math.round(Number.isFinite(n) ? n : 0)));
  function submit(e: FormEvent) {
    e.preventDefault();
    const body: Schemas['ProgressUpdate'] = { progressPercentage: clamp(value) };
    if (note.trim()) body.note = note.trim();
    save.mutate(body);
  }
  const archived = save.error instanceof ApiProblem && save.error.code === 'goal_archived';
  return (
    <form className="wb-subpanel" onSubmit={submit} noValidate aria-labelledby={`${id}-h`}>
      <h4 id={`${id}-h`}>{t('goals.recordProgress')}</h4>
      <div className="wb-progress-inputs">
        <div className="field">
          <label htmlFor={`${id}-range`}>{t('goals.fields.progress')}</label>
          <input
            id={`${id}-range`}
            ref={rangeRef}
            type="range"
            min={0}
            max={100}
            step={5}
            value={value}
            aria-valuetext={t('goals.percent', { value })}
            onChange={(e) => setValue(Number(e.target.value))}
            aria-describedby={`${id}-hint`}
          />
        </div>
        <div className="field wb-percent-field">
          <label htmlFor={`${id}-number`}>{t('goals.fields.percent')}</label>
          <input
            id={`${id}-number`}
            type="number"
            inputMode="numeric"
            min={0}
            max={100}
            value={value}
            onChange={(e) => setValue(clamp(Number(e.target.value)))}
            aria-invalid={fieldError(save.error, 'progressPercentage') ? true : undefined}
          />
        </div>
      </div>
      <p className="hint" id={`${id}-hint`}>
        {t('goals.progressHint')}
      </p>
      <FieldError id={`${id}-progress-error`} message={fieldError(save.error, 'progressPercentage')} />
      <div className="field">
        <label htmlFor={`${id}-note`}>
          {t('goals.fields.note')} <span className="hint">({t('optional')})</span>
        </label>
        <textarea
          id={`${id}-note`}
          maxLength={1000}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          aria-describedby={fieldError(save.error, 'note') ? `${id}-note-error` : undefined}
        />
        <FieldError id={`${id}-note-error`} message={fieldError(save.error, 'note')} />
      </div>
      {archived ? (
        <div className="error-box" role="alert">
          {t('goals.archivedError')}
        </div>
      ) : save.error ? (
        <ErrorMessage error={save.error} />
      ) : null}
      <button type="submit" className="primary" disabled={save.isPending}>
        {save.isPending ? t('saving') : t('goals.saveProgress')}
      </button>
    </form>
  );
}

function GoalHistory({ goal }: { goal: GoalView }) {
  const { t } = useTranslation('wellbeing');
  const fmt = useFormat();
  const id = useId();
  const detail = useQuery({
    queryKey: keys.goal(goal.id),
    queryFn: async () => unwrap(await api.GET('/api/me/goals/{id}', { params: { path: { id: goal.id } } })),
  });
  const history = [...(detail.data?.history ?? [])].reverse();
  return (
    <div className="wb-subpanel" aria-labelledby={`${id}-h`} role="region">
      <h4 id={`${id}-h`}>{t('goals.historyTitle')}</h4>
      <p className="muted">{t('goals.createdOn', { date: fmt.date(goal.createdAt) })}</p>
      {detail.isPending && <Loading />}
      {detail.error && <ErrorMessage error={detail.error} />}
      {detail.data && history.length === 0 && <p className="wb-empty">{t('goals.noHistory')}</p>}
      {history.length > 0 && (
        <div className="wb-table-scroll">
          <table>
            <caption className="visually-hidden">{t('goals.historyCaption', { title: goal.title })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('goals.table.date')}</th>
                <th scope="col">{t('goals.table.progress')}</th>
                <th scope="col">{t('goals.table.note')}</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr key={h.id}>
                  <td>{fmt.dateTime(h.recordedAt)}</td>
                  <td>{t('goals.percent', { value: h.progressPercentage })}</td>
                  <td>{h.note ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function EditGoal({ goal, onDone }: { goal: GoalView; onDone: (saved?: GoalView) => void }) {
  const { t } = useTranslation('wellbeing');
  const { t: tc } = useTranslation();
  const queries = useQueryClient();
  const id = useId();
  const initial: GoalFields = {
    title: goal.title,
    description: goal.description ?? '',
    category: goal.category ?? '',
    targetDate: goal.targetDate ?? '',
  };
  const [value, setValue] = useState<GoalFields>(initial);
  const titleRef = useRef<HTMLInputElement>(null);
  useEffect(() => titleRef.current?.focus(), []);
  const save = useMutation({
    mutationFn: async (body: Schemas['GoalChange']) =>
      unwrap(await api.PATCH('/api/me/goals/{id}', { params: { path: { id: goal.id } }, body })),
    onSuccess: (g) => {
      void queries.invalidateQueries({ queryKey: keys.goals });
      onDone(g);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    // Only what changed: an unchanged past target date would not pass "not in the past".
    const body: Schemas['GoalChange'] = {};
    if (value.title.trim() !== initial.title) body.title = value.title.trim();
    if (value.description.trim() !== initial.description) body.description = value.description.trim() || null;
    if (value.category !== initial.category) body.category = (value.category || null) as Schemas['GoalCategory'] | null;
    if (value.targetDate !== initial.targetDate) body.targetDate = value.targetDate || null;
    if (Object.keys(body).length === 0) {
      onDone();
      return;
    }
    save.mutate(body);
  }
  return (
    <form className="wb-subpanel" onSubmit={submit} noValidate aria-labelledby={`${id}-h`}>
      <h4 id={`${id}-h`}>{t('goals.editTitle')}</h4>
      <GoalFieldsEditor idPrefix={`${id}-edit`} value={value} onChange={setValue} error={save.error} titleRef={titleRef} />
      {save.error ? <ErrorMessage error={save.error} /> : null}
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? t('saving') : tc('save')}
        </button>
        <button type="button" onClick={() => onDone()}>
          {tc('cancel')}
        </button>
      </div>
    </form>
  );
}
