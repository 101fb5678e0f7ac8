// The fake server and the providers the screens need.
import { callsTo, json, renderWithApp, serve } from './testing';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import type { Schemas } from '../../api/client';
import { ChatPage } from '../chat/ChatPage';
import { QuestionnairesPage } from './pages';
import { instruments, response } from './fixtures';

const NO_HISTORY: Schemas['History'] = { responses: [], trend: {} };

/** Answers every question of the form on screen, `pick(i)` being the answer's label for item i. */
async function answerAll(user: ReturnType<typeof userEvent.setup>, pick: (i: number) => string) {
  const groups = screen.getAllByRole('radiogroup');
  for (const [i, group] of groups.entries()) {
    await user.click(within(group).getByRole('radio', { name: pick(i) }));
  }
  return groups.length;
}

describe('QuestionnairesPage', () => {
  test('each item is a labelled radiogroup of the instrument’s answers', async () => {
    serve({ 'GET /api/questionnaires': instruments, 'GET /api/me/questionnaires': NO_HISTORY });
    await renderWithApp(<QuestionnairesPage />);
    expect(await screen.findByRole('heading', { name: 'Patient Health Questionnaire (PHQ-9)' })).toBeInTheDocument();
    const groups = screen.getAllByRole('radiogroup');
    expect(groups).toHaveLength(9);
    expect(groups[0]).toHaveAccessibleName('1. Little interest or pleasure in doing things');
    expect(within(groups[0]!).getAllByRole('radio').map((r) => r.closest('label')?.textContent)).toEqual([
      'Not at all',
      'Several days',
      'More than half the days',
      'Nearly every day',
    ]);
    expect(screen.getByText('No results yet. Your scores appear here after your first check-up.')).toBeInTheDocument();
  });

  test('shows the score and severity the server computed, not any of its own', async () => {
    const user = userEvent.setup();
    serve({
      'GET /api/questionnaires': instruments,
      'GET /api/me/questionnaires': NO_HISTORY,
      // Deliberately not what the answers (all 0) add up to: the page must show the server's figures.
      'POST /api/me/questionnaires': () =>
        json(
          { response: response({ id: 'r1', instrument: 'gad7', totalScore: 13, severity: 'moderate', change: -2, answers: [0, 0, 0, 0, 0, 0, 0] }) },
          201,
        ),
    });
    await renderWithApp(<QuestionnairesPage />);
    const choose = await screen.findByRole('group', { name: 'Choose a questionnaire' });
    await user.click(within(choose).getByRole('button', { name: 'GAD-7 (anxiety)' }));
    expect(within(choose).getByRole('button', { name: 'GAD-7 (anxiety)' })).toHaveAttribute('aria-pressed', 'true');
    expect(await answerAll(user, () => 'Not at all')).toBe(7);
    await user.click(screen.getByRole('button', { name: 'See my result' }));

    const result = await screen.findByTestId('questionnaire-result');
    expect(callsTo('POST', '/api/me/questionnaires').map((c) => c.body)).toEqual([
      { instrument: 'gad7', answers: [0, 0, 0, 0, 0, 0, 0] },
    ]);
    expect(within(result).getByText('13')).toBeInTheDocument();
    expect(result).toHaveTextContent('out of 21');
    expect(result).toHaveTextContent('Severity: Moderate');
    expect(result).toHaveTextContent('2 points lower than last time.');
    expect(result).not.toHaveTextContent('Minimal');
    expect(within(result).getByRole('heading', { level: 2 })).toHaveFocus();
    expect(screen.queryByTestId('crisis-panel')).not.toBeInTheDocument();
  });

  test('a PHQ-9 crisis answer brings up the crisis bar, shows the lines, and “Talk now” opens the check-in', async () => {
    const user = userEvent.setup();
    const lines = [{ name: 'Teléfono de la Esperanza', contact: 'call 717 003 717', hours: '24/7' }];
    const safety: Schemas['SafetyView'] = {
      riskLevel: 'high',
      categories: ['suicidal_ideation'],
      emergencyNumber: '112',
      offerSafetyPlan: true,
      urgeEmergencyServices: false,
      resources: lines,
    };
    const crisis: Schemas['CrisisStateView'] = {
      active: true,
      level: 'high',
      categories: ['suicidal_ideation'],
      country: 'ES',
      emergencyNumber: '112',
      resources: lines,
    };
    const checkIn = {
      id: 'g1',
      content: 'Thank you for answering honestly. Are you thinking about ending your life?',
      provider: 'safety',
      createdAt: '2026-11-25T10:00:00Z',
      safety: { ...safety, resources: [] },
    };
    const session = { id: 's9', messageCount: 1, sessionType: 'general', startedAt: '2026-11-25T10:00:00Z' };
    serve({
      'GET /api/questionnaires': instruments,
      'GET /api/me/questionnaires': NO_HISTORY,
      'GET /api/me/safety-plan': {},
      'POST /api/me/questionnaires': () =>
        json(
          {
            response: response({ id: 'r2', instrument: 'phq9', totalScore: 1, severity: 'minimal' }),
            safety,
            safetyMessage: 'Thank you for telling me. You deserve support right now.',
            crisis,
          },
          201,
        ),
      'POST /api/conversations': () => json({ sessionId: 's9', session, greeting: checkIn }, 201),
      'GET /api/conversations': { sessions: [session] },
      'GET /api/conversations/sessions/:id': {
        session,
        messages: {
          messages: [{ ...checkIn, sessionId: 's9', sender: 'ai', messageType: 'text', emotionalTags: [], riskLevel: 'high' }],
        },
      },
    });
    await renderWithApp(
      <Routes>
        <Route path="/" element={<QuestionnairesPage />} />
        <Route path="/chat/:sessionId" element={<ChatPage />} />
      </Routes>,
    );
    await screen.findByRole('heading', { name: 'Patient Health Questionnaire (PHQ-9)' });
    expect(screen.queryByTestId('crisis-panel')).not.toBeInTheDocument();
    await answerAll(user, (i) => (i === 8 ? 'Several days' : 'Not at all'));
    await user.click(screen.getByRole('button', { name: 'See my result' }));

    const bar = await screen.findByRole('region', { name: 'Crisis support' });
    expect(within(bar).getByRole('link', { name: 'Call 717 003 717' })).toHaveAttribute('href', 'tel:717003717');
    expect(within(bar).getByRole('link', { name: 'Emergency 112' })).toHaveAttribute('href', 'tel:112');
    expect(callsTo('POST', '/api/me/questionnaires')[0]?.body).toEqual({
      instrument: 'phq9',
      answers: [0, 0, 0, 0, 0, 0, 0, 0, 1],
    });
    const result = screen.getByTestId('questionnaire-result');
    expect(result).toHaveTextContent('Thank you for telling me.');
    const reach = within(result).getByRole('region', { name: 'People you can reach now' });
    expect(reach).toHaveTextContent('Teléfono de la Esperanza');
    expect(within(reach).getByRole('link', { name: 'Call 717 003 717' })).toHaveAttribute('href', 'tel:717003717');
    expect(within(reach).getByRole('link', { name: '112' })).toHaveAttribute('href', 'tel:112');

    await user.click(within(result).getByRole('button', { name: 'Talk now' }));
    expect(callsTo('POST', '/api/conversations').map((c) => c.body)).toEqual([{ checkIn: 'r2' }]);
    // The conversation opens with the check-in question already asked: the session's first message, as the server lists it.
    const messages = await screen.findByTestId('messages');
    expect(await within(messages).findByText(/Are you thinking about ending your life\?/)).toBeInTheDocument();
    expect(callsTo('GET', '/api/conversations/sessions/s9')).toHaveLength(1);
    expect(screen.queryByTestId('questionnaire-result')).not.toBeInTheDocument();
  });

  test('a result without a crisis answer offers no “Talk now”', async () => {
    const user = userEvent.setup();
    serve({
      'GET /api/questionnaires': instruments,
      'GET /api/me/questionnaires': NO_HISTORY,
      'POST /api/me/questionnaires': () =>
        json({ response: response({ id: 'r3', instrument: 'phq9', totalScore: 3, severity: 'minimal' }) }, 201),
    });
    await renderWithApp(<QuestionnairesPage />);
    await screen.findByRole('heading', { name: 'Patient Health Questionnaire (PHQ-9)' });
    await answerAll(user, () => 'Not at all');
    await user.click(screen.getByRole('button', { name: 'See my result' }));
    const result = await screen.findByTestId('questionnaire-result');
    expect(within(result).queryByRole('button', { name: 'Talk now' })).not.toBeInTheDocument();
    expect(within(result).queryByRole('region', { name: 'People you can reach now' })).not.toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Crisis support' })).not.toBeInTheDocument();
  });

  test('does not send a questionnaire with unanswered items, and says which', async () => {
    const user = userEvent.setup();
    serve({ 'GET /api/questionnaires': instruments, 'GET /api/me/questionnaires': NO_HISTORY });
    await renderWithApp(<QuestionnairesPage />);
    await screen.findByRole('heading', { name: 'Patient Health Questionnaire (PHQ-9)' });
    const groups = screen.getAllByRole('radiogroup');
    await user.click(within(groups[0]!).getByRole('radio', { name: 'Several days' }));
    await user.click(screen.getByRole('button', { name: 'See my result' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Please answer the 8 questions that are still open.');
    expect(groups[1]).toHaveAttribute('aria-invalid', 'true');
    expect(groups[0]).not.toHaveAttribute('aria-invalid');
    expect(within(groups[1]!).getAllByRole('radio')[0]).toHaveFocus();
    expect(callsTo('POST', '/api/me/questionnaires')).toHaveLength(0);
  });

  test('shows each instrument’s history as a table and a chart, with the trend', async () => {
    serve({
      'GET /api/questionnaires': instruments,
      'GET /api/me/questionnaires': {
        responses: [
          response({ id: 'p3', instrument: 'phq9', totalScore: 8, severity: 'mild', change: -4, completedAt: '2026-11-20T09:00:00Z' }),
          response({ id: 'g1', instrument: 'gad7', totalScore: 6, severity: 'mild', completedAt: '2026-11-15T09:00:00Z' }),
          response({ id: 'p2', instrument: 'phq9', totalScore: 12, severity: 'moderate', change: -3, completedAt: '2026-11-06T09:00:00Z' }),
          response({ id: 'p1', instrument: 'phq9', totalScore: 15, severity: 'moderately_severe', completedAt: '2026-10-23T09:00:00Z' }),
        ],
        trend: { phq9: { direction: 'improving', change: -7, from: 15, to: 8, responses: 3 }, gad7: null },
      },
    });
    await renderWithApp(<QuestionnairesPage />);
    const heading = await screen.findByRole('heading', { name: 'PHQ-9 (mood)', level: 3 });
    const card = heading.closest('.card') as HTMLElement;
    expect(card).toHaveTextContent('Improving: from 15 to 8 over 3 check-ups.');
    const rows = within(card).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell').slice(1).map((c) => c.textContent))).toEqual([
      ['8 of 27', 'Mild', '-4'],
      ['12 of 27', 'Moderate', '-3'],
      ['15 of 27', 'Moderately severe', '—'],
    ]);
    const chart = within(card).getByTestId('score-chart');
    expect(chart.getAttribute('aria-label')).toMatch(/oldest first: 15, 12, 8/);
    expect(chart.querySelectorAll('circle')).toHaveLength(3);
    const gad = screen.getByRole('heading', { name: 'GAD-7 (anxiety)', level: 3 }).closest('.card') as HTMLElement;
    expect(within(gad).getAllByRole('row')).toHaveLength(2);
    await waitFor(() => expect(callsTo('GET', '/api/me/questionnaires')).toHaveLength(1));
  });
});
