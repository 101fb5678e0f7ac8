// The fake server and the providers the screens need.
import { callsTo, json, renderWithApp, serve } from './testing';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Schemas } from '../../api/client';
import { GoalsPage } from './pages';
import { goal } from './fixtures';

const sleep = goal({
  id: 'g1',
  title: 'Sleep better',
  category: 'sleep',
  progressPercentage: 40,
  targetDate: '2026-12-31',
  nextSteps: ['Note how you slept each morning this week, in a word or two.', 'Keep the wake-up time on one weekend day too.'],
});
const walk = goal({ id: 'g2', title: 'Walk more', status: 'paused', progressPercentage: 10 });
const old = goal({ id: 'g3', title: 'Old goal', status: 'archived', progressPercentage: 70 });

function cardOf(title: string): HTMLElement {
  return screen.getByRole('heading', { name: title, level: 3 }).closest('li') as HTMLElement;
}

describe('GoalsPage', () => {
  test('lists goals by status with an accessible progress bar and the next steps', async () => {
    serve({ 'GET /api/me/goals': { goals: [sleep, walk, old] } });
    await renderWithApp(<GoalsPage />);
    await screen.findByRole('heading', { name: 'Sleep better', level: 3 });
    expect(screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toEqual([
      'Current goals',
      'Archived',
    ]);
    const card = cardOf('Sleep better');
    const bar = within(card).getByRole('progressbar', { name: 'Progress on Sleep better' });
    expect(bar).toHaveAttribute('aria-valuenow', '40');
    expect(bar).toHaveAttribute('aria-valuemin', '0');
    expect(bar).toHaveAttribute('aria-valuemax', '100');
    expect(card).toHaveTextContent('Active');
    expect(card).toHaveTextContent('Sleep');
    expect(within(card).getAllByRole('listitem')).toHaveLength(2);
    expect(within(cardOf('Walk more')).getByText('Paused')).toBeInTheDocument();
    // Archived goals are tucked away but there.
    expect(screen.getByText('Show 1 archived goal')).toBeInTheDocument();
  });

  test('with no goals, the form to set one is open; it posts what was filled in', async () => {
    const user = userEvent.setup();
    let goals: Schemas['GoalView'][] = [];
    serve({
      'GET /api/me/goals': () => ({ goals }),
      'POST /api/me/goals': ({ body }: { body: unknown }) => {
        const b = body as Schemas['NewGoal'];
        const created = goal({ id: 'n1', title: b.title, category: b.category });
        goals = [created];
        return json(created, 201);
      },
    });
    await renderWithApp(<GoalsPage />);
    expect(await screen.findByText(/No goals yet/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Add goal' }));
    expect(screen.getByText('Give your goal a title.')).toBeInTheDocument();
    expect(callsTo('POST', '/api/me/goals')).toHaveLength(0);

    await user.type(screen.getByLabelText('Title'), '  Call a friend weekly ');
    await user.selectOptions(screen.getByLabelText(/Category/), 'relationships');
    await user.click(screen.getByRole('button', { name: 'Add goal' }));
    expect(await screen.findByText('Goal added: Call a friend weekly.')).toHaveAttribute('role', 'status');
    expect(callsTo('POST', '/api/me/goals')[0]?.body).toEqual({ title: 'Call a friend weekly', category: 'relationships' });
    expect(await screen.findByRole('heading', { name: 'Call a friend weekly', level: 3 })).toBeInTheDocument();
  });

  test('records progress with a note', async () => {
    const user = userEvent.setup();
    serve({
      'GET /api/me/goals': { goals: [sleep] },
      'POST /api/me/goals/:id/progress': ({ body }: { body: unknown }) => ({
        ...sleep,
        progressPercentage: (body as Schemas['ProgressUpdate']).progressPercentage,
      }),
    });
    await renderWithApp(<GoalsPage />);
    await screen.findByRole('heading', { name: 'Sleep better', level: 3 });
    const card = cardOf('Sleep better');
    await user.click(within(card).getByRole('button', { name: 'Record progress' }));
    const percent = within(card).getByLabelText('Percent');
    expect(within(card).getByLabelText('Progress')).toHaveValue('40');
    await user.clear(percent);
    await user.type(percent, '65');
    await user.type(within(card).getByLabelText(/Note/), 'Slept by 11 three times');
    await user.click(within(card).getByRole('button', { name: 'Save progress' }));
    expect(await screen.findByText('Progress saved: Sleep better is at 65%.')).toBeInTheDocument();
    expect(callsTo('POST', '/api/me/goals/g1/progress')[0]?.body).toEqual({
      progressPercentage: 65,
      note: 'Slept by 11 three times',
    });
  });

  test('shows a goal’s history from the server, newest first', async () => {
    const user = userEvent.setup();
    serve({
      'GET /api/me/goals': { goals: [sleep] },
      'GET /api/me/goals/:id': {
        ...sleep,
        history: [
          { id: 'h1', progressPercentage: 20, note: 'A start', recordedAt: '2026-11-05T20:00:00Z' },
          { id: 'h2', progressPercentage: 40, note: null, recordedAt: '2026-11-12T20:00:00Z' },
        ],
      },
    });
    await renderWithApp(<GoalsPage />);
    await screen.findByRole('heading', { name: 'Sleep better', level: 3 });
    await user.click(within(cardOf('Sleep better')).getByRole('button', { name: 'History' }));
    const table = await screen.findByRole('table', { name: 'Progress history of Sleep better' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell').slice(1).map((c) => c.textContent))).toEqual([
      ['40%', '—'],
      ['20%', 'A start'],
    ]);
    expect(callsTo('GET', '/api/me/goals/g1')).toHaveLength(1);
  });

  test('changes status: pause, and restore an archived goal', async () => {
    const user = userEvent.setup();
    serve({
      'GET /api/me/goals': { goals: [sleep, old] },
      'PATCH /api/me/goals/:id': ({ params, body }: { params: Record<string, string>; body: unknown }) => ({
        ...(params.id === 'g1' ? sleep : old),
        ...(body as object),
      }),
    });
    await renderWithApp(<GoalsPage />);
    await screen.findByRole('heading', { name: 'Sleep better', level: 3 });
    await user.click(within(cardOf('Sleep better')).getByRole('button', { name: 'Pause' }));
    expect(await screen.findByText('Sleep better is paused.')).toBeInTheDocument();
    await user.click(screen.getByText('Show 1 archived goal'));
    const archived = cardOf('Old goal');
    expect(within(archived).queryByRole('button', { name: 'Record progress' })).not.toBeInTheDocument();
    await user.click(within(archived).getByRole('button', { name: 'Restore' }));
    await waitFor(() => expect(callsTo('PATCH', '/api/me/goals/g3')).toHaveLength(1));
    expect(callsTo('PATCH', '/api/me/goals/g1')[0]?.body).toEqual({ status: 'paused' });
    expect(callsTo('PATCH', '/api/me/goals/g3')[0]?.body).toEqual({ status: 'active' });
  });

  test('deletes a goal only after confirming', async () => {
    const user = userEvent.setup();
    serve({ 'GET /api/me/goals': { goals: [sleep] }, 'DELETE /api/me/goals/:id': () => null });
    await renderWithApp(<GoalsPage />);
    await screen.findByRole('heading', { name: 'Sleep better', level: 3 });
    const card = cardOf('Sleep better');
    await user.click(within(card).getByRole('button', { name: 'Delete Sleep better' }));
    expect(within(card).getByRole('group', { name: /Delete the goal “Sleep better”/ })).toBeInTheDocument();
    await user.click(within(card).getByRole('button', { name: 'Cancel' }));
    expect(callsTo('DELETE', '/api/me/goals/g1')).toHaveLength(0);
    expect(within(card).getByRole('button', { name: 'Delete Sleep better' })).toHaveFocus();
    await user.click(within(card).getByRole('button', { name: 'Delete Sleep better' }));
    await user.click(within(card).getByRole('button', { name: 'Yes, delete the goal' }));
    expect(await screen.findByText('Goal deleted: Sleep better.')).toBeInTheDocument();
    expect(callsTo('DELETE', '/api/me/goals/g1')).toHaveLength(1);
  });

  test('only sends the fields that changed when editing (an old target date is left alone)', async () => {
    const user = userEvent.setup();
    const past = { ...sleep, targetDate: '2020-01-01' };
    serve({
      'GET /api/me/goals': { goals: [past] },
      'PATCH /api/me/goals/:id': ({ body }: { body: unknown }) => ({ ...past, ...(body as object) }),
    });
    await renderWithApp(<GoalsPage />);
    await screen.findByRole('heading', { name: 'Sleep better', level: 3 });
    const card = cardOf('Sleep better');
    await user.click(within(card).getByRole('button', { name: 'Edit' }));
    const title = within(card).getByLabelText('Title');
    expect(title).toHaveFocus();
    await user.clear(title);
    await user.type(title, 'Sleep by 11');
    await user.click(within(card).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Goal updated: Sleep by 11.')).toBeInTheDocument();
    expect(callsTo('PATCH', '/api/me/goals/g1')[0]?.body).toEqual({ title: 'Sleep by 11' });
  });
});
