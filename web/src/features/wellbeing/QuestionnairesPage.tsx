// /questionnaires: the PHQ-9 and the GAD-7, one at a time, each item a group
// of radio buttons; the server scores them (nothing is computed here), and
// a PHQ-9 answer that calls for the safety protocol brings up the crisis bar,
// with the lines on the result and "Talk now" (a conversation that opens
// with the companion's check-in).
// Below, each instrument's history as a small chart and a table.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { Page } from '../../components/Page';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useSetCrisis } from '../../app/crisis';
import { CrisisLines, EmergencyText } from '../../components/CrisisLines';
import { useStartConversation } from '../chat/startConversation';
import { useFormat } from './format';
import { keys } from './queries';
import { Loading } from './ui';
import { useWidth } from './useWidth';

/** An instrument as `/api/questionnaires` describes it (the schema calls it an Object). */
export interface Instrument {
  id: string;
  title: string;
  prompt: string;
  loinc: string;
  maxScore: number;
  items: { index: number; loinc: string; text: string }[];
  answers: { value: number; loinc: string; text: string }[];
  bands: { from: number; severity: string }[];
}

/** One instrument's entry in the history's `trend` (null with fewer than two responses). */
interface TrendInfo {
  direction: string;
  change: number;
  from: number;
  to: number;
  responses: number;
}

type ResponseView = Schemas['ResponseView'];
type Submitted = Schemas['Submitted'];

function useInstrumentText() {
  const { t } = useTranslation('wellbeing');
  return {
    name: (id: string) => t(`q.names.${id}`, { defaultValue: id.toUpperCase() }),
    title: (i: Instrument) => t(`q.instrumentTitle.${i.id}`, { defaultValue: i.title }),
    prompt: (i: Instrument) => t(`q.prompt.${i.id}`, { defaultValue: i.prompt }),
    item: (item: Instrument['items'][number]) => t(`q.items.${item.loinc}`, { defaultValue: item.text }),
    answer: (i: Instrument, a: Instrument['answers'][number]) =>
      t(`q.answers.${i.id}.${a.loinc}`, { defaultValue: a.text }),
    severity: (s: string) => t(`q.severity.${s}`, { defaultValue: s }),
  };
}

export function QuestionnairesPage() {
  const { t } = useTranslation('wellbeing');
  const text = useInstrumentText();
  const instruments = useQuery({
    queryKey: keys.instruments,
    queryFn: async () => {
      const data = unwrap(await api.GET('/api/questionnaires')) as unknown as { instruments?: Instrument[] };
      return data.instruments ?? [];
    },
    staleTime: Infinity,
  });
  const history = useQuery({
    queryKey: keys.questionnaireHistory,
    queryFn: async () => unwrap(await api.GET('/api/me/questionnaires')),
  });
  const [chosen, setChosen] = useState<string | null>(null);
  const [result, setResult] = useState<Submitted | null>(null);
  const list = instruments.data ?? [];
  const current = list.find((i) => i.id === chosen) ?? list[0];
  return (
    <Page title={t('q.title')}>
      <p className="muted">{t('q.intro')}</p>
      {result && <Result submitted={result} onClose={() => setResult(null)} />}
      <section aria-labelledby="take-h">
        <h2 id="take-h">{t('q.takeTitle')}</h2>
        {instruments.isPending && <Loading />}
        {instruments.error && <ErrorMessage error={instruments.error} />}
        {instruments.data && list.length === 0 && <p className="wb-empty">{t('q.noInstruments')}</p>}
        {list.length > 1 && (
          <div className="segmented wb-segmented" role="group" aria-label={t('q.choose')}>
            {list.map((i) => (
              <button key={i.id} type="button" aria-pressed={current?.id === i.id} onClick={() => setChosen(i.id)}>
                {text.name(i.id)}
              </button>
            ))}
          </div>
        )}
        {current && <QuestionnaireForm key={current.id} instrument={current} onSubmitted={setResult} />}
      </section>
      <HistorySection instruments={list} history={history} />
    </Page>
  );
}

