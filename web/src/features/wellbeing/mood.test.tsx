// The fake server and the providers the screens need.
import { callsTo, json, renderWithApp, serve } from './testing';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Schemas } from '../../api/client';
import { MoodPage } from './pages';
import { MoodChart } from './MoodChart';
import { dayTrends, engagement, mood, moodList } from './fixtures';

const EMPTY = dayTrends([
  ['2026-11-23', []],
  ['2026-11-24', []],
]);

function routes(overrides: Record<string, unknown> = {}) {
  return {
    'GET /api/me/moods': moodList([]),
    'GET /api/me/moods/trends': EMPTY,
    'GET /api/me/engagement': engagement,
    ...overrides,
  } as Parameters<typeof serve>[0];
}

describe('MoodPage', () => {
  test('a check-in takes two taps: a number, then save; it posts only the mood and confirms', async () => {
    const user = userEvent.setup();
    let saved: Schemas['MoodView'] | null = null;
    serve(
      routes({
        'POST /api/me/moods': ({ body }: { body: unknown }) => {
          const b = body as Schemas['NewMood'];
          saved = mood({ id: 'm1', moodScore: b.moodScore, localDate: '2026-11-25' });
          return json(saved, 201);
        },
        // After the save the chart has the new check-in.
        'GET /api/me/moods/trends': () =>
          saved ? dayTrends([['2026-11-24', []], ['2026-11-25', [saved.moodScore]]]) : EMPTY,
        'GET /api/me/moods': () => moodList(saved ? [saved] : []),
      }),
    );
    await renderWithApp(<MoodPage />);
    expect(await screen.findByText(/No check-ins in this period yet/)).toBeInTheDocument();

    const seven = screen.getByRole('button', { name: '7' });
    await user.click(seven);
    expect(seven).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByRole('button', { name: '6' })).toHaveAttribute('aria-pressed', 'false');
    await user.click(screen.getByRole('button', { name: 'Save check-in' }));

    const status = await screen.findByText('Check-in saved: 7 out of 10. Thank you for checking in.');
    expect(status).toHaveAttribute('role', 'status');
    expect(status).toHaveClass('ok-box');
    expect(callsTo('POST', '/api/me/moods').map((c) => c.body)).toEqual([{ moodScore: 7 }]);
    // The chart and the list update from the server.
    expect(await screen.findAllByTestId('mood-point')).toHaveLength(1);
    expect(await screen.findByText('Mood 7 out of 10')).toBeInTheDocument();
    // The choice is cleared for the next check-in.
    expect(screen.getByRole('button', { name: '7' })).toHaveAttribute('aria-pressed', 'false');
  });

  test('asks for a number before saving, and sends the optional details only when given', async () => {
    const user = userEvent.setup();
    serve(routes({ 'POST /api/me/moods': () => json(mood({ id: 'm2', moodScore: 4, localDate: '2026-11-25' }), 201) }));
    await renderWithApp(<MoodPage />);
    await user.click(await screen.findByRole('button', { name: 'Save check-in' }));
    expect(screen.getByText('Choose a number from 1 to 10 first.')).toBeInTheDocument();
    expect(callsTo('POST', '/api/me/moods')).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: '4' }));
    await user.click(screen.getByText('Add details (optional)'));
    await user.selectOptions(screen.getByLabelText('Anxiety'), '6');
    await user.type(screen.getByLabelText('Triggers'), 'work,  sleep , Work');
    await user.type(screen.getByLabelText('Notes'), '  Long day  ');
    await user.click(screen.getByRole('button', { name: 'Save check-in' }));
    await screen.findByText(/Check-in saved: 4 out of 10/);
    expect(callsTo('POST', '/api/me/moods')[0]?.body).toEqual({
      moodScore: 4,
      anxietyLevel: 6,
      triggers: ['work', 'sleep'],
      notes: 'Long day',
    });
  });

  test('shows the server’s field errors next to the field', async () => {
    const user = userEvent.setup();
    serve(
      routes({
        'POST /api/me/moods': () =>
          json(
            {
              type: 'about:blank',
              title: 'Validation failed',
              status: 422,
              code: 'validation_failed',
              errors: [{ field: 'triggers', code: 'too_many', message: 'At most 20 triggers.' }],
            },
            422,
          ),
      }),
    );
    await renderWithApp(<MoodPage />);
    await user.click(await screen.findByRole('button', { name: '5' }));
    await user.click(screen.getByText('Add details (optional)'));
    await user.type(screen.getByLabelText('Triggers'), 'a');
    await user.click(screen.getByRole('button', { name: 'Save check-in' }));
    expect(await screen.findByText('At most 20 triggers.')).toBeInTheDocument();
    expect(screen.getByLabelText('Triggers')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent('Please check the highlighted fields.');
  });

  test('the grouping buttons ask for days over 30 days, weeks over 12 weeks, months over a year', async () => {
    const user = userEvent.setup();
    serve(routes());
    await renderWithApp(<MoodPage />);
    await screen.findByText(/No check-ins in this period yet/);
    const group = screen.getByRole('group', { name: 'Group the chart by' });
    await user.click(within(group).getByRole('button', { name: 'Week' }));
    expect(within(group).getByRole('button', { name: 'Week' })).toHaveAttribute('aria-pressed', 'true');
    await user.click(within(group).getByRole('button', { name: 'Month' }));
    await waitFor(() => expect(callsTo('GET', '/api/me/moods/trends')).toHaveLength(3));
    const asked = callsTo('GET', '/api/me/moods/trends').map((c) => `${c.query.get('range')}/${c.query.get('bucket')}`);
    expect(asked).toEqual(['30d/day', '12w/week', '1y/month']);
    // The check-ins of the same range are read for the trigger annotations.
    expect(callsTo('GET', '/api/me/moods').map((c) => c.query.get('range'))).toEqual(expect.arrayContaining(['30d', '12w', '1y']));
  });

  test('shows the streak and active days from the engagement figures', async () => {
    serve(routes());
    await renderWithApp(<MoodPage />);
    const card = (await screen.findByRole('heading', { name: 'Your rhythm' })).closest('section') as HTMLElement;
    await within(card).findByText('3 days');
    expect(within(card).getByText('Current streak').nextElementSibling).toHaveTextContent('3 days');
    expect(within(card).getByText('Active days (last 30 days)').nextElementSibling).toHaveTextContent('12 days');
  });

  test('recent check-ins can be corrected and, after confirming, deleted', async () => {
    const user = userEvent.setup();
    const entry = mood({ id: 'e1', moodScore: 3, localDate: '2026-11-20', triggers: ['work'], notes: 'Tired' });
    serve(
      routes({
        'GET /api/me/moods': moodList([entry]),
        'PATCH /api/me/moods/:id': ({ body }: { body: unknown }) => ({ ...entry, ...(body as object) }),
        'DELETE /api/me/moods/:id': () => null,
      }),
    );
    await renderWithApp(<MoodPage />);
    const item = (await screen.findByText('Mood 3 out of 10')).closest('li') as HTMLElement;
    expect(within(item).getByText('work')).toBeInTheDocument();
    expect(within(item).getByText('Tired')).toBeInTheDocument();

    await user.click(within(item).getByRole('button', { name: /^Edit/ }));
    await user.selectOptions(screen.getByLabelText('Mood (1 to 10)'), '5');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(callsTo('PATCH', '/api/me/moods/e1')).toHaveLength(1));
    expect(callsTo('PATCH', '/api/me/moods/e1')[0]?.body).toEqual({
      moodScore: 5,
      anxietyLevel: null,
      stressLevel: null,
      energyLevel: null,
      notes: 'Tired',
      triggers: ['work'],
    });

    const again = (await screen.findByText('Mood 3 out of 10')).closest('li') as HTMLElement;
    await user.click(within(again).getByRole('button', { name: /^Delete/ }));
    expect(callsTo('DELETE', '/api/me/moods/e1')).toHaveLength(0);
    const confirm = within(again).getByRole('button', { name: 'Yes, delete it' });
    expect(confirm).toHaveFocus();
    await user.click(confirm);
    await waitFor(() => expect(callsTo('DELETE', '/api/me/moods/e1')).toHaveLength(1));
  });
});

