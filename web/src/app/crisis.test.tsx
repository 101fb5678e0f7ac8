// The crisis bar and "Get help now" in the signed-in frame and on the sign-in
// page, on the shared fake server, with a stand-in for the live connection.
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { Route } from 'react-router';
import type { QueryClient } from '@tanstack/react-query';
import { setTokens, type Schemas } from '../api/client';
import { callsTo, on, resetNetwork, type Handler } from '../test/network';
import { renderRoutes, USER } from '../test/render';
import { crisisKey } from './crisis';
import { Layout } from './Layout';
import { AuthPage } from '../features/auth/AuthPage';
import { ChatPage } from '../features/chat/ChatPage';
import { SettingsPage } from '../features/settings/pages';

// The live connection: events "from the server" are handed to the listeners.
const socket = vi.hoisted(() => {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  return {
    connected: false,
    on(event: string, fn: (payload: unknown) => void) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(fn);
    },
    off(event: string, fn: (payload: unknown) => void) {
      listeners.get(event)?.delete(fn);
    },
    emit() {},
    emitWithAck: async () => ({}),
    connect() {},
    serverSends(event: string, payload: unknown) {
      listeners.get(event)?.forEach((fn) => fn(payload));
    },
  };
});
vi.mock('../features/chat/socket', () => ({ useSocket: () => ({ socket, connected: false }) }));

type Crisis = Schemas['CrisisStateView'];

const US_LINES = [
  { name: '988 Suicide & Crisis Lifeline', contact: 'call or text 988', hours: '24/7' },
  { name: 'Crisis Text Line', contact: 'text HOME to 741741', hours: '24/7' },
];
const CALM_US: Crisis = { active: false, categories: [], country: 'US', emergencyNumber: '911', resources: US_LINES };
const ACTIVE_US: Crisis = {
  ...CALM_US,
  active: true,
  level: 'high',
  categories: ['suicidal_ideation'],
  since: '2026-11-25T10:00:00Z',
  until: '2026-11-25T22:00:00Z',
};
const ACTIVE_GB: Crisis = {
  active: true,
  level: 'critical',
  categories: ['suicidal_ideation'],
  country: 'GB',
  emergencyNumber: '999',
  resources: [
    { name: 'Samaritans', contact: 'call 116 123', hours: '24/7' },
    { name: 'Shout', contact: 'text SHOUT to 85258', hours: '24/7' },
  ],
};
const ACTIVE_DE: Crisis = {
  active: true,
  level: 'high',
  categories: ['suicidal_ideation'],
  country: 'DE',
  emergencyNumber: '112',
  resources: [{ name: 'TelefonSeelsorge', contact: 'call 0800 111 0 111 or 0800 111 0 222', hours: '24/7' }],
};

const PROFILE = {
  displayName: 'Sam',
  country: 'US',
  language: 'en',
  timezone: 'America/New_York',
  goals: [],
  onboardingCompleted: true,
  updatedAt: '2026-03-01T10:00:00Z',
  therapeuticPreferences: { approach: 'cbt', secondaryApproaches: [] },
  communicationPreferences: { tone: 'gentle', replyLength: 'short', useName: true },
  privacySettings: { memoryEnabled: true, storeVoiceRecordings: false, analyticsOptIn: false },
};

function serve(table: Record<string, Handler | object>) {
  resetNetwork();
  for (const [key, handler] of Object.entries(table).reverse()) {
    const [method = 'GET', path = '/'] = key.split(' ');
    on(method, path, typeof handler === 'function' ? (handler as Handler) : () => handler);
  }
}

function signedIn(routes: Record<string, Handler | object>) {
  setTokens({ accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 3600, user: USER });
  serve({
    'GET /api/me': USER,
    'GET /api/me/profile': PROFILE,
    'GET /api/conversations': { sessions: [] },
    'GET /api/me/safety-plan': { copingStrategies: ['Call my sister'], peopleToAsk: [], reasonsForLiving: [] },
    ...routes,
  });
}

function renderApp(url = '/chat') {
  return renderRoutes(
    <>
      <Route path="/login" element={<AuthPage mode="login" />} />
      <Route element={<Layout />}>
        <Route path="/chat" element={<ChatPage />} />
        <Route path="/chat/:sessionId" element={<ChatPage />} />
        <Route path="/settings" element={<SettingsPage />} />
      </Route>
    </>,
    url,
  );
}

const bar = () => screen.findByRole('region', { name: 'Crisis support' });

