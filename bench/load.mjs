// The architecture's load scenario (section 11.2) as an open model: virtual
// users arrive at a fixed rate per phase (default 10/s for 2 min, 50/s for
// 5 min, 100/s for 2 min), each runs one flow and leaves: 70% send a message
// in their session, 20% read their insights, 10% log in and record a mood.
// The people are registered first (the architecture's test-users.csv). A few
// of them also hold a second device over Socket.IO, whose message arrivals go
// over the socket: the other device's `conversation-update` gives the
// real-time delivery time. With a stub provider (--stub-port) the server's
// own time per AI reply is the request's time minus the stub's.
//
// Usage: node bench/load.mjs --base http://127.0.0.1:8080 [--phases 10:120,50:300,100:120]
//          [--users 200] [--devices 10] [--stub-port 18383] [--server-pid N] [--json out.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { io } from 'socket.io-client';
import { startStub } from './stub-openai.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const base = args.base ?? 'http://127.0.0.1:8080';
const phases = (args.phases ?? '10:120,50:300,100:120').split(',').map((p) => {
  const [rate, secs] = p.split(':').map(Number);
  return { rate, secs };
});
const userCount = Number(args.users ?? 200);
const deviceCount = Number(args.devices ?? 10);
const serverPid = args['server-pid'] ? Number(args['server-pid']) : null;
const stub = args['stub-port'] ? startStub(Number(args['stub-port'])) : null;
const PASSWORD = 'a long unusual load-test passphrase';

const samples = new Map(); // endpoint -> ms[]
const errors = new Map(); // "endpoint status" -> count
const overhead = []; // ms of server time per AI reply (stub runs)
const delivery = []; // ms from the server's send to the other device
let completed = 0;
let phaseIndex = -1; // -1 while seeding
const phaseSamples = []; // per phase: every API request's ms

