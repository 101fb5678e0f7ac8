// Conversation load: time to first chunk and server overhead per message.
//
// Usage: node bench/conversation.mjs <base-url> <concurrency> <seconds> [stub-port]
// With a stub port, this script also serves an OpenAI-compatible stub on it
// (first token after FIRST_MS, then a chunk every CHUNK_MS) and the server must
// be started with REBLOOM_OPENAI_BASE_URL=http://127.0.0.1:<stub-port>. The
// server overhead of a message is the client's total time minus the time the
// stub spent answering it (the provider's time).
import { startStub } from './stub-openai.mjs';

const [base, conc = '8', secs = '10', stubPort] = process.argv.slice(2);
const providerMs = stubPort ? startStub(Number(stubPort)).providerMs : new Map(); // request marker -> ms the stub spent

async function json(path, body, token) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

function pct(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

const ttfc = [];
const totals = [];
const overhead = [];
let errors = 0;
const deadline = performance.now() + Number(secs) * 1000;

async function worker(w) {
  const email = `bench-${Date.now()}-${w}@example.org`;
  const auth = await json('/api/auth/register', { email, password: 'a long unusual benchmark passphrase' });
  const token = auth.accessToken;
  const userId = auth.user.id;
  const { sessionId } = await json('/api/conversations', {}, token);
  let n = 0;
  while (performance.now() < deadline) {
    n += 1;
    const marker = `${w}-${n}`;
    const started = performance.now();
    try {
      const res = await fetch(`${base}/api/conversations/${userId}/messages/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ message: `Work has been stressful this week (msg-${marker})`, sessionId }),
      });
      if (!res.ok) throw new Error(String(res.status));
      let first = null;
      let text = '';
      for await (const chunk of res.body) {
        text += Buffer.from(chunk).toString();
        if (first === null && text.includes('event: chunk')) first = performance.now() - started;
      }
      const total = performance.now() - started;
      if (!text.includes('event: final')) throw new Error('no final');
      ttfc.push(first);
      totals.push(total);
      if (stubPort && providerMs.has(marker)) overhead.push(total - providerMs.get(marker));
    } catch (e) {
      errors += 1;
    }
  }
}

await Promise.all(Array.from({ length: Number(conc) }, (_, w) => worker(w)));
const fmt = (v) => v.toFixed(1);
console.log(`messages: ${totals.length}, errors: ${errors}, concurrency ${conc}, ${secs} s, ${fmt(totals.length / Number(secs))} msg/s`);
console.log(`time to first chunk ms: p50 ${fmt(pct(ttfc, 50))}, p95 ${fmt(pct(ttfc, 95))}`);
console.log(`total per message ms: p50 ${fmt(pct(totals, 50))}, p95 ${fmt(pct(totals, 95))}`);
if (stubPort) console.log(`server overhead per message (provider time excluded) ms: p50 ${fmt(pct(overhead, 50))}, p95 ${fmt(pct(overhead, 95))} (n=${overhead.length})`);
process.exit(0);
