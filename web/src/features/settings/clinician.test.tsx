import { callsTo, json, problem, resetNetwork, route } from './test-fetch';
import { screen, within } from '@testing-library/react';
import i18n from '../../i18n';
import { ClinicianPage, ClinicianPatientPage } from './pages';
import { renderAt } from './test-utils';

const USER = '0190b000-0000-7000-8000-000000000001';
const GRANT = {
  id: 'g1',
  clinicianId: 'c1',
  userId: USER,
  scope: 'conversations',
  sessionIds: ['s1'],
  createdAt: '2025-02-01T10:00:00Z',
  expiresAt: '2025-05-02T10:00:00Z',
  status: 'active',
};
const SESSIONS = [
  { id: 's1', startedAt: '2025-02-10T10:00:00Z', messageCount: 2, sessionType: 'general', summary: 'Talked about sleep', moodBefore: 4, moodAfter: 6 },
  { id: 's2', startedAt: '2025-02-12T10:00:00Z', messageCount: 4, sessionType: 'journal', summary: null },
];

beforeEach(async () => {
  resetNetwork();
  await i18n.changeLanguage('en');
  route('GET', '/api/clinician/patients', () => json([GRANT]));
  route('GET', '/api/clinician/patients/{userId}/sessions', () => json(SESSIONS));
  route('GET', '/api/clinician/patients/{userId}/moods', () =>
    json({
      entries: [{ id: 'm1', localDate: '2025-02-11', moodScore: 5, anxietyLevel: 3, triggers: [], recordedAt: '2025-02-11T10:00:00Z' }],
      from: '2024-11-14',
      to: '2025-02-11',
      timezone: 'Europe/London',
    }),
  );
  route('GET', '/api/clinician/patients/{userId}/sessions/{sessionId}/messages', () =>
    json([
      { id: 'x1', sessionId: 's1', sender: 'user', content: 'I can’t sleep', createdAt: '2025-02-10T10:01:00Z', emotionalTags: [], messageType: 'text', riskLevel: 'none' },
      { id: 'x2', sessionId: 's1', sender: 'ai', content: 'That sounds hard.', createdAt: '2025-02-10T10:01:05Z', emotionalTags: [], messageType: 'text', riskLevel: 'none' },
    ]),
  );
});

test('a non-clinician is told they have no clinician access', async () => {
  route('GET', '/api/clinician/patients', () => problem(403, 'forbidden'));
  renderAt(<ClinicianPage />);
  expect(await screen.findByRole('alert')).toHaveTextContent('You don’t have clinician access.');
  expect(callsTo('GET', '/api/clinician/patients')).toHaveLength(1);
});

test('lists the people who share data, with scope and expiry', async () => {
  renderAt(<ClinicianPage />);
  const person = (await screen.findByRole('heading', { level: 2, name: 'Person 0190b000' })).closest('li')!;
  expect(person).toHaveTextContent('Chosen conversations (1 conversation shared.)');
  expect(person).toHaveTextContent(/Until .*2025/);
  expect(within(person).getByRole('link', { name: 'View shared data Person 0190b000' })).toHaveAttribute('href', `/clinician/${USER}`);
});

test('nobody sharing is an empty state', async () => {
  route('GET', '/api/clinician/patients', () => json([]));
  renderAt(<ClinicianPage />);
  expect(await screen.findByText('Nobody is sharing data with you at the moment.')).toBeInTheDocument();
});

test('one person: sessions, the messages the grant allows, and moods', async () => {
  const { user } = renderAt(<ClinicianPatientPage />, { url: `/clinician/${USER}`, path: '/clinician/:userId' });
  expect(await screen.findByText('Talked about sleep')).toBeInTheDocument();
  // Only the chosen session can be opened.
  expect(screen.getAllByRole('button', { name: /Read messages/ })).toHaveLength(1);
  await user.click(screen.getByRole('button', { name: /Read messages/ }));
  const transcript = await screen.findByRole('region', { name: /Messages from/ });
  expect(await within(transcript).findByText('I can’t sleep')).toBeInTheDocument();
  expect(within(transcript).getByText('That sounds hard.')).toBeInTheDocument();
  expect(callsTo('GET', `/api/clinician/patients/${USER}/sessions/s1/messages`)).toHaveLength(1);

  const moods = screen.getByRole('region', { name: 'Mood check-ins' });
  expect(within(moods).getByRole('cell', { name: '5/10' })).toBeInTheDocument();
});

test('someone who no longer shares is explained', async () => {
  renderAt(<ClinicianPatientPage />, { url: '/clinician/other', path: '/clinician/:userId' });
  expect(await screen.findByRole('alert')).toHaveTextContent('This person isn’t sharing anything with you now.');
  expect(callsTo('GET', '/api/clinician/patients/other/sessions')).toHaveLength(0);
});