function QuestionnaireForm({ instrument, onSubmitted }: { instrument: Instrument; onSubmitted: (s: Submitted) => void }) {
  const { t } = useTranslation('wellbeing');
  const text = useInstrumentText();
  const queries = useQueryClient();
  const setCrisis = useSetCrisis();
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const blank = () => instrument.items.map(() => null as number | null);
  const [answers, setAnswers] = useState<(number | null)[]>(blank);
  const [showMissing, setShowMissing] = useState(false);
  const submit = useMutation({
    mutationFn: async (body: Schemas['Submission']) => unwrap(await api.POST('/api/me/questionnaires', { body })),
    onSuccess: (s) => {
      setCrisis(s.crisis);
      setAnswers(blank());
      setShowMissing(false);
      void queries.invalidateQueries({ queryKey: keys.questionnaireHistory });
      void queries.invalidateQueries({ queryKey: keys.engagement });
      onSubmitted(s);
    },
  });
  const missing = answers.filter((a) => a === null).length;
  function send(e: FormEvent) {
    e.preventDefault();
    const first = answers.findIndex((a) => a === null);
    if (first >= 0) {
      setShowMissing(true);
      formRef.current?.querySelector<HTMLInputElement>(`input[name="${instrument.id}-${first}"]`)?.focus();
      return;
    }
    submit.mutate({ instrument: instrument.id as Schemas['Instrument'], answers: answers as number[] });
  }
  return (
    <form ref={formRef} className="wb-questionnaire" onSubmit={send} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{text.title(instrument)}</h3>
      <p className="wb-prompt">{text.prompt(instrument)}</p>
      <p className="hint">{t('q.answered', { done: answers.length - missing, total: answers.length })}</p>
      {instrument.items.map((item, i) => {
        const unanswered = showMissing && answers[i] === null;
        return (
          <fieldset
            key={item.loinc}
            className={`wb-question${unanswered ? ' wb-question-missing' : ''}`}
            role="radiogroup"
            aria-labelledby={`${id}-q${i}`}
            aria-required="true"
            aria-invalid={unanswered ? true : undefined}
            aria-describedby={unanswered ? `${id}-q${i}-error` : undefined}
          >
            <legend id={`${id}-q${i}`}>
              <span className="wb-q-number">{i + 1}.</span> {text.item(item)}
            </legend>
            <div className="wb-answers">
              {instrument.answers.map((a) => (
                <label key={a.value} className="check wb-answer">
                  <input
                    type="radio"
                    name={`${instrument.id}-${i}`}
                    value={a.value}
                    checked={answers[i] === a.value}
                    onChange={() => setAnswers((prev) => prev.map((v, j) => (j === i ? a.value : v)))}
                  />
                  <span>{text.answer(instrument, a)}</span>
                </label>
              ))}
            </div>
            {unanswered && (
              <p className="field-error" id={`${id}-q${i}-error`}>
                {t('q.pleaseAnswer')}
              </p>
            )}
          </fieldset>
        );
      })}
      {showMissing && missing > 0 && (
        <div className="error-box" role="alert">
          {t('q.missing', { count: missing })}
        </div>
      )}
      {submit.error ? <ErrorMessage error={submit.error} /> : null}
      <button type="submit" className="primary" disabled={submit.isPending}>
        {submit.isPending ? t('saving') : t('q.submit')}
      </button>
    </form>
  );
}

