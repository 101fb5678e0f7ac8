// Server answers for the wellbeing tests, shaped as the API sends them.
import type { Schemas } from '../../api/client';
import type { Instrument } from './QuestionnairesPage';

export function mood(partial: Partial<Schemas['MoodView']> & { id: string; moodScore: number; localDate: string }): Schemas['MoodView'] {
  return {
    recordedAt: `${partial.localDate}T18:30:00Z`,
    triggers: [],
    ...partial,
  };
}

export function moodList(entries: Schemas['MoodView'][]): Schemas['MoodList'] {
  return { entries, from: '2026-10-27', to: '2026-11-25', timezone: 'UTC' };
}

type Bucket = Schemas['BucketView'];

function stat(values: number[]): Schemas['Stat'] | null {
  if (values.length === 0) return null;
  const avg = Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100) / 100;
  return { avg, min: Math.min(...values), max: Math.max(...values), count: values.length };
}

/** Day buckets from `days` (YYYY-MM-DD) with the mood scores of each day. */
export function dayTrends(days: [string, number[]][]): Schemas['Trends'] {
  const buckets: Bucket[] = days.map(([day, values], i) => {
    const trailing = days.slice(Math.max(0, i - 6), i + 1).flatMap(([, v]) => v);
    return {
      start: day,
      end: day,
      count: values.length,
      mood: stat(values),
      movingAverage: trailing.length ? Math.round((trailing.reduce((a, b) => a + b, 0) / trailing.length) * 100) / 100 : null,
    };
  });
  const all = days.flatMap(([, v]) => v);
  return {
    bucket: 'day',
    buckets,
    count: all.length,
    from: days[0]?.[0] ?? '2026-11-01',
    to: days[days.length - 1]?.[0] ?? '2026-11-01',
    mood: stat(all),
    timezone: 'UTC',
    window: 7,
    series: {
      labels: buckets.map((b) => b.start),
      mood: buckets.map((b) => b.mood?.avg ?? null),
      movingAverage: buckets.map((b) => b.movingAverage ?? null),
      anxiety: buckets.map(() => null),
      stress: buckets.map(() => null),
      energy: buckets.map(() => null),
      count: buckets.map((b) => b.count),
    },
  };
}

export const engagement: Schemas['Engagement'] = {
  activeDays: 12,
  currentStreak: 3,
  longestStreak: 5,
  days: [],
  exercisesCompleted: 0,
  from: '2026-10-27',
  to: '2026-11-25',
  goalUpdates: 1,
  messages: 20,
  moodCheckIns: 9,
  questionnaires: 1,
  sessions: 4,
  sessionsPerWeek: 1,
  timezone: 'UTC',
};

const ANSWERS = [
  { value: 0, loinc: 'LA6568-5', text: 'Not at all' },
  { value: 1, loinc: 'LA6569-3', text: 'Several days' },
  { value: 2, loinc: 'LA6570-1', text: 'More than half the days' },
  { value: 3, loinc: 'LA6571-9', text: 'Nearly every day' },
];

const items = (list: [string, string][]) => list.map(([loinc, text], index) => ({ index, loinc, text }));

/** `/api/questionnaires`, as the server describes the instruments. */
export const instruments: { instruments: Instrument[] } = {
  instruments: [
    {
      id: 'phq9',
      title: 'Patient Health Questionnaire (PHQ-9)',
      prompt: 'Over the last 2 weeks, how often have you been bothered by any of the following problems?',
      loinc: '44249-1',
      maxScore: 27,
      items: items([
        ['44250-9', 'Little interest or pleasure in doing things'],
        ['44255-8', 'Feeling down, depressed, or hopeless'],
        ['44259-0', 'Trouble falling or staying asleep, or sleeping too much'],
        ['44254-1', 'Feeling tired or having little energy'],
        ['44251-7', 'Poor appetite or overeating'],
        ['44258-2', 'Feeling bad about yourself - or that you are a failure or have let yourself or your family down'],
        ['44252-5', 'Trouble concentrating on things, such as reading the newspaper or watching television'],
        ['44253-3', 'Moving or speaking so slowly that other people could have noticed? Or the opposite'],
        ['44260-8', 'Thoughts that you would be better off dead or of hurting yourself in some way'],
      ]),
      answers: ANSWERS,
      bands: [
        { from: 0, severity: 'minimal' },
        { from: 5, severity: 'mild' },
        { from: 10, severity: 'moderate' },
        { from: 15, severity: 'moderately_severe' },
        { from: 20, severity: 'severe' },
      ],
    },
    {
      id: 'gad7',
      title: 'Generalized Anxiety Disorder 7-item scale (GAD-7)',
      prompt: 'Over the last 2 weeks, how often have you been bothered by the following problems?',
      loinc: '69737-5',
      maxScore: 21,
      items: items([
        ['69725-0', 'Feeling nervous, anxious or on edge'],
        ['68509-9', 'Not being able to stop or control worrying'],
        ['69733-4', 'Worrying too much about different things'],
        ['69734-2', 'Trouble relaxing'],
        ['69735-9', 'Being so restless that it is hard to sit still'],
        ['69689-8', 'Becoming easily annoyed or irritable'],
        ['69736-7', 'Feeling afraid as if something awful might happen'],
      ]),
      answers: ANSWERS,
      bands: [
        { from: 0, severity: 'minimal' },
        { from: 5, severity: 'mild' },
        { from: 10, severity: 'moderate' },
        { from: 15, severity: 'severe' },
      ],
    },
  ],
};

export function response(partial: Partial<Schemas['ResponseView']> & { id: string; instrument: string; totalScore: number }): Schemas['ResponseView'] {
  return {
    answers: [],
    completedAt: '2026-11-20T09:00:00Z',
    maxScore: partial.instrument === 'phq9' ? 27 : 21,
    severity: 'mild',
    change: null,
    ...partial,
  };
}

export function goal(partial: Partial<Schemas['GoalView']> & { id: string; title: string }): Schemas['GoalView'] {
  return {
    createdAt: '2026-11-01T10:00:00Z',
    updatedAt: '2026-11-01T10:00:00Z',
    history: [],
    nextSteps: [],
    progressPercentage: 0,
    status: 'active',
    ...partial,
  };
}
