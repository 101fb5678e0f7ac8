import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { addTurn, highestRisk, type Shown } from './ChatPage';
import { setTokens } from '../../api/client';
import { encodeWav, resample } from './recorder';
import { CrisisProvider, useCrisis } from '../../app/crisis';
import { SessionProvider } from '../../app/session';
import { CrisisPanel } from '../../components/CrisisPanel';

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

function Reporter({ level }: { level: string }) {
  const { report } = useCrisis();
  return (
    <button
      type="button"
      onClick={() =>
        report({
          riskLevel: level,
          categories: ['suicidal_ideation'],
          emergencyNumber: '112',
          resources: [{ name: 'Línea 024', contact: 'call 024', hours: '24/7' }],
          urgeEmergencyServices: false,
          offerSafetyPlan: true,
        })
      }
    >
      reply
    </button>
  );
}

test('the crisis panel appears at high risk with the resources given, and not below', async () => {
  vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (req.url.endsWith('/api/me/safety-plan')) return json({ copingStrategies: ['Call my sister'] });
    return json({ type: 'https://rebloom.example/problems/not_found', title: 'Not found', status: 404, code: 'not_found' }, 404);
  }));
  // Signed in: the panel shows the person's own safety plan.
  setTokens({
    accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 3600,
    user: { id: 'u', email: 'sam@example.org', role: 'user', createdAt: '2026-11-25T10:00:00Z', onboardingCompleted: true, subscriptionTier: 'free' },
  });
  const user = userEvent.setup();
  const view = (level: string) => (
    <QueryClientProvider client={new QueryClient()}>
      <MemoryRouter>
        <SessionProvider>
          <CrisisProvider>
            <CrisisPanel />
            <Reporter level={level} />
          </CrisisProvider>
        </SessionProvider>
      </MemoryRouter>
    </QueryClientProvider>
  );
  const { unmount } = render(view('moderate'));
  await user.click(screen.getByRole('button', { name: 'reply' }));
  expect(screen.queryByTestId('crisis-panel')).toBeNull();
  unmount();
  render(view('high'));
  await user.click(screen.getByRole('button', { name: 'reply' }));
  const panel = screen.getByTestId('crisis-panel');
  expect(panel).toHaveTextContent('call 024');
  expect(panel).toHaveTextContent('112');
  expect(await screen.findByText('Call my sister')).toBeInTheDocument();
  await user.click(screen.getByRole('button', { name: 'Minimise' }));
  expect(screen.getByRole('button', { name: 'Crisis support' })).toBeInTheDocument();
  setTokens(null);
  vi.unstubAllGlobals();
});

test('the highest risk among the latest messages decides, whoever sent it', () => {
  const m = (riskLevel: string, sender = 'ai') => ({ ...turn.message, sender, riskLevel });
  expect(highestRisk([m('none'), m('high', 'user'), m('low')])).toBe('high');
  expect(highestRisk([m('moderate'), m('critical')])).toBe('critical');
  expect(highestRisk([])).toBe('none');
});