function Result({ submitted, onClose }: { submitted: Submitted; onClose: () => void }) {
  const { t } = useTranslation('wellbeing');
  const { t: tc } = useTranslation();
  const text = useInstrumentText();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const r = submitted.response;
  useEffect(() => headingRef.current?.focus(), [r.id]);
  return (
    <section className="card wb-result" aria-labelledby="result-h" data-testid="questionnaire-result">
      <h2 id="result-h" tabIndex={-1} ref={headingRef}>
        {t('q.resultTitle', { name: text.name(r.instrument) })}
      </h2>
      <p className="wb-result-score">
        <span className="wb-result-number">{r.totalScore}</span> {t('q.ofMax', { max: r.maxScore })}
      </p>
      <p>
        {t('q.severityLabel')} <strong>{text.severity(r.severity)}</strong>
      </p>
      <p>{changeText(t, r.change)}</p>
      {submitted.safetyMessage && (
        <div className="wb-safety-note">
          <p>{submitted.safetyMessage}</p>
        </div>
      )}
      {submitted.safety && (
        <>
          <TalkNow responseId={r.id} />
          <section className="wb-crisis-lines" aria-labelledby="result-lines-h">
            <h3 id="result-lines-h">{t('q.linesTitle')}</h3>
            <EmergencyText number={submitted.safety.emergencyNumber} />
            <CrisisLines resources={submitted.safety.resources} />
          </section>
        </>
      )}
      <p className="hint">{t('q.notDiagnosis')}</p>
      <button type="button" onClick={onClose}>
        {tc('close')}
      </button>
    </section>
  );
}

/** Opens a conversation whose first message is the companion's check-in about this answer. */
function TalkNow({ responseId }: { responseId: string }) {
  const { t } = useTranslation('wellbeing');
  const startConversation = useStartConversation();
  const start = useMutation({ mutationFn: () => startConversation({ checkIn: responseId }) });
  return (
    <div className="wb-talk-now">
      <button type="button" className="primary" disabled={start.isPending} onClick={() => start.mutate()} aria-describedby="talk-now-hint">
        {t('q.talkNow')}
      </button>
      <p className="hint" id="talk-now-hint">
        {t('q.talkNowHint')}
      </p>
      {start.error ? <ErrorMessage error={start.error} /> : null}
    </div>
  );
}

function changeText(t: (key: string, options?: Record<string, unknown>) => string, change: number | null | undefined): string {
  if (change == null) return t('q.firstTime');
  if (change === 0) return t('q.same');
  return change > 0 ? t('q.higher', { count: change }) : t('q.lower', { count: -change });
}

