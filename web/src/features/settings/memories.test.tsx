import { callsTo, json, noContent, problem, resetNetwork, route } from './test-fetch';
import { screen, within } from '@testing-library/react';
import i18n from '../../i18n';
import { MemoriesPage } from './pages';
import { renderAt } from './test-utils';

const ANNA = {
  id: '0190a000-0000-7000-8000-000000000001',
  content: 'Your sister Anna',
  kind: 'person',
  origin: 'conversation',
  mentionCount: 3,
  createdAt: '2025-01-05T09:00:00Z',
  updatedAt: '2025-02-01T09:00:00Z',
  lastSeenAt: '2025-02-01T09:00:00Z',
  sources: [
    {
      at: '2025-01-05T09:00:00Z',
      excerpt: 'I called my sister Anna and it helped',
      messageId: '0190a000-0000-7000-8000-00000000aaaa',
      sessionId: '0190a000-0000-7000-8000-00000000bbbb',
    },
  ],
};
const WALK = {
  id: '0190a000-0000-7000-8000-000000000002',
  content: 'Walking the dog in the morning helps me',
  kind: 'coping',
  origin: 'person',
  mentionCount: 1,
  createdAt: '2025-01-10T09:00:00Z',
  updatedAt: '2025-01-10T09:00:00Z',
  lastSeenAt: '2025-01-10T09:00:00Z',
  sources: [],
};
const SETTINGS = { enabled: true, paused: false, neverRemember: ['work', 'health'], search: 'words' };

let memories: (typeof ANNA)[];
let settings: typeof SETTINGS;

beforeEach(async () => {
  resetNetwork();
  await i18n.changeLanguage('en');
  memories = [ANNA, WALK];
  settings = { ...SETTINGS };
  route('GET', '/api/me/memories', () => json({ memories, settings }));
  route('DELETE', '/api/me/memories/{id}', (_, [id]) => {
    memories = memories.filter((m) => m.id !== id);
    return noContent();
  });
  route('PUT', '/api/me/memories/settings', (call) => {
    settings = { ...settings, ...(call.body as object) };
    return json(settings);
  });
});

test('shows what is remembered and why', async () => {
  const { user } = renderAt(<MemoriesPage />);
  expect(screen.getByRole('status')).toHaveTextContent('Loading');
  expect(await screen.findByRole('heading', { level: 2, name: 'What Rebloom remembers (2)' })).toBeInTheDocument();
  const anna = screen.getByText('Your sister Anna').closest('li')!;
  expect(within(anna).getByText('Person')).toBeInTheDocument();
  expect(within(anna).getByText(/Learnt from your conversations/)).toHaveTextContent('mentioned 3 times');
  await user.click(within(anna).getByText('Why Rebloom remembers this (1 message)'));
  expect(within(anna).getByText('I called my sister Anna and it helped')).toBeVisible();
  const walk = screen.getByText('Walking the dog in the morning helps me').closest('li')!;
  expect(within(walk).getByText(/Written by you/)).toHaveTextContent('mentioned once');
});

test('deleting a memory asks first, then sends DELETE', async () => {
  const { user } = renderAt(<MemoriesPage />);
  const trigger = await screen.findByRole('button', { name: 'Delete: Your sister Anna' });

  await user.click(trigger);
  const confirm = screen.getByRole('group', { name: 'Forget “Your sister Anna”? Rebloom will no longer remember it.' });
  expect(within(confirm).getByRole('button', { name: 'Cancel' })).toHaveFocus();
  expect(callsTo('DELETE', `/api/me/memories/${ANNA.id}`)).toHaveLength(0);

  // Cancel keeps it and puts the keyboard back on the trigger.
  await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
  expect(screen.queryByRole('group', { name: /^Forget/ })).not.toBeInTheDocument();
  expect(screen.getByRole('button', { name: 'Delete: Your sister Anna' })).toHaveFocus();
  expect(callsTo('DELETE', `/api/me/memories/${ANNA.id}`)).toHaveLength(0);

  await user.click(screen.getByRole('button', { name: 'Delete: Your sister Anna' }));
  await user.click(screen.getByRole('button', { name: 'Yes, forget it' }));
  expect(await screen.findByText('Memory forgotten')).toBeInTheDocument();
  expect(callsTo('DELETE', `/api/me/memories/${ANNA.id}`)).toHaveLength(1);
  expect(callsTo('DELETE', `/api/me/memories/${WALK.id}`)).toHaveLength(0);
  expect(screen.queryByText('Your sister Anna')).not.toBeInTheDocument();
  expect(await screen.findByRole('heading', { name: 'What Rebloom remembers (1)' })).toBeInTheDocument();
});

test('Escape cancels the confirmation', async () => {
  const { user } = renderAt(<MemoriesPage />);
  await user.click(await screen.findByRole('button', { name: 'Delete: Your sister Anna' }));
  await user.keyboard('{Escape}');
  expect(screen.queryByRole('button', { name: 'Yes, forget it' })).not.toBeInTheDocument();
  expect(callsTo('DELETE', `/api/me/memories/${ANNA.id}`)).toHaveLength(0);
});