function record(endpoint, ms, ok, status) {
  if (ok) {
    if (!samples.has(endpoint)) samples.set(endpoint, []);
    samples.get(endpoint).push(ms);
    if (phaseIndex >= 0) (phaseSamples[phaseIndex] ??= []).push(ms);
  } else {
    const key = `${endpoint} ${status}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  }
}

async function call(endpoint, method, path, { token, body } = {}) {
  const started = performance.now();
  let status = 'network';
  try {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    status = res.status;
    const text = await res.text();
    const ms = performance.now() - started;
    record(endpoint, ms, res.ok, status);
    return { ok: res.ok, status, ms, json: text ? JSON.parse(text) : null };
  } catch {
    record(endpoint, performance.now() - started, false, status);
    return { ok: false, status, ms: performance.now() - started, json: null };
  }
}

// 1. The people (registration is deliberately slow: Argon2id), each with a session.
const users = [];
const seedStarted = performance.now();
for (let i = 0; i < userCount; i += 8) {
  await Promise.all(
    Array.from({ length: Math.min(8, userCount - i) }, async (_, j) => {
      const email = `load-${Date.now()}-${i + j}@example.org`;
      const reg = await call('seed register', 'POST', '/api/auth/register', { body: { email, password: PASSWORD } });
      if (!reg.ok) throw new Error(`registering failed: ${reg.status}`);
      const token = reg.json.accessToken;
      const started = await call('seed session', 'POST', '/api/conversations', { token, body: {} });
      users.push({ email, token, userId: reg.json.user.id, sessionId: started.json.sessionId });
    }),
  );
}
samples.delete('seed register');
samples.delete('seed session');
const seedSecs = (performance.now() - seedStarted) / 1000;

// 2. Second devices for the first few people.
function connect(token) {
  return new Promise((resolve, reject) => {
    const s = io(base, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}
for (const u of users.slice(0, deviceCount)) {
  u.sender = await connect(u.token);
  u.listener = await connect(u.token);
  await u.sender.emitWithAck('join-session', { sessionId: u.sessionId });
  u.listener.on('conversation-update', (ev) => delivery.push(Date.now() - ev.serverSentAt));
}

// 3. Server CPU and memory, once a second.
const usage = [];
function sampleServer() {
  if (!serverPid) return;
  try {
    const stat = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
    const rssKiB = Number(readFileSync(`/proc/${serverPid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
    usage.push({ at: performance.now(), ticks, rssKiB });
  } catch {
    // The server is gone: the report says so through errors.
  }
}
const sampler = setInterval(sampleServer, 1000);
sampleServer();

// 4. The flows.
let marker = 0;
async function sendMessage(u) {
  const m = `${process.pid}-${++marker}`;
  const message = `Hello, I need support with anxiety (msg-${m})`;
  if (u.sender) {
    const started = performance.now();
    const done = new Promise((resolve) => {
      const onAi = (ev) => {
        if (ev.type === 'final' && ev.message?.content === message) {
          u.sender.off('ai-response', onAi);
          resolve(true);
        }
      };
      u.sender.on('ai-response', onAi);
      setTimeout(() => {
        u.sender.off('ai-response', onAi);
        resolve(false);
      }, 30_000);
    });
    u.sender.emit('send-message', { message, sessionId: u.sessionId });
    const ok = await done;
    const ms = performance.now() - started;
    record('socket send-message', ms, ok, 'timeout');
    if (ok && stub?.providerMs.has(m)) overhead.push(ms - stub.providerMs.get(m));
    return;
  }
  const res = await call('POST /api/conversations/{userId}/messages', 'POST', `/api/conversations/${u.userId}/messages`, {
    token: u.token,
    body: { message, sessionId: u.sessionId },
  });
  if (res.ok && stub?.providerMs.has(m)) overhead.push(res.ms - stub.providerMs.get(m));
}

async function readInsights(u) {
  await call('GET /api/users/{userId}/insights', 'GET', `/api/users/${u.userId}/insights`, { token: u.token });
}

async function loginAndMood(u) {
  const login = await call('POST /api/auth/login', 'POST', '/api/auth/login', { body: { email: u.email, password: PASSWORD } });
  const token = login.ok ? login.json.accessToken : u.token;
  await call('POST /api/me/moods', 'POST', '/api/me/moods', { token, body: { moodScore: 1 + Math.floor(Math.random() * 10) } });
}

let skipped = 0;
async function arrival() {
  const roll = Math.random();
  if (roll < 0.7) {
    // One turn at a time per conversation (the server answers 409 to a second
    // one): a person whose reply is still coming does not send again.
    const free = users.filter((u) => !u.busy);
    if (!free.length) {
      skipped += 1;
      return;
    }
    const u = free[Math.floor(Math.random() * free.length)];
    u.busy = true;
    try {
      await sendMessage(u);
    } finally {
      u.busy = false;
    }
  } else {
    const u = users[Math.floor(Math.random() * users.length)];
    if (roll < 0.9) await readInsights(u);
    else await loginAndMood(u);
  }
  completed += 1;
}

const inFlight = new Set();
const phaseReports = [];
const loadStarted = performance.now();
for (const { rate, secs } of phases) {
  phaseIndex += 1;
  const started = performance.now();
  const before = completed;
  const total = rate * secs;
  for (let i = 0; i < total; i++) {
    // Arrivals on a fixed schedule (an open model: slow answers do not slow arrivals).
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const p = arrival();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  phaseReports.push({ rate, secs, arrivals: total, completedDuring: completed - before });
}
// Requests still running when the last arrival came count in the last phase.
await Promise.all(inFlight);
const loadSecs = (performance.now() - loadStarted) / 1000;
clearInterval(sampler);
sampleServer();
for (const u of users) {
  u.sender?.close();
  u.listener?.close();
}
stub?.close();

// 5. The report.
const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const endpoints = [...samples.entries()].map(([endpoint, ms]) => ({
  endpoint,
  count: ms.length,
  p50: pct(ms, 50),
  p95: pct(ms, 95),
  p99: pct(ms, 99),
  errors: [...errors.entries()].filter(([k]) => k.startsWith(`${endpoint} `)).reduce((n, [, c]) => n + c, 0),
}));
const clk = 100; // USER_HZ
let cpu = null;
if (usage.length > 1) {
  const perSecond = usage.slice(1).map((u, i) => ((u.ticks - usage[i].ticks) / clk / ((u.at - usage[i].at) / 1000)) * 100);
  cpu = {
    meanPercent: ((usage.at(-1).ticks - usage[0].ticks) / clk / ((usage.at(-1).at - usage[0].at) / 1000)) * 100,
    p95Percent: pct(perSecond, 95),
    peakRssMiB: Math.max(...usage.map((u) => u.rssKiB)) / 1024,
    endRssMiB: usage.at(-1).rssKiB / 1024,
  };
}
phaseReports.forEach((p, i) => {
  const ms = phaseSamples[i] ?? [];
  Object.assign(p, { requests: ms.length, p50: pct(ms, 50), p95: pct(ms, 95), p99: pct(ms, 99) });
});
const report = {
  base,
  phases: phaseReports,
  users: userCount,
  seedSecs,
  loadSecs,
  requests: endpoints.reduce((n, e) => n + e.count, 0),
  throughput: endpoints.reduce((n, e) => n + e.count, 0) / loadSecs,
  errors: Object.fromEntries(errors),
  skippedArrivals: skipped,
  endpoints,
  realtimeDelivery: delivery.length ? { count: delivery.length, p50: pct(delivery, 50), p95: pct(delivery, 95), p99: pct(delivery, 99) } : null,
  serverOverheadPerReply: overhead.length ? { count: overhead.length, p50: pct(overhead, 50), p95: pct(overhead, 95), p99: pct(overhead, 99) } : null,
  server: cpu,
};
const f = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–');
console.log(`arrivals ${phases.map((p) => `${p.rate}/s×${p.secs}s`).join(', ')}; ${report.requests} requests in ${f(loadSecs)} s (${f(report.throughput)}/s)`);
for (const p of phaseReports) console.log(`phase ${p.rate}/s: ${p.requests} requests, p50 ${f(p.p50)} p95 ${f(p.p95)} p99 ${f(p.p99)} ms`);
for (const e of endpoints) console.log(`${e.endpoint}: n=${e.count} p50 ${f(e.p50)} p95 ${f(e.p95)} p99 ${f(e.p99)} ms, errors ${e.errors}`);
if (report.realtimeDelivery) console.log(`real-time delivery to the other device: p50 ${f(report.realtimeDelivery.p50)} p95 ${f(report.realtimeDelivery.p95)} ms (n=${report.realtimeDelivery.count})`);
if (report.serverOverheadPerReply) console.log(`server overhead per AI reply (provider excluded): p50 ${f(report.serverOverheadPerReply.p50)} p95 ${f(report.serverOverheadPerReply.p95)} ms`);
if (cpu) console.log(`server CPU mean ${f(cpu.meanPercent)}% (p95 ${f(cpu.p95Percent)}%, 200% = both cores), RSS peak ${f(cpu.peakRssMiB)} MiB`);
console.log(`errors: ${JSON.stringify(report.errors)}; message arrivals skipped (every person waiting for a reply): ${skipped}`);
if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2));
process.exit(0);