/** Waits until the crisis state read from the server has been applied (not only asked for). */
async function settled(queries: QueryClient) {
  await waitFor(() => expect(queries.getQueryState(crisisKey)?.status).toBe('success'));
}

function turn(crisis: Crisis): Schemas['TurnResult'] {
  const id = crypto.randomUUID();
  return {
    sessionId: 's1',
    crisis,
    message: {
      id: `m-${id}`, sessionId: 's1', sender: 'user', content: 'hello', messageType: 'text',
      emotionalTags: [], riskLevel: 'high', createdAt: '2026-11-25T10:00:00Z',
    },
    aiResponse: {
      id: `a-${id}`, content: 'I am here with you.', provider: 'safety', createdAt: '2026-11-25T10:00:01Z',
      safety: { riskLevel: 'high', categories: ['suicidal_ideation'], resources: [], urgeEmergencyServices: false, offerSafetyPlan: true },
    },
  };
}

afterEach(() => {
  cleanup();
  setTokens(null);
});

describe('the crisis bar', () => {
  test('shows the server’s crisis state as one line of links, opening to the full panel', async () => {
    signedIn({ 'GET /api/me/crisis': ACTIVE_US });
    const { user } = renderApp();
    const region = await bar();
    expect(within(region).getByRole('link', { name: 'Call 988' })).toHaveAttribute('href', 'tel:988');
    expect(within(region).getByRole('link', { name: 'Text 741741' })).toHaveAttribute('href', 'sms:741741?&body=HOME');
    expect(within(region).getByRole('link', { name: 'Emergency 911' })).toHaveAttribute('href', 'tel:911');
    expect(region).toHaveTextContent('Call 988 · Text 741741 · Emergency 911');

    const more = within(region).getByRole('button', { name: 'More help' });
    expect(more).toHaveAttribute('aria-expanded', 'false');
    await user.click(more);
    expect(more).toHaveAttribute('aria-expanded', 'true');
    const details = document.getElementById(more.getAttribute('aria-controls')!)!;
    expect(details).toBeVisible();
    expect(within(details).getByRole('link', { name: 'Text 988' })).toHaveAttribute('href', 'sms:988');
    expect(within(details).getByRole('link', { name: 'Text HOME to 741741' })).toBeInTheDocument();
    expect(within(details).getByRole('link', { name: '911' })).toHaveAttribute('href', 'tel:911');
    expect(details).toHaveTextContent('Crisis Text Line');
    expect(details).toHaveTextContent('(24/7)');
    expect(details).toHaveTextContent('I’m still here with you.');
    expect(within(details).getByRole('link', { name: 'Open my safety plan' })).toHaveAttribute('href', '/safety-plan');
    expect(await within(details).findByText('Call my sister')).toBeInTheDocument();
    // Escape closes it again, back on the button.
    await user.keyboard('{Escape}');
    expect(more).toHaveAttribute('aria-expanded', 'false');
    expect(more).toHaveFocus();
    expect(callsTo('GET', '/api/me/crisis')).toHaveLength(1);
  });

  test('is not shown while the state is not active', async () => {
    signedIn({ 'GET /api/me/crisis': CALM_US });
    const { queries } = renderApp();
    await settled(queries);
    expect(await screen.findByRole('heading', { level: 1, name: 'Talk' })).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Crisis support' })).not.toBeInTheDocument();
  });

  test('comes with a turn', async () => {
    signedIn({
      'GET /api/me/crisis': CALM_US,
      'POST /api/conversations': {
        sessionId: 's1',
        session: { id: 's1', messageCount: 0, sessionType: 'general', startedAt: '2026-11-25T10:00:00Z' },
      },
      'POST /api/conversations/:userId/messages': () => turn(ACTIVE_US),
    });
    const { user, queries } = renderApp();
    await settled(queries);
    expect(screen.queryByRole('region', { name: 'Crisis support' })).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('Your message'), 'I can’t go on');
    await user.click(screen.getByRole('button', { name: 'Send' }));
    const region = await bar();
    expect(within(region).getByRole('link', { name: 'Call 988' })).toBeInTheDocument();
    expect(within(screen.getByTestId('messages')).getByText('I am here with you.')).toBeInTheDocument();
  });

  test('appears when the server pushes a crisis state, and goes when it ends', async () => {
    signedIn({ 'GET /api/me/crisis': CALM_US });
    const { queries } = renderApp();
    await settled(queries);
    expect(screen.queryByRole('region', { name: 'Crisis support' })).not.toBeInTheDocument();

    act(() => socket.serverSends('crisis-state', ACTIVE_GB));
    const region = await bar();
    expect(within(region).getByRole('link', { name: 'Call 116 123' })).toHaveAttribute('href', 'tel:116123');
    expect(within(region).getByRole('link', { name: 'Text 85258' })).toHaveAttribute('href', 'sms:85258?&body=SHOUT');
    expect(within(region).getByRole('link', { name: 'Emergency 999' })).toHaveAttribute('href', 'tel:999');

    // A turn on another device that ends the episode.
    act(() => socket.serverSends('conversation-update', turn({ ...ACTIVE_GB, active: false, level: null })));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Crisis support' })).not.toBeInTheDocument());
  });

  test('is read again when the profile’s country changes', async () => {
    let country = 'US';
    signedIn({
      'GET /api/me/crisis': () => (country === 'DE' ? ACTIVE_DE : ACTIVE_US),
      'PATCH /api/me/profile': (call) => {
        country = (call.body as { country: string }).country;
        return { ...PROFILE, country };
      },
    });
    const { user } = renderApp('/settings');
    expect(within(await bar()).getByRole('link', { name: 'Call 988' })).toBeInTheDocument();
    const section = await screen.findByRole('region', { name: 'Profile' });
    await user.selectOptions(within(section).getByLabelText('Country'), 'DE');
    await user.click(within(section).getByRole('button', { name: 'Save profile' }));
    await waitFor(() => expect(callsTo('GET', '/api/me/crisis')).toHaveLength(2));
    const region = await bar();
    expect(await within(region).findByRole('link', { name: 'Call 0800 111 0 111' })).toHaveAttribute('href', 'tel:08001110111');
    expect(within(region).getByRole('link', { name: 'Emergency 112' })).toBeInTheDocument();
    expect(within(region).queryByRole('link', { name: 'Call 988' })).not.toBeInTheDocument();
  });
});