test('the "never remember" list is saved', async () => {
  const { user } = renderAt(<MemoriesPage />);
  const section = await screen.findByRole('region', { name: 'Never remember' });
  const topics = () => within(section).queryAllByRole('listitem').map((li) => li.firstChild?.textContent);
  expect(topics()).toEqual(['work', 'health']);

  await user.click(within(section).getByRole('button', { name: 'Remove work' }));
  await user.type(within(section).getByLabelText('Topic'), 'my ex{Enter}');
  await user.type(within(section).getByLabelText('Topic'), 'Health');
  await user.click(within(section).getByRole('button', { name: 'Add topic' }));
  expect(within(section).getByLabelText('Topic')).toHaveValue('');
  expect(topics()).toEqual(['health', 'my ex']);

  await user.click(within(section).getByRole('button', { name: 'Save “never remember” list' }));
  expect(await within(section).findByText('Saved')).toBeInTheDocument();
  const puts = callsTo('PUT', '/api/me/memories/settings');
  expect(puts).toHaveLength(1);
  // "Health" is the same topic as "health": not added twice.
  expect(puts[0].body).toEqual({ neverRemember: ['health', 'my ex'] });
});

test('memory can be paused and turned off', async () => {
  const { user } = renderAt(<MemoriesPage />);
  const section = await screen.findByRole('region', { name: 'Memory settings' });
  await user.click(within(section).getByLabelText(/Pause learning/));
  await user.click(within(section).getByRole('button', { name: 'Save memory settings' }));
  await within(section).findByText('Saved');
  expect(callsTo('PUT', '/api/me/memories/settings')[0].body).toEqual({ enabled: true, paused: true });

  await user.click(within(section).getByLabelText(/Let Rebloom remember things/));
  expect(within(section).getByLabelText(/Pause learning/)).toBeDisabled();
  await user.click(within(section).getByRole('button', { name: 'Save memory settings' }));
  await vi.waitFor(() => expect(callsTo('PUT', '/api/me/memories/settings')).toHaveLength(2));
  expect(callsTo('PUT', '/api/me/memories/settings')[1].body).toEqual({ enabled: false, paused: true });
  expect(await screen.findByText(/Memory is off/)).toBeInTheDocument();
});

test('editing a memory PATCHes it', async () => {
  route('PATCH', '/api/me/memories/{id}', (call) => json({ ...WALK, ...(call.body as object), origin: 'person' }));
  const { user } = renderAt(<MemoriesPage />);
  await user.click(await screen.findByRole('button', { name: 'Edit: Walking the dog in the morning helps me' }));
  const list = screen.getByRole('region', { name: /What Rebloom remembers/ });
  const text = within(list).getByLabelText('What to remember');
  await user.clear(text);
  await user.type(text, 'Walking the dog helps me');
  await user.click(within(list).getByRole('button', { name: 'Save memory' }));
  await vi.waitFor(() => expect(callsTo('PATCH', `/api/me/memories/${WALK.id}`)).toHaveLength(1));
  expect(callsTo('PATCH', `/api/me/memories/${WALK.id}`)[0].body).toEqual({ content: 'Walking the dog helps me', kind: 'coping' });
});

test('adding a memory while memory is off explains why it failed', async () => {
  route('POST', '/api/me/memories', () => problem(409, 'memory_disabled'));
  const { user } = renderAt(<MemoriesPage />);
  const section = await screen.findByRole('region', { name: 'Add something to remember' });
  await user.type(within(section).getByLabelText('What to remember'), 'I like tea');
  await user.click(within(section).getByRole('button', { name: 'Remember this' }));
  expect(await within(section).findByRole('alert')).toHaveTextContent('Memory is off. Turn it on in the memory settings first.');
  expect(callsTo('POST', '/api/me/memories')[0].body).toEqual({ content: 'I like tea', kind: 'note' });
});

test('forget everything asks first', async () => {
  route('DELETE', '/api/me/memories', () => {
    const deleted = memories.length;
    memories = [];
    return json({ deleted });
  });
  const { user } = renderAt(<MemoriesPage />);
  const section = await screen.findByRole('region', { name: 'Forget everything' });
  await user.click(within(section).getByRole('button', { name: 'Forget everything' }));
  expect(callsTo('DELETE', '/api/me/memories')).toHaveLength(0);
  await user.click(within(section).getByRole('button', { name: 'Yes, forget everything' }));
  expect(await within(section).findByText('Forgotten: 2 items')).toBeInTheDocument();
  expect(callsTo('DELETE', '/api/me/memories')).toHaveLength(1);
  expect(await screen.findByText('Rebloom doesn’t remember anything about you yet.')).toBeInTheDocument();
});
