import { addTurn, type Shown } from './ChatPage';
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

// The crisis bar and its updates from turns: src/app/crisis.test.tsx.
