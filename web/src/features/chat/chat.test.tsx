import { act, cleanup, screen, within } from '@testing-library/react';
import { Route } from 'react-router';
import { setTokens } from '../../api/client';
import i18n from '../../i18n';
import { callsTo, on, resetNetwork, type Handler } from '../../test/network';
import { renderRoutes, USER } from '../../test/render';
import { addTurn, ChatPage, type Shown } from './ChatPage';
import { encodeWav, resample } from './recorder';

const turn = {
  sessionId: 's1',
  message: {
    id: 'u1', sessionId: 's1', sender: 'user', content: 'hello', messageType: 'text',
    emotionalTags: [], riskLevel: 'none', createdAt: '2026-11-25T10:00:00Z',
  },
  aiResponse: {
    id: 'a1', content: 'Hi, I am here.', provider: 'guided', createdAt: '2026-11-25T10:00:01Z',
    safety: { riskLevel: 'none', categories: [], resources: [], urgeEmergencyServices: false, offerSafetyPlan: false },
    exercise: { kind: 'breathing', step: 'round2', stepNumber: 3, totalSteps: 4, completed: false },
  },
  crisis: { active: false, categories: [], resources: [] },
};

test('a finished turn replaces the pending message, once however often it arrives', () => {
  const pending: Shown[] = [
    { id: 'old', sender: 'ai', content: 'earlier' },
    { id: 'pending-1', sender: 'user', content: 'hello', pending: true },
  ];
  const once = addTurn(pending, turn);
  expect(once.map((m) => m.id)).toEqual(['old', 'u1', 'a1']);
  expect(once[2].exercise?.stepNumber).toBe(3);
  // The same turn again (e.g. the final event and another device's update) changes nothing.
  expect(addTurn(once, turn)).toEqual(once);
});

test('voice is encoded as 16-bit mono WAV at the requested rate', async () => {
  const samples = resample(new Float32Array(48_000).fill(0.5), 48_000, 16_000);
  expect(samples.length).toBe(16_000);
  expect(samples[100]).toBeCloseTo(0.5);
  const wav = encodeWav(samples, 16_000);
  const bytes = new DataView(await wav.arrayBuffer());
  const text = (at: number) => String.fromCharCode(...[0, 1, 2, 3].map((i) => bytes.getUint8(at + i)));
  expect(text(0)).toBe('RIFF');
  expect(text(8)).toBe('WAVE');
  expect(bytes.getUint16(22, true)).toBe(1);
  expect(bytes.getUint32(24, true)).toBe(16_000);
  expect(bytes.getUint32(40, true)).toBe(32_000);
  expect(bytes.getInt16(44 + 200, true)).toBe(Math.trunc(0.5 * 0x7fff));
});