function HistorySection({
  instruments,
  history,
}: {
  instruments: Instrument[];
  history: UseQueryResult<Schemas['History']>;
}) {
  const { t } = useTranslation('wellbeing');
  const text = useInstrumentText();
  const fmt = useFormat();
  const responses = history.data?.responses ?? [];
  const trends = (history.data?.trend ?? {}) as Record<string, TrendInfo | null | undefined>;
  const ids = [...new Set([...instruments.map((i) => i.id), ...responses.map((r) => r.instrument)])];
  return (
    <section aria-labelledby="q-history-h">
      <h2 id="q-history-h">{t('q.historyTitle')}</h2>
      {history.isPending && <Loading />}
      {history.error && <ErrorMessage error={history.error} />}
      {history.data && responses.length === 0 && <p className="wb-empty">{t('q.noHistory')}</p>}
      {ids.map((id) => {
        const mine = responses.filter((r) => r.instrument === id);
        if (mine.length === 0) return null;
        const instrument = instruments.find((i) => i.id === id);
        const trend = trends[id];
        return (
          <div className="card" key={id}>
            <h3>{text.name(id)}</h3>
            {trend && <p>{t(`q.trend.${trend.direction}`, { from: trend.from, to: trend.to, count: trend.responses, defaultValue: '' })}</p>}
            <ScoreChart name={text.name(id)} responses={mine} instrument={instrument} />
            <div className="wb-table-scroll">
              <table>
                <caption className="visually-hidden">{t('q.tableCaption', { name: text.name(id) })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('q.table.date')}</th>
                    <th scope="col">{t('q.table.score')}</th>
                    <th scope="col">{t('q.table.severity')}</th>
                    <th scope="col">{t('q.table.change')}</th>
                  </tr>
                </thead>
                <tbody>
                  {mine.map((r) => (
                    <tr key={r.id}>
                      <td>{fmt.dateTime(r.completedAt)}</td>
                      <td>{t('q.scoreOf', { score: r.totalScore, max: r.maxScore })}</td>
                      <td>{text.severity(r.severity)}</td>
                      <td>{r.change == null ? '—' : r.change > 0 ? `+${r.change}` : String(r.change)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        );
      })}
    </section>
  );
}

const SCORE_HEIGHT = 150;
const SCORE_MARGIN = { top: 12, right: 14, bottom: 24, left: 30 };

/** A small line of totals, oldest to newest, with the severity bands' thresholds. */
function ScoreChart({ name, responses, instrument }: { name: string; responses: ResponseView[]; instrument?: Instrument }) {
  const { t } = useTranslation('wellbeing');
  const fmt = useFormat();
  const [ref, width] = useWidth(480);
  const points = [...responses].reverse();
  const max = instrument?.maxScore ?? points[0]?.maxScore ?? 27;
  const plotW = width - SCORE_MARGIN.left - SCORE_MARGIN.right;
  const plotH = SCORE_HEIGHT - SCORE_MARGIN.top - SCORE_MARGIN.bottom;
  const x = (i: number) => SCORE_MARGIN.left + (points.length > 1 ? (i * plotW) / (points.length - 1) : plotW / 2);
  const y = (v: number) => SCORE_MARGIN.top + (1 - v / max) * plotH;
  const thresholds = (instrument?.bands ?? []).map((b) => b.from).filter((f) => f > 0);
  const ticks = [0, ...thresholds, max];
  const path = points.map((r, i) => `${i ? 'L' : 'M'}${x(i)},${y(r.totalScore)}`).join(' ');
  const latest = points[points.length - 1];
  const summary = t('q.chartSummary', {
    name,
    count: points.length,
    scores: new Intl.ListFormat(fmt.language, { style: 'short', type: 'unit' }).format(points.map((r) => String(r.totalScore))),
    max,
    latest: latest?.totalScore,
    date: latest ? fmt.date(latest.completedAt) : '',
  });
  return (
    <div ref={ref} className="chart wb-score-chart-wrap">
      <svg className="wb-score-chart" data-testid="score-chart" role="img" aria-label={summary} viewBox={`0 0 ${width} ${SCORE_HEIGHT}`}>
        <g className="wb-chart-grid">
          {ticks.map((v) => (
            <g key={v}>
              <line x1={SCORE_MARGIN.left} x2={width - SCORE_MARGIN.right} y1={y(v)} y2={y(v)} />
              <text x={SCORE_MARGIN.left - 6} y={y(v)} dy="0.32em" textAnchor="end">
                {v}
              </text>
            </g>
          ))}
        </g>
        {points.length > 1 && <path className="wb-chart-line" d={path} />}
        {points.map((r, i) => (
          <circle key={r.id} className="wb-chart-point" cx={x(i)} cy={y(r.totalScore)} r={4}>
            <title>{t('q.pointTitle', { date: fmt.date(r.completedAt), score: r.totalScore, max: r.maxScore })}</title>
          </circle>
        ))}
        {points.length > 0 && (
          <g className="wb-chart-axis">
            <text x={x(0)} y={SCORE_HEIGHT - 6} textAnchor={points.length > 1 ? 'start' : 'middle'}>
              {fmt.date(points[0]!.completedAt)}
            </text>
            {points.length > 1 && latest && (
              <text x={x(points.length - 1)} y={SCORE_HEIGHT - 6} textAnchor="end">
                {fmt.date(latest.completedAt)}
              </text>
            )}
          </g>
        )}
      </svg>
    </div>
  );
}
