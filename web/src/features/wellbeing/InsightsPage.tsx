// /insights: the weekly reviews, newest first, each report shown in words
// (mood trend, best and hardest day, what seemed to affect mood, feelings
// in messages, goals, engagement, areas to look after, one suggestion);
// marking one as read; and writing the last finished week's review now.
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { Page } from '../../components/Page';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useFormat, type Formatters } from './format';
import { keys } from './queries';
import { Loading } from './ui';

type InsightView = Schemas['InsightView'];

/** The weekly report (`content`), as the server writes it; every part may be missing in older reports. */
export interface Report {
  period?: { start: string; end: string; timezone?: string };
  mood?: {
    entries?: number;
    average?: number | null;
    min?: number | null;
    max?: number | null;
    previousEntries?: number;
    previousAverage?: number | null;
    change?: number | null;
    direction?: string | null;
    size?: string | null;
    anxietyAverage?: number | null;
    stressAverage?: number | null;
    energyAverage?: number | null;
  };
  bestDay?: DayView | null;
  hardestDay?: DayView | null;
  triggers?: TriggerView[];
  triggerWindowDays?: number;
  emotions?: { emotion: string; messages: number }[];
  goals?: {
    id: string;
    title: string;
    status: string;
    progressFrom: number;
    progressTo: number;
    updates: number;
    completedThisWeek: boolean;
  }[];
  engagement?: {
    activeDays?: number;
    longestStreak?: number;
    sessions?: number;
    messages?: number;
    moodCheckIns?: number;
    goalUpdates?: number;
  };
  improvementAreas?: { area: string; because?: string; trigger?: string }[];
  suggestion?: string;
  confidence?: number;
}

interface DayView {
  date: string;
  weekday?: string;
  average?: number | null;
  triggers?: string[];
}

interface TriggerView {
  trigger: string;
  association: string;
  withAverage: number;
  withoutAverage: number;
  difference?: number;
  source: string;
  entriesWith?: number;
  daysWith?: number;
}

