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
// Every HTTP message carries an Idempotency-Key and, as a client behind a load
// balancer should, is retried under it when a replica is gone (502/503 or a
// dropped connection); at the end every acknowledged message is looked up in
// its conversation: lost and duplicated ones are counted (durability).
//
// Usage: node bench/load.mjs --base http://127.0.0.1:8080 [--phases 10:120,50:300,100:120]
//          [--users 200] [--devices 10] [--stub-port 18383 [--stub-first-ms 150]] [--server-pid N[,N…]] [--json out.json]
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
const serverPids = args['server-pid'] ? String(args['server-pid']).split(',').map(Number) : [];
const stub = args['stub-port'] ? startStub(Number(args['stub-port']), { firstMs: Number(args['stub-first-ms'] ?? 150) }) : null;
const PASSWORD = 'a long unusual load-test passphrase';

const samples = new Map(); // endpoint -> ms[]
const errors = new Map(); // "endpoint status" -> count
const overhead = []; // ms of server time per AI reply (stub runs)
const delivery = []; // ms from the server's send to the other device
let completed = 0;
let phaseIndex = -1; // -1 while seeding
const phaseSamples = []; // per phase: every API request's ms
const phaseErrors = []; // per phase: status -> count
const lastRefusal = []; // per phase: seconds into it of the last refused or failed request
let phaseStarted = 0;