// The chat screen on the shared fake server, signed in, without the live
// connection (messages go over HTTP, as they do while it reconnects).
describe('starters', () => {
  const SESSION = { id: 's1', messageCount: 0, sessionType: 'general', startedAt: '2026-11-25T10:00:00Z' };
  const STARTERS_EN = ['I’m stressed', 'Help me calm down', 'I want to talk something through', 'Try an exercise'];

  function signedIn(language: string, routes: Record<string, Handler | object> = {}) {
    setTokens({ accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 3600, user: USER });
    resetNetwork();
    const table: Record<string, Handler | object> = {
      'GET /api/me': USER,
      'GET /api/me/profile': { displayName: 'Sam', language, onboardingCompleted: true, updatedAt: '2026-03-01T10:00:00Z' },
      'GET /api/conversations': { sessions: [] },
      ...routes,
    };
    for (const [key, handler] of Object.entries(table)) {
      const [method = 'GET', path = '/'] = key.split(' ');
      on(method, path, typeof handler === 'function' ? (handler as Handler) : () => handler);
    }
  }

  function renderChat(url = '/chat') {
    return renderRoutes(
      <>
        <Route path="/chat" element={<ChatPage />} />
        <Route path="/chat/:sessionId" element={<ChatPage />} />
      </>,
      url,
    );
  }

  afterEach(async () => {
    cleanup();
    setTokens(null);
    await i18n.changeLanguage('en');
  });

  test('with no conversation yet, four starters; one tap sends its words as the first message', async () => {
    signedIn('en', {
      'POST /api/conversations': { sessionId: 's1', session: SESSION },
      'POST /api/conversations/:userId/messages': (call) => {
        const { message } = call.body as { message: string };
        return { ...turn, message: { ...turn.message, content: message } };
      },
    });
    const { user } = renderChat();
    const group = await screen.findByRole('group', { name: 'Ways to start' });
    expect(within(group).getAllByRole('button').map((b) => b.textContent)).toEqual(STARTERS_EN);

    await user.click(within(group).getByRole('button', { name: 'Help me calm down' }));
    const messages = screen.getByTestId('messages');
    expect(await within(messages).findByText('Hi, I am here.')).toBeInTheDocument();
    expect(within(messages).getByText('Help me calm down')).toBeInTheDocument();
    // As typing it and pressing Send would: a new conversation, then the message in it.
    expect(callsTo('POST', '/api/conversations').map((c) => c.body)).toEqual([{}]);
    expect(callsTo('POST', '/api/conversations/u1/messages').map((c) => c.body)).toEqual([
      { message: 'Help me calm down', sessionId: 's1' },
    ]);
    expect(screen.queryByRole('group', { name: 'Ways to start' })).not.toBeInTheDocument();
  });

  test('speak Spanish, in a conversation with no messages yet', async () => {
    await i18n.changeLanguage('es');
    signedIn('es', {
      'GET /api/conversations/sessions/:id': { session: SESSION, messages: { messages: [] } },
    });
    renderChat('/chat/s1');
    const group = await screen.findByRole('group', { name: 'Formas de empezar' });
    expect(within(group).getAllByRole('button').map((b) => b.textContent)).toEqual([
      'Tengo mucho estrés',
      'Ayúdame a calmarme',
      'Quiero hablar de algo',
      'Probar un ejercicio',
    ]);
  });

  test('are not offered once the conversation has a message', async () => {
    signedIn('en', {
      'GET /api/conversations/sessions/:id': { session: { ...SESSION, messageCount: 1 }, messages: { messages: [turn.message] } },
    });
    renderChat('/chat/s1');
    expect(await within(screen.getByTestId('messages')).findByText('hello')).toBeInTheDocument();
    expect(screen.queryByRole('group', { name: 'Ways to start' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Help me calm down' })).not.toBeInTheDocument();
  });

  // "Talk" (/chat) goes back to the latest conversation while it is open.
  const OPEN = { ...SESSION, messageCount: 1, lastMessageAt: '2026-11-25T10:00:00Z' };
  const OLDER = { ...SESSION, id: 's0', startedAt: '2026-11-24T10:00:00Z', endedAt: '2026-11-24T10:30:00Z' };

  test('"Talk" resumes the latest conversation while it is open', async () => {
    signedIn('en', {
      'GET /api/conversations': { sessions: [OPEN, OLDER] },
      'GET /api/conversations/sessions/:id': { session: OPEN, messages: { messages: [turn.message] } },
    });
    renderChat('/chat');
    expect(await within(screen.getByTestId('messages')).findByText('hello')).toBeInTheDocument();
    expect(callsTo('GET', '/api/conversations/sessions/s1')).toHaveLength(1);
    // Its entry in the history is the one shown.
    expect(screen.getAllByRole('button', { current: true })).toHaveLength(1);
    expect(screen.queryByRole('group', { name: 'Ways to start' })).not.toBeInTheDocument();
  });

  test('"Talk" opens a new conversation when the latest one has ended', async () => {
    signedIn('en', {
      'GET /api/conversations': { sessions: [{ ...OPEN, endedAt: '2026-11-25T10:30:00Z' }, OLDER] },
    });
    renderChat('/chat');
    expect(await screen.findByRole('group', { name: 'Ways to start' })).toBeInTheDocument();
    // The list has been read (the history shows it) and nothing was opened.
    expect(await screen.findAllByText('1 message')).toHaveLength(1);
    expect(callsTo('GET', '/api/conversations/sessions/s1')).toHaveLength(0);
    expect(within(screen.getByTestId('messages')).queryByText('hello')).not.toBeInTheDocument();
  });

  test('"New conversation" from an open one stays new', async () => {
    signedIn('en', {
      'GET /api/conversations': { sessions: [OPEN, OLDER] },
      'GET /api/conversations/sessions/:id': { session: OPEN, messages: { messages: [turn.message] } },
    });
    const { user, queries } = renderChat('/chat/s1');
    const messages = screen.getByTestId('messages');
    expect(await within(messages).findByText('hello')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'New conversation' }));
    expect(await screen.findByRole('group', { name: 'Ways to start' })).toBeInTheDocument();
    expect(within(messages).queryByText('hello')).not.toBeInTheDocument();
    // Still new once the list has been read again.
    await act(() => queries.refetchQueries({ queryKey: ['sessions'] }));
    expect(screen.getByRole('group', { name: 'Ways to start' })).toBeInTheDocument();
    expect(callsTo('GET', '/api/conversations/sessions/s1')).toHaveLength(1);
    expect(screen.queryByRole('button', { current: true })).not.toBeInTheDocument();
  });
});

// The crisis bar and its updates from turns: src/app/crisis.test.tsx.