describe('Get help now', () => {
  test('signed out: the lines of the browser’s country, another country, and Escape to close', async () => {
    serve({
      'GET /api/safety/resources': (call) =>
        call.query.get('country') === 'US'
          ? { country: 'US', emergencyNumber: '911', lines: US_LINES }
          : {
              country: null,
              emergencyNumber: null,
              lines: [{ name: 'Find A Helpline', contact: 'findahelpline.com', hours: 'directory of free, confidential crisis lines' }],
            },
    });
    const { user } = renderApp('/login');
    const button = await screen.findByRole('button', { name: 'Get help now' });
    await user.click(button);
    const dialog = screen.getByRole('dialog', { name: 'Get help now' });
    expect(within(dialog).getByRole('heading', { name: 'Get help now' })).toHaveFocus();
    // jsdom's navigator.language is en-US.
    expect(within(dialog).getByLabelText('Country')).toHaveValue('US');
    expect(await within(dialog).findByRole('link', { name: 'Call 988' })).toHaveAttribute('href', 'tel:988');
    expect(within(dialog).getByRole('link', { name: 'Text HOME to 741741' })).toHaveAttribute('href', 'sms:741741?&body=HOME');
    expect(within(dialog).getByRole('link', { name: '911' })).toHaveAttribute('href', 'tel:911');
    expect(callsTo('GET', '/api/safety/resources')[0]?.query.get('country')).toBe('US');

    await user.selectOptions(within(dialog).getByLabelText('Country'), '');
    expect(await within(dialog).findByRole('link', { name: 'findahelpline.com' })).toHaveAttribute('href', 'https://findahelpline.com');
    expect(dialog).toHaveTextContent('call your local emergency number');
    expect(callsTo('GET', '/api/safety/resources')[1]?.query.has('country')).toBe(false);
    expect(callsTo('GET', '/api/me/crisis')).toHaveLength(0);

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(button).toHaveFocus();
  });

  test('signed in: the person’s own lines, with or without a crisis', async () => {
    signedIn({ 'GET /api/me/crisis': { ...CALM_US, country: 'GB', emergencyNumber: '999', resources: ACTIVE_GB.resources } });
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: 'Get help now' }));
    const dialog = screen.getByRole('dialog', { name: 'Get help now' });
    expect(await within(dialog).findByRole('link', { name: 'Call 116 123' })).toHaveAttribute('href', 'tel:116123');
    expect(within(dialog).getByRole('link', { name: '999' })).toHaveAttribute('href', 'tel:999');
    expect(within(dialog).queryByLabelText('Country')).not.toBeInTheDocument();
    expect(callsTo('GET', '/api/safety/resources')).toHaveLength(0);
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});