function record(endpoint, ms, ok, status) {
  if (ok) {
    if (!samples.has(endpoint)) samples.set(endpoint, []);
    samples.get(endpoint).push(ms);
    if (phaseIndex >= 0) (phaseSamples[phaseIndex] ??= []).push(ms);
  } else {
    const key = `${endpoint} ${status}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
    if (phaseIndex >= 0) {
      const byStatus = (phaseErrors[phaseIndex] ??= {});
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      lastRefusal[phaseIndex] = (performance.now() - phaseStarted) / 1000;
    }
  }
}

async function call(endpoint, method, path, { token, body, headers = {} } = {}) {
  const started = performance.now();
  let status = 'network';
  try {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
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
// They reconnect on their own when their replica goes away (the web app does too).
let reconnects = 0;
function connect(token) {
  return new Promise((resolve, reject) => {
    const s = io(base, { auth: { token }, transports: ['websocket'], reconnectionDelay: 200, forceNew: true });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
    s.io.on('reconnect', () => (reconnects += 1));
  });
}
for (const u of users.slice(0, deviceCount)) {
  u.sender = await connect(u.token);
  u.listener = await connect(u.token);
  const join = () => u.sender.emitWithAck('join-session', { sessionId: u.sessionId });
  await join();
  // A join still waiting when the run ends and the socket closes is of no interest.
  u.sender.io.on('reconnect', () => void join().catch(() => {}));
  u.listener.on('conversation-update', (ev) => delivery.push(Date.now() - ev.serverSentAt));
}

// 3. Server CPU and memory, once a second.
const usage = [];
const lastTicks = new Map(); // pid -> utime + stime at the previous sample
let ticks = 0; // every server's CPU time so far
function sampleServer() {
  if (!serverPids.length) return;
  let rssKiB = 0;
  for (const pid of serverPids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      const now = Number(stat[11]) + Number(stat[12]); // utime + stime
      ticks += now - (lastTicks.get(pid) ?? now);
      lastTicks.set(pid, now);
      rssKiB += Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
    } catch {
      // A server that is gone (killed on purpose in the replica run) counts no more.
    }
  }
  usage.push({ at: performance.now(), ticks, rssKiB });
}
const sampler = setInterval(sampleServer, 1000);
sampleServer();

// 4. The flows.
let marker = 0;
async function sendMessage(u) {
  const m = `${process.pid}-${++marker}`;
  const message = `Hello, I need support with anxiety (msg-${m})`;
  if (u.sender?.connected) {
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
    if (ok) acked.push({ u, message });
    if (ok && stub?.providerMs.has(m)) overhead.push(ms - stub.providerMs.get(m));
    return;
  }
  const key = `${m}-${Math.random().toString(36).slice(2)}`;
  for (let attempt = 0; attempt < 6; attempt++) {
    const res = await call('POST /api/conversations/{userId}/messages', 'POST', `/api/conversations/${u.userId}/messages`, {
      token: u.token,
      body: { message, sessionId: u.sessionId },
      headers: { 'idempotency-key': key },
    });
    if (res.ok) {
      acked.push({ u, message });
      if (attempt > 0) retriedOk += 1;
      if (stub?.providerMs.has(m)) overhead.push(res.ms - stub.providerMs.get(m));
      return;
    }
    // A replica gone mid-request, or the first attempt still claimed on one that is.
    const retryable = [502, 503, 'network'].includes(res.status) || (res.status === 409 && res.json?.code === 'request_in_progress');
    if (!retryable) return;
    await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
  }
}

async function readInsights(u) {
  await call('GET /api/users/{userId}/insights', 'GET', `/api/users/${u.userId}/insights`, { token: u.token });
}

async function loginAndMood(u) {
  const login = await call('POST /api/auth/login', 'POST', '/api/auth/login', { body: { email: u.email, password: PASSWORD } });
  const token = login.ok ? login.json.accessToken : u.token;
  await call('POST /api/me/moods', 'POST', '/api/me/moods', { token, body: { moodScore: 1 + Math.floor(Math.random() * 10) } });
}

const acked = []; // acknowledged messages, looked up at the end
let retriedOk = 0;
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

// Tells a driving script (bench/replicas.sh) that seeding is over and the load begins.
if (args.announce) writeFileSync(args.announce, String(Date.now()));
const inFlight = new Set();
const phaseReports = [];
const loadStarted = performance.now();
for (const { rate, secs } of phases) {
  phaseIndex += 1;
  const started = performance.now();
  phaseStarted = started;
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

// Durability: each acknowledged message is in its conversation exactly once.
const stored = new Map(); // user -> Map(content -> count)
for (const u of new Set(acked.map((a) => a.u))) {
  const counts = new Map();
  let before = '';
  for (;;) {
    const res = await fetch(`${base}/api/conversations/messages?sessionId=${u.sessionId}&limit=100${before}`, {
      headers: { authorization: `Bearer ${u.token}` },
    });
    if (!res.ok) throw new Error(`reading back a conversation failed: ${res.status}`);
    const page = await res.json();
    for (const msg of page.messages) if (msg.sender === 'user') counts.set(msg.content, (counts.get(msg.content) ?? 0) + 1);
    if (!page.nextCursor) break;
    before = `&before=${page.nextCursor}`;
  }
  stored.set(u, counts);
}
const durability = { acknowledged: acked.length, lost: 0, duplicates: 0, retriedThenAcknowledged: retriedOk, socketReconnects: reconnects };
for (const { u, message } of acked) {
  const n = stored.get(u).get(message) ?? 0;
  if (n === 0) durability.lost += 1;
  if (n > 1) durability.duplicates += 1;
}

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
  Object.assign(p, { requests: ms.length, p50: pct(ms, 50), p95: pct(ms, 95), p99: pct(ms, 99), errors: phaseErrors[i] ?? {}, lastRefusalSecs: lastRefusal[i] ?? null });
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
  durability,
};
const f = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–');
console.log(`arrivals ${phases.map((p) => `${p.rate}/s×${p.secs}s`).join(', ')}; ${report.requests} requests in ${f(loadSecs)} s (${f(report.throughput)}/s)`);
for (const p of phaseReports) console.log(`phase ${p.rate}/s: ${p.requests} requests, p50 ${f(p.p50)} p95 ${f(p.p95)} p99 ${f(p.p99)} ms, errors ${JSON.stringify(p.errors)}`);
for (const e of endpoints) console.log(`${e.endpoint}: n=${e.count} p50 ${f(e.p50)} p95 ${f(e.p95)} p99 ${f(e.p99)} ms, errors ${e.errors}`);
if (report.realtimeDelivery) console.log(`real-time delivery to the other device: p50 ${f(report.realtimeDelivery.p50)} p95 ${f(report.realtimeDelivery.p95)} ms (n=${report.realtimeDelivery.count})`);
if (report.serverOverheadPerReply) console.log(`server overhead per AI reply (provider excluded): p50 ${f(report.serverOverheadPerReply.p50)} p95 ${f(report.serverOverheadPerReply.p95)} ms`);
if (cpu) console.log(`server CPU mean ${f(cpu.meanPercent)}% (p95 ${f(cpu.p95Percent)}%, 200% = both cores), RSS peak ${f(cpu.peakRssMiB)} MiB`);
console.log(`errors: ${JSON.stringify(report.errors)}; message arrivals skipped (every person waiting for a reply): ${skipped}`);
console.log(`durability: ${durability.acknowledged} messages acknowledged, ${durability.lost} lost, ${durability.duplicates} duplicated (${durability.retriedThenAcknowledged} after a retry; ${reconnects} socket reconnections)`);
if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2));
process.exit(0);
