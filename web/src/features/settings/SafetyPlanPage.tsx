// /safety-plan: the Stanley-Brown safety plan, edited step by step, with a
// read-only summary that prints on its own.
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { emergencyLink } from '../../app/contactLinks';
import { safetyPlanKey, useSafetyPlan } from '../../app/safetyPlan';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Page } from '../../components/Page';
import { Loading, ProblemMessage, SaveStatus, useFieldError, useFormat } from './ui';

type TextStep = 'warningSigns' | 'copingStrategies' | 'saferEnvironment' | 'reasonsForLiving';
type ContactStep = 'distractions' | 'peopleToAsk' | 'professionals' | 'crisisLines';
type Step = TextStep | ContactStep;

/** The plan's steps in the Stanley-Brown order, with their numbers. */
const STEPS: { key: Step; n: string; contacts: boolean }[] = [
  { key: 'warningSigns', n: '1', contacts: false },
  { key: 'copingStrategies', n: '2', contacts: false },
  { key: 'distractions', n: '3', contacts: true },
  { key: 'peopleToAsk', n: '4', contacts: true },
  { key: 'professionals', n: '5', contacts: true },
  { key: 'crisisLines', n: '5b', contacts: true },
  { key: 'saferEnvironment', n: '6', contacts: false },
  { key: 'reasonsForLiving', n: '7', contacts: false },
];
const MAX_ITEMS = 20;
const MAX_CHARS = 500;

interface TextRow {
  key: number;
  text: string;
}
interface ContactRow {
  key: number;
  name: string;
  contact: string;
}
type Draft = Record<TextStep, TextRow[]> & Record<ContactStep, ContactRow[]>;

let nextKey = 1;

function toDraft(plan: Schemas['SafetyPlan']): Draft {
  const texts = (xs?: string[]) => (xs ?? []).map((text) => ({ key: nextKey++, text }));
  const contacts = (xs?: Schemas['Contact'][]) =>
    (xs ?? []).map((c) => ({ key: nextKey++, name: c.name, contact: c.contact ?? '' }));
  return {
    warningSigns: texts(plan.warningSigns),
    copingStrategies: texts(plan.copingStrategies),
    distractions: contacts(plan.distractions),
    peopleToAsk: contacts(plan.peopleToAsk),
    professionals: contacts(plan.professionals),
    crisisLines: contacts(plan.crisisLines),
    saferEnvironment: texts(plan.saferEnvironment),
    reasonsForLiving: texts(plan.reasonsForLiving),
  };
}

/** Removes one row of a step; its visually hidden part says which. */
function RemoveRow({ itemName, onRemove }: { itemName: string; onRemove: () => void }) {
  const { t } = useTranslation('settings');
  return (
    <button type="button" className="remove-row" onClick={onRemove}>
      {t('plan.remove')} <span className="visually-hidden">{itemName}</span>
    </button>
  );
}

/** The whole plan, as the server takes it: trimmed, without empty rows. */
function fromDraft(d: Draft): Required<Schemas['SafetyPlan']> {
  const texts = (rows: TextRow[]) => rows.map((r) => r.text.trim()).filter(Boolean);
  const contacts = (rows: ContactRow[]) =>
    rows
      .map((r) => ({ name: r.name.trim(), contact: r.contact.trim() }))
      .filter((c) => c.name || c.contact)
      .map((c) => ({ name: c.name, contact: c.contact || null }));
  return {
    warningSigns: texts(d.warningSigns),
    copingStrategies: texts(d.copingStrategies),
    distractions: contacts(d.distractions),
    peopleToAsk: contacts(d.peopleToAsk),
    professionals: contacts(d.professionals),
    crisisLines: contacts(d.crisisLines),
    saferEnvironment: texts(d.saferEnvironment),
    reasonsForLiving: texts(d.reasonsForLiving),
  };
}

export function SafetyPlanPage() {
  const { t } = useTranslation('settings');
  const plan = useSafetyPlan();
  return (
    <Page title={t('plan.title')}>
      {plan.isPending ? (
        <Loading />
      ) : plan.isError ? (
        <ErrorMessage error={plan.error} />
      ) : (
        <>
          <Emergency number={plan.data.emergencyNumber} />
          <PlanEditor plan={plan.data} />
          <PlanSummary plan={plan.data} />
        </>
      )}
    </Page>
  );
}

function Emergency({ number }: { number?: string | null }) {
  const { t } = useTranslation('settings');
  const link = emergencyLink(number);
  return (
    <p className="emergency" data-testid="emergency-number">
      {link ? (
        <>
          {t('plan.emergency')}{' '}
          <a href={link.href} className="emergency-number">
            {link.number}
          </a>
        </>
      ) : (
        t('plan.emergencyUnknown')
      )}
    </p>
  );
}

