// The fake server and the providers the screens need.
import { callsTo, json, renderWithApp, serve } from './testing';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import i18n from '../../i18n';
import type { Schemas } from '../../api/client';
import { InsightsPage } from './pages';
import { suggestionText, type Report } from './InsightsPage';

/** A report as the server's `weekly()` writes it. */
const report = {
  period: { start: '2026-11-16', end: '2026-11-22', timezone: 'Europe/Madrid' },
  mood: {
    entries: 5,
    average: 5.4,
    min: 3,
    max: 8,
    previousEntries: 4,
    previousAverage: 6.6,
    change: -1.2,
    direction: 'down',
    size: 'moderate',
    anxietyAverage: 6.5,
    stressAverage: null,
    energyAverage: null,
    evidence: [],
    previousEvidence: [],
  },
  bestDay: { date: '2026-11-21', weekday: 'Saturday', average: 8, evidence: [], triggers: ['friends'] },
  hardestDay: { date: '2026-11-18', weekday: 'Wednesday', average: 3, evidence: [], triggers: ['work'] },
  triggers: [
    {
      trigger: 'work',
      association: 'lower',
      withAverage: 3.5,
      withoutAverage: 6.8,
      difference: -3.3,
      source: 'check-ins',
      entriesWith: 4,
      entriesWithout: 6,
      evidence: [],
    },
    {
      trigger: 'anxiety',
      source: 'messages',
      association: 'lower',
      withAverage: 4,
      withoutAverage: 6.5,
      difference: -2.5,
      daysWith: 3,
      daysWithout: 4,
      evidence: [],
      moodEvidence: [],
    },
  ],
  triggerWindowDays: 28,
  emotions: [{ emotion: 'anxiety', messages: 3, evidence: [] }],
  sentimentAverage: -0.2,
  goals: [
    { id: 'g1', title: 'Sleep better', status: 'active', progressFrom: 20, progressTo: 40, updates: 2, completedThisWeek: false, evidence: [] },
  ],
  engagement: { activeDays: 5, longestStreak: 3, sessions: 2, messages: 9, moodCheckIns: 5, goalUpdates: 2 },
  improvementAreas: [
    { area: 'anxiety', because: 'anxiety averaged 6.5 of 10' },
    { area: 'mood', because: 'mood was 1.2 points lower than the week before' },
    { area: 'trigger', trigger: 'work', because: 'mood averaged 3.5 with "work" and 6.8 without' },
  ],
  suggestion:
    'Anxiety ran high this week. A two-minute slow-breathing pause (in for 4, out for 6) once a day might help take the edge off.',
  confidence: 0.71,
  method: 'statistics',
};

function insight(partial: Partial<Schemas['InsightView']> & { id: string }): Schemas['InsightView'] {
  return {
    insightType: 'weekly',
    title: 'Your week from 2026-11-16',
    content: report as unknown as Schemas['InsightView']['content'],
    periodStart: '2026-11-16',
    generatedAt: '2026-11-23T08:00:00Z',
    acknowledgedAt: null,
    ...partial,
  };
}

const older = insight({
  id: 'i0',
  periodStart: '2026-11-09',
  generatedAt: '2026-11-16T08:00:00Z',
  acknowledgedAt: '2026-11-16T09:00:00Z',
  content: { period: { start: '2026-11-09', end: '2026-11-15' }, mood: { entries: 0 }, suggestion: 'x' } as unknown as Schemas['InsightView']['content'],
});