export function InsightsPage() {
  const { t } = useTranslation('wellbeing');
  const fmt = useFormat();
  const queries = useQueryClient();
  const insights = useQuery({
    queryKey: keys.insights,
    queryFn: async () => unwrap(await api.GET('/api/me/insights')),
  });
  const [message, setMessage] = useState<string | null>(null);
  const generate = useMutation({
    // No week given: the server writes (or returns) the last finished week's review.
    mutationFn: async () => unwrap(await api.POST('/api/me/insights/weekly', { body: {} })),
    onSuccess: (insight) => {
      const report = insight.content as unknown as Report;
      const start = report.period?.start ?? insight.periodStart;
      setMessage(
        start && report.period?.end
          ? t('insights.generated', { week: fmt.dayRange(start, report.period.end) })
          : t('insights.generatedPlain'),
      );
      void queries.invalidateQueries({ queryKey: keys.insights });
      void queries.invalidateQueries({ queryKey: ['notifications'] });
    },
  });
  const list = [...(insights.data?.insights ?? [])].sort(
    (a, b) => (b.periodStart ?? '').localeCompare(a.periodStart ?? '') || b.generatedAt.localeCompare(a.generatedAt),
  );
  return (
    <Page title={t('insights.title')}>
      <p className="muted">{t('insights.intro')}</p>
      <div className="card wb-generate">
        <button
          type="button"
          className="primary"
          onClick={() => {
            setMessage(null);
            generate.mutate();
          }}
          disabled={generate.isPending}
          aria-describedby="generate-hint"
        >
          {generate.isPending ? t('insights.generating') : t('insights.generate')}
        </button>
        <p className="hint" id="generate-hint">
          {t('insights.generateHint')}
        </p>
        {generate.error ? <ErrorMessage error={generate.error} /> : null}
      </div>
      <div role="status" className={message ? 'ok-box' : undefined}>
        {message}
      </div>
      {insights.isPending && <Loading />}
      {insights.error && <ErrorMessage error={insights.error} />}
      {insights.data && list.length === 0 && <p className="wb-empty">{t('insights.empty')}</p>}
      {list.length > 0 && (
        <ul className="wb-insight-list">
          {list.map((insight, i) => (
            <li key={insight.id}>
              <InsightCard insight={insight} initiallyOpen={i === 0} />
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

function InsightCard({ insight, initiallyOpen }: { insight: InsightView; initiallyOpen: boolean }) {
  const { t, i18n } = useTranslation('wellbeing');
  const fmt = useFormat();
  const queries = useQueryClient();
  const id = useId();
  const [open, setOpen] = useState(initiallyOpen);
  const report = (insight.content ?? {}) as unknown as Report;
  const start = report.period?.start ?? insight.periodStart ?? null;
  const end = report.period?.end ?? null;
  const title = start && end ? t('insights.weekTitle', { range: fmt.dayRange(start, end) }) : insight.title;
  const unread = !insight.acknowledgedAt;
  const acknowledge = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/me/insights/{id}/acknowledge', { params: { path: { id: insight.id } } })),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: keys.insights });
      void queries.invalidateQueries({ queryKey: ['notifications'] });
    },
  });
  const suggestion = suggestionText(report, i18n.language, t);
  return (
    <article
      id={`insight-${insight.id}`}
      className={`card wb-insight${unread ? ' wb-insight-unread' : ''}`}
      aria-labelledby={`${id}-h`}
    >
      <div className="wb-insight-head">
        <h2 id={`${id}-h`}>{title}</h2>
        {unread && <span className="wb-badge wb-badge-new">{t('insights.new')}</span>}
      </div>
      <p className="muted">
        {t('insights.generatedOn', { date: fmt.date(insight.generatedAt) })}
        {insight.acknowledgedAt ? ` · ${t('insights.readOn', { date: fmt.date(insight.acknowledgedAt) })}` : ''}
      </p>
      <MoodSection report={report} fmt={fmt} />
      {suggestion && (
        <div className="wb-suggestion">
          <h3>{t('insights.suggestionTitle')}</h3>
          <p>{suggestion}</p>
        </div>
      )}
      <div className="row">
        <button type="button" aria-expanded={open} aria-controls={`${id}-report`} onClick={() => setOpen((o) => !o)}>
          {open ? t('insights.hideReport') : t('insights.showReport')}
        </button>
        {unread && (
          <button
            type="button"
            aria-label={`${t('insights.markRead')}: ${title}`}
            onClick={() => acknowledge.mutate()}
            disabled={acknowledge.isPending}
          >
            {t('insights.markRead')}
          </button>
        )}
      </div>
      {acknowledge.error ? <ErrorMessage error={acknowledge.error} /> : null}
      <div id={`${id}-report`} hidden={!open}>
        {open && <FullReport report={report} fmt={fmt} />}
      </div>
    </article>
  );
}

function MoodSection({ report, fmt }: { report: Report; fmt: Formatters }) {
  const { t } = useTranslation('wellbeing');
  const m = report.mood;
  const entries = m?.entries ?? 0;
  const levels = [
    m?.anxietyAverage != null ? t('insights.mood.anxiety', { value: fmt.number(m.anxietyAverage) }) : null,
    m?.stressAverage != null ? t('insights.mood.stress', { value: fmt.number(m.stressAverage) }) : null,
    m?.energyAverage != null ? t('insights.mood.energy', { value: fmt.number(m.energyAverage) }) : null,
  ].filter((l): l is string => l !== null);
  return (
    <div className="wb-insight-section">
      <h3>{t('insights.mood.title')}</h3>
      {!m || entries === 0 || m.average == null ? (
        <p>{t('insights.mood.none')}</p>
      ) : (
        <>
          <p>
            {t('insights.mood.average', {
              average: fmt.number(m.average),
              count: entries,
              min: m.min ?? '—',
              max: m.max ?? '—',
            })}
          </p>
          <p>{trendText(report, fmt, t)}</p>
          {levels.length > 0 && <p>{levels.join(' · ')}</p>}
          {report.confidence != null && report.confidence < 0.5 && <p className="hint">{t('insights.fewCheckIns')}</p>}
        </>
      )}
    </div>
  );
}

type T = (key: string, options?: Record<string, unknown>) => string;

function trendText(report: Report, fmt: Formatters, t: T): string {
  const m = report.mood;
  if (!m || m.change == null || m.previousAverage == null) return t('insights.trend.noPrevious');
  const previous = fmt.number(m.previousAverage);
  const change = fmt.number(Math.abs(m.change));
  const size = m.size && m.size !== 'none' ? ` ${t(`insights.size.${m.size}`, { defaultValue: '' })}` : '';
  switch (m.direction) {
    case 'up':
      return t('insights.trend.up', { change, previous }) + size;
    case 'down':
      return t('insights.trend.down', { change, previous }) + size;
    default:
      return t('insights.trend.steady', { previous });
  }
}

function emotionName(t: T, emotion: string): string {
  return t(`insights.emotion.${emotion}`, { defaultValue: emotion });
}

function FullReport({ report, fmt }: { report: Report; fmt: Formatters }) {
  const { t } = useTranslation('wellbeing');
  const list = new Intl.ListFormat(fmt.language, { style: 'long', type: 'conjunction' });
  const day = (d: DayView, key: 'best' | 'hardest') => (
    <li>
      <strong>{t(`insights.days.${key}`)}</strong>{' '}
      {t('insights.days.value', {
        day: fmt.day(d.date, { weekday: 'long', day: 'numeric', month: 'long' }),
        average: d.average != null ? fmt.number(d.average) : '—',
      })}
      {d.triggers && d.triggers.length > 0 && (
        <>
          {' '}
          {t('insights.days.tagged', { triggers: list.format(d.triggers) })}
        </>
      )}
    </li>
  );
  const triggers = report.triggers ?? [];
  const emotions = report.emotions ?? [];
  const goals = report.goals ?? [];
  const e = report.engagement;
  const areas = report.improvementAreas ?? [];
  return (
    <div className="wb-insight-report">
      {(report.bestDay || report.hardestDay) && (
        <div className="wb-insight-section">
          <h3>{t('insights.days.title')}</h3>
          <ul>
            {report.bestDay && day(report.bestDay, 'best')}
            {report.hardestDay && day(report.hardestDay, 'hardest')}
          </ul>
        </div>
      )}
      <div className="wb-insight-section">
        <h3>{t('insights.triggers.title')}</h3>
        {triggers.length === 0 ? (
          <p>{t('insights.triggers.none')}</p>
        ) : (
          <>
            <ul>
              {triggers.map((tr) => (
                <li key={`${tr.source}-${tr.trigger}`}>{triggerText(tr, fmt, t)}</li>
              ))}
            </ul>
            <p className="hint">{t('insights.triggers.hint', { count: report.triggerWindowDays ?? 28 })}</p>
          </>
        )}
      </div>
      {emotions.length > 0 && (
        <div className="wb-insight-section">
          <h3>{t('insights.emotions.title')}</h3>
          <ul className="wb-tags">
            {emotions.map((em) => (
              <li className="wb-tag" key={em.emotion}>
                {t('insights.emotions.item', { emotion: emotionName(t, em.emotion), count: em.messages })}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="wb-insight-section">
        <h3>{t('insights.goals.title')}</h3>
        {goals.length === 0 ? (
          <p>{t('insights.goals.none')}</p>
        ) : (
          <ul>
            {goals.map((g) => (
              <li key={g.id}>
                <strong>{g.title}</strong>:{' '}
                {t('insights.goals.item', { from: g.progressFrom, to: g.progressTo, count: g.updates })}
                {g.completedThisWeek ? ` ${t('insights.goals.completed')}` : ''}
              </li>
            ))}
          </ul>
        )}
      </div>
      {e && (
        <div className="wb-insight-section">
          <h3>{t('insights.engagement.title')}</h3>
          <dl className="wb-stats">
            <div>
              <dt>{t('insights.engagement.activeDays')}</dt>
              <dd>{t('insights.engagement.ofSeven', { count: e.activeDays ?? 0 })}</dd>
            </div>
            <div>
              <dt>{t('insights.engagement.longestStreak')}</dt>
              <dd>{t('days', { count: e.longestStreak ?? 0 })}</dd>
            </div>
            <div>
              <dt>{t('insights.engagement.checkIns')}</dt>
              <dd>{e.moodCheckIns ?? 0}</dd>
            </div>
            <div>
              <dt>{t('insights.engagement.sessions')}</dt>
              <dd>{e.sessions ?? 0}</dd>
            </div>
            <div>
              <dt>{t('insights.engagement.messages')}</dt>
              <dd>{e.messages ?? 0}</dd>
            </div>
            <div>
              <dt>{t('insights.engagement.goalUpdates')}</dt>
              <dd>{e.goalUpdates ?? 0}</dd>
            </div>
          </dl>
        </div>
      )}
      {areas.length > 0 && (
        <div className="wb-insight-section">
          <h3>{t('insights.areas.title')}</h3>
          <ul>
            {areas.map((a) => (
              <li key={`${a.area}-${a.trigger ?? ''}`}>
                <strong>{t(`insights.areas.name.${a.area}`, { defaultValue: a.area })}:</strong> {areaText(a, report, fmt, t)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function triggerText(tr: TriggerView, fmt: Formatters, t: T): string {
  const values = { with: fmt.number(tr.withAverage), without: fmt.number(tr.withoutAverage) };
  const lower = tr.association === 'lower';
  if (tr.source === 'messages') {
    return t(lower ? 'insights.triggers.messagesLower' : 'insights.triggers.messagesHigher', {
      ...values,
      emotion: emotionName(t, tr.trigger),
      count: tr.daysWith ?? 0,
    });
  }
  return t(lower ? 'insights.triggers.lower' : 'insights.triggers.higher', {
    ...values,
    trigger: tr.trigger,
    count: tr.entriesWith ?? 0,
  });
}

/** An improvement area in words, from the report's own figures (the server's English `because` as a fallback). */
function areaText(a: { area: string; because?: string; trigger?: string }, report: Report, fmt: Formatters, t: T): string {
  const m = report.mood;
  const fallback = a.because ?? '';
  switch (a.area) {
    case 'anxiety':
      return m?.anxietyAverage != null ? t('insights.areas.anxiety', { value: fmt.number(m.anxietyAverage) }) : fallback;
    case 'stress':
      return m?.stressAverage != null ? t('insights.areas.stress', { value: fmt.number(m.stressAverage) }) : fallback;
    case 'energy':
      return m?.energyAverage != null ? t('insights.areas.energy', { value: fmt.number(m.energyAverage) }) : fallback;
    case 'mood':
      return m?.change != null ? t('insights.areas.mood', { value: fmt.number(Math.abs(m.change)) }) : fallback;
    case 'trigger': {
      const tr = (report.triggers ?? []).find((x) => x.trigger === a.trigger);
      return tr
        ? t('insights.areas.trigger', { trigger: tr.trigger, with: fmt.number(tr.withAverage), without: fmt.number(tr.withoutAverage) })
        : fallback;
    }
    case 'routine':
      return report.engagement?.activeDays != null
        ? t('insights.areas.routine', { count: report.engagement.activeDays })
        : fallback;
    default:
      return fallback;
  }
}

/**
 * The report's suggestion. The server writes it in English; in other
 * languages the same choice (its rules, from the report's figures) is made
 * here in the person's language.
 */
export function suggestionText(report: Report, language: string, t: T): string | null {
  if (language.startsWith('en') && report.suggestion) return report.suggestion;
  if (!report.mood && !report.suggestion) return null;
  if ((report.mood?.entries ?? 0) === 0) return t('insights.suggest.noEntries');
  const lift = (report.triggers ?? []).find((tr) => tr.association === 'higher' && tr.source === 'check-ins');
  if (lift) return t('insights.suggest.lift', { trigger: lift.trigger });
  const area = report.improvementAreas?.[0]?.area;
  switch (area) {
    case 'anxiety':
    case 'stress':
    case 'energy':
    case 'mood':
    case 'trigger':
    case 'routine':
      return t(`insights.suggest.${area}`);
    default:
      return report.mood?.direction === 'up' ? t('insights.suggest.up') : t('insights.suggest.keepGoing');
  }
}