describe('MoodChart', () => {
  const trends = dayTrends([
    ['2026-11-20', [4, 6]],
    ['2026-11-21', []],
    ['2026-11-22', [7]],
    ['2026-11-23', []],
    ['2026-11-24', [8, 9, 7]],
  ]);
  const entries = [
    mood({ id: 'a', moodScore: 4, localDate: '2026-11-20', triggers: ['work', 'Sleep'] }),
    mood({ id: 'b', moodScore: 6, localDate: '2026-11-20', triggers: ['sleep'] }),
    mood({ id: 'c', moodScore: 7, localDate: '2026-11-22' }),
    mood({ id: 'd', moodScore: 8, localDate: '2026-11-24', triggers: ['friends'] }),
  ];

  test('draws one point per bucket with check-ins, and marks and lists the triggers', async () => {
    serve({});
    await renderWithApp(<MoodChart trends={trends} entries={entries} />);
    const chart = screen.getByTestId('mood-chart');
    expect(chart).toHaveAttribute('role', 'img');
    expect(chart.getAttribute('aria-label')).toMatch(/6 check-ins, average 6\.8 out of 10 \(lowest 4, highest 9\)/);
    expect(within(chart).getAllByTestId('mood-point')).toHaveLength(3);
    // Points sit at the bucket averages: higher mood, smaller y.
    const ys = within(chart)
      .getAllByTestId('mood-point')
      .map((p) => Number(p.getAttribute('cy')));
    expect(ys[0]).toBeGreaterThan(ys[1]!);
    expect(ys[1]).toBeGreaterThan(ys[2]!);
    expect(chart.querySelector('.wb-chart-moving')).not.toBeNull();
    expect(chart.querySelector('.wb-chart-band')).not.toBeNull();

    const markers = within(chart).getAllByTestId('trigger-marker');
    expect(markers).toHaveLength(2);
    expect(markers[0]?.querySelector('title')?.textContent).toMatch(/work/);
    const annotations = screen.getByTestId('trigger-annotations');
    const items = within(annotations).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    const day = (d: number) =>
      new Intl.DateTimeFormat('en', { weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(2026, 10, d));
    // Tags count once per spelling, ignoring case, most frequent first.
    expect(items[0]).toHaveTextContent(`${day(20)}: Sleep (×2) and work`);
    expect(items[1]).toHaveTextContent(`${day(24)}: friends`);

    // The table alternative: one row per bucket with check-ins.
    const table = screen.getByRole('table', { hidden: true });
    expect(within(table).getAllByRole('row', { hidden: true })).toHaveLength(4);
  });
});