function PlanEditor({ plan }: { plan: Schemas['SafetyPlanView'] }) {
  const { t } = useTranslation('settings');
  const queries = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => toDraft(plan));
  const [focusId, setFocusId] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: async (body: Schemas['SafetyPlan']) => unwrap(await api.PUT('/api/me/safety-plan', { body })),
    onSuccess: (view) => {
      queries.setQueryData(safetyPlanKey, view);
      void queries.invalidateQueries({ queryKey: safetyPlanKey });
    },
  });
  const fe = useFieldError(save.error, 'plan');

  useEffect(() => {
    if (!focusId) return;
    document.getElementById(focusId)?.focus();
    setFocusId(null);
  }, [focusId]);

  function update(next: Partial<Draft>) {
    setDraft((d) => ({ ...d, ...next }));
    if (save.isSuccess) save.reset();
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate(fromDraft(draft));
  }

  return (
    <form onSubmit={submit} className="plan-editor" noValidate aria-labelledby="plan-edit-title">
      <h2 id="plan-edit-title">{t('plan.editTitle')}</h2>
      <p className="muted">{t('plan.intro')}</p>
      {STEPS.map(({ key, n, contacts }) => {
        const legend = `${n}. ${t(`plan.steps.${key}.title`)}`;
        const error = fe(key);
        const full = draft[key].length >= MAX_ITEMS;
        const addId = `plan-${key}-add`;
        const removeRow = (rowKey: number) => {
          update({ [key]: draft[key].filter((r) => r.key !== rowKey) } as Partial<Draft>);
          setFocusId(addId);
        };
        return (
          <fieldset key={key} className="plan-step">
            <legend>{legend}</legend>
            <p className="hint">{t(`plan.steps.${key}.hint`)}</p>
            {draft[key].length === 0 && <p className="muted">{t('plan.nothingYet')}</p>}
            <ol className="plan-rows">
              {contacts
                ? (draft[key as ContactStep] as ContactRow[]).map((row, i) => {
                    const base = `plan-${key}-${row.key}`;
                    const setRow = (patch: Partial<ContactRow>) =>
                      update({
                        [key]: (draft[key as ContactStep] as ContactRow[]).map((r) =>
                          r.key === row.key ? { ...r, ...patch } : r,
                        ),
                      } as Partial<Draft>);
                    const itemName = t(`plan.steps.${key}.item`, { n: i + 1 });
                    return (
                      <li key={row.key}>
                        <div className="plan-row" role="group" aria-label={itemName}>
                          <div className="field">
                            <label htmlFor={`${base}-name`}>
                              {t('plan.name')}{' '}<span className="visually-hidden">({itemName})</span>
                            </label>
                            <input
                              id={`${base}-name`}
                              maxLength={MAX_CHARS}
                              value={row.name}
                              onChange={(e) => setRow({ name: e.target.value })}
                            />
                          </div>
                          <div className="field">
                            <label htmlFor={`${base}-contact`}>
                              {t('plan.contact')}{' '}<span className="visually-hidden">({itemName})</span>
                            </label>
                            <input
                              id={`${base}-contact`}
                              maxLength={MAX_CHARS}
                              value={row.contact}
                              onChange={(e) => setRow({ contact: e.target.value })}
                            />
                          </div>
                          <RemoveRow itemName={itemName} onRemove={() => removeRow(row.key)} />
                        </div>
                      </li>
                    );
                  })
                : (draft[key as TextStep] as TextRow[]).map((row, i) => {
                    const id = `plan-${key}-${row.key}`;
                    const itemName = t(`plan.steps.${key}.item`, { n: i + 1 });
                    return (
                      <li key={row.key} className="plan-row">
                        <div className="field">
                          <label htmlFor={id}>{itemName}</label>
                          <input
                            id={id}
                            maxLength={MAX_CHARS}
                            value={row.text}
                            onChange={(e) =>
                              update({
                                [key]: (draft[key as TextStep] as TextRow[]).map((r) =>
                                  r.key === row.key ? { ...r, text: e.target.value } : r,
                                ),
                              } as Partial<Draft>)
                            }
                          />
                        </div>
                        <RemoveRow itemName={itemName} onRemove={() => removeRow(row.key)} />
                      </li>
                    );
                  })}
            </ol>
            {error && <p className="field-error">{error}</p>}
            <button
              type="button"
              id={addId}
              disabled={full}
              onClick={() => {
                const k = nextKey++;
                const row = contacts ? { key: k, name: '', contact: '' } : { key: k, text: '' };
                update({ [key]: [...draft[key], row] } as Partial<Draft>);
                setFocusId(contacts ? `plan-${key}-${k}-name` : `plan-${key}-${k}`);
              }}
            >
              {t(`plan.steps.${key}.add`)}
            </button>
            {full && <p className="hint">{t('plan.full', { max: MAX_ITEMS })}</p>}
          </fieldset>
        );
      })}
      <ProblemMessage error={save.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending}>
          {t('plan.save')}
        </button>
      </div>
      <SaveStatus saved={save.isSuccess} />
    </form>
  );
}

function PlanSummary({ plan }: { plan: Schemas['SafetyPlanView'] }) {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const empty = STEPS.every(({ key }) => (plan[key] ?? []).length === 0);
  return (
    <section className="card plan-summary" aria-labelledby="plan-summary-title">
      <div className="row space-between">
        <h2 id="plan-summary-title">{t('plan.summaryTitle')}</h2>
        <button type="button" className="no-print" onClick={() => window.print()}>
          {t('plan.print')}
        </button>
      </div>
      {plan.updatedAt && <p className="hint">{t('plan.updated', { when: f.dateTime(plan.updatedAt) })}</p>}
      <p className="print-only">
        {plan.emergencyNumber ? `${t('plan.emergency')} ${plan.emergencyNumber}` : t('plan.emergencyUnknown')}
      </p>
      {empty ? (
        <p>{t('plan.summaryEmpty')}</p>
      ) : (
        STEPS.map(({ key, n, contacts }) => {
          const items = plan[key] ?? [];
          return (
            <div key={key} className="plan-summary-step">
              <h3>
                {n}. {t(`plan.steps.${key}.title`)}
              </h3>
              {items.length === 0 ? (
                <p className="muted">—</p>
              ) : (
                <ul>
                  {contacts
                    ? (items as Schemas['Contact'][]).map((c, i) => (
                        <li key={i}>
                          {c.name}
                          {c.contact ? `: ${c.contact}` : ''}
                        </li>
                      ))
                    : (items as string[]).map((x, i) => <li key={i}>{x}</li>)}
                </ul>
              )}
            </div>
          );
        })
      )}
    </section>
  );
}