describe('InsightsPage', () => {
  test('lists the weekly reviews newest first and puts the report into words', async () => {
    serve({ 'GET /api/me/insights': { insights: [older, insight({ id: 'i1' })] } });
    await renderWithApp(<InsightsPage />);
    const articles = await screen.findAllByRole('article');
    expect(articles).toHaveLength(2);
    const [latest, previous] = articles as [HTMLElement, HTMLElement];
    expect(within(latest).getByRole('heading', { level: 2 }).textContent).toMatch(/^Week of .*16.*22.*2026/);
    expect(within(previous).getByRole('heading', { level: 2 }).textContent).toMatch(/^Week of .*9.*15.*2026/);
    expect(within(latest).getByText('New')).toBeInTheDocument();
    expect(within(previous).queryByText('New')).not.toBeInTheDocument();

    expect(latest).toHaveTextContent('Your mood averaged 5.4 out of 10 across 5 check-ins (lowest 3, highest 8).');
    expect(latest).toHaveTextContent('That is 1.2 points lower than the week before (6.6). A moderate change.');
    expect(latest).toHaveTextContent('Anxiety averaged 6.5');
    expect(latest).toHaveTextContent(/Best day: Saturday, (November 21|21 November), mood 8 on average\. Tagged: friends\./);
    expect(latest).toHaveTextContent(/Hardest day: Wednesday, (November 18|18 November), mood 3 on average\. Tagged: work\./);
    expect(latest).toHaveTextContent(
      'With “work” your mood was lower: 3.5 on average, against 6.8 without it (4 check-ins).',
    );
    expect(latest).toHaveTextContent('On days your messages expressed anxiety, your mood was lower: 4 on average, against 6.5 on other days (3 days).');
    expect(latest).toHaveTextContent('anxiety (3 messages)');
    expect(latest).toHaveTextContent('Sleep better: from 20% to 40% (2 updates).');
    expect(latest).toHaveTextContent('Anxiety: anxiety averaged 6.5 out of 10.');
    expect(latest).toHaveTextContent('A trigger: mood averaged 3.5 with “work” and 6.8 without.');
    expect(within(latest).getByRole('heading', { name: 'One suggestion' }).nextElementSibling).toHaveTextContent(
      report.suggestion,
    );
    // The older one shows its summary, with its full review behind a button.
    expect(previous).toHaveTextContent('There were no mood check-ins this week.');
    expect(within(previous).getByRole('button', { name: 'Show the full review' })).toHaveAttribute('aria-expanded', 'false');
  });

  test('marks a review as read', async () => {
    const user = userEvent.setup();
    let read = false;
    serve({
      'GET /api/me/insights': () => ({
        insights: [insight({ id: 'i1', acknowledgedAt: read ? '2026-11-24T10:00:00Z' : null })],
      }),
      'POST /api/me/insights/:id/acknowledge': () => {
        read = true;
        return null;
      },
    });
    await renderWithApp(<InsightsPage />);
    const article = await screen.findByRole('article');
    await user.click(within(article).getByRole('button', { name: /^Mark as read/ }));
    await waitFor(() => expect(within(article).queryByText('New')).not.toBeInTheDocument());
    expect(callsTo('POST', '/api/me/insights/i1/acknowledge')).toHaveLength(1);
    expect(within(article).queryByRole('button', { name: /^Mark as read/ })).not.toBeInTheDocument();
    expect(article).toHaveTextContent(/read /);
  });

  test('creates the last finished week’s review on request', async () => {
    const user = userEvent.setup();
    let list: Schemas['InsightView'][] = [];
    serve({
      'GET /api/me/insights': () => ({ insights: list }),
      'POST /api/me/insights/weekly': () => {
        list = [insight({ id: 'new' })];
        return json(list[0]);
      },
    });
    await renderWithApp(<InsightsPage />);
    expect(await screen.findByText(/No weekly reviews yet/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Create this week’s insight now' }));
    expect(await screen.findByText(/^Your review of .*16.*22.*2026 is ready\.$/)).toHaveAttribute('role', 'status');
    // No week named: the server picks the last finished one.
    expect(callsTo('POST', '/api/me/insights/weekly').map((c) => c.body)).toEqual([{}]);
    expect(await screen.findByRole('article')).toBeInTheDocument();
  });

  test('in Spanish, the report (including its suggestion) is in Spanish', async () => {
    serve({ 'GET /api/me/insights': { insights: [insight({ id: 'i1' })] } });
    await act(() => i18n.changeLanguage('es'));
    try {
      await renderWithApp(<InsightsPage />);
      const article = await screen.findByRole('article');
      expect(article).toHaveTextContent('Tu ánimo promedió 5,4 de 10 en 5 registros');
      expect(article).toHaveTextContent('La ansiedad estuvo alta esta semana.');
      expect(article).not.toHaveTextContent('Anxiety ran high');
    } finally {
      await act(() => i18n.changeLanguage('en'));
    }
  });
});

describe('suggestionText', () => {
  const t = (key: string, options?: Record<string, unknown>) => `${key}${options?.trigger ? `:${String(options.trigger)}` : ''}`;
  const base = report as unknown as Report;

  test('keeps the server’s own English', () => {
    expect(suggestionText(base, 'en', t)).toBe(report.suggestion);
  });

  test('elsewhere, makes the server’s choice from the figures', () => {
    expect(suggestionText(base, 'es', t)).toBe('insights.suggest.anxiety');
    expect(suggestionText({ ...base, mood: { entries: 0 } }, 'es', t)).toBe('insights.suggest.noEntries');
    const lift = { ...base, triggers: [{ trigger: 'walk', association: 'higher', source: 'check-ins', withAverage: 8, withoutAverage: 5 }] };
    expect(suggestionText(lift, 'es', t)).toBe('insights.suggest.lift:walk');
    expect(suggestionText({ ...base, improvementAreas: [], mood: { ...base.mood, direction: 'up' } }, 'es', t)).toBe('insights.suggest.up');
    expect(suggestionText({ ...base, improvementAreas: [], mood: { ...base.mood, direction: 'steady' } }, 'es', t)).toBe(
      'insights.suggest.keepGoing',
    );
  });
});
