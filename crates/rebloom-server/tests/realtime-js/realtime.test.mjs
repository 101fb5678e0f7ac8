// Real-time delivery with the official socket.io client, against two Rebloom
// server processes that share PostgreSQL and Redis (REBLOOM_A, REBLOOM_B).
// Run by crates/rebloom-server/tests/realtime.rs, which starts the servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

const A = process.env.REBLOOM_A;
const B = process.env.REBLOOM_B;
const PASSWORD = 'a long unusual passphrase';

async function api(base, path, { token, body, method } = {}) {
  const res = await fetch(base + path, {
    method: method ?? (body ? 'POST' : 'GET'),
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function connect(base, token, transports) {
  return io(base, { auth: token === undefined ? undefined : { token }, transports, reconnection: false, forceNew: true });
}

function once(socket, event) {
  return new Promise((resolve) => socket.once(event, resolve));
}

/** Collects `ai-response` events until the final one. */
function reply(socket) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const onError = (e) => reject(new Error(`error event: ${JSON.stringify(e)}`));
    socket.on('error', onError);
    socket.on('ai-response', function handler(ev) {
      if (ev.type === 'chunk') chunks.push(ev.text);
      else if (ev.type === 'reset') chunks.length = 0;
      else if (ev.type === 'final') {
        socket.off('ai-response', handler);
        socket.off('error', onError);
        resolve({ chunks, final: ev, at: performance.now() });
      }
    });
  });
}

test('a reply reaches the sender in chunks and the same user on another replica, not another user', async () => {
  assert.ok(A && B, 'REBLOOM_A and REBLOOM_B must be set');
  const email = `rt-${Date.now()}-${Math.random().toString(16).slice(2)}@example.org`;
  const reg = await api(A, '/api/auth/register', { body: { email, password: PASSWORD } });
  assert.equal(reg.status, 201);
  const device2 = await api(B, '/api/auth/login', { body: { email, password: PASSWORD } });
  assert.equal(device2.status, 200);
  const other = await api(A, '/api/auth/register', { body: { email: `other-${email}`, password: PASSWORD } });
  assert.equal(other.status, 201);

  const phone = connect(A, reg.json.accessToken, ['websocket']);
  const laptop = connect(B, device2.json.accessToken, ['polling']);
  const stranger = connect(A, other.json.accessToken, ['websocket']);
  await Promise.all([once(phone, 'connect'), once(laptop, 'connect'), once(stranger, 'connect')]);
  assert.equal(laptop.io.engine.transport.name, 'polling');
  assert.equal(phone.io.engine.transport.name, 'websocket');

  const started = await api(A, '/api/conversations', { token: reg.json.accessToken, body: {} });
  assert.equal(started.status, 201);
  const sessionId = started.json.sessionId;
  const joined = await phone.emitWithAck('join-session', { sessionId });
  assert.deepEqual(joined, { ok: true, sessionId });
  const notMine = await stranger.emitWithAck('join-session', { sessionId });
  assert.equal(notMine.code, 'not_found');

  const strangerUpdates = [];
  stranger.on('conversation-update', (u) => strangerUpdates.push(u));
  const phoneUpdates = [];
  phone.on('conversation-update', (u) => phoneUpdates.push(u));
  const laptopUpdate = new Promise((resolve) =>
    laptop.once('conversation-update', (u) => resolve({ u, at: Date.now() })));
  const phoneReply = reply(phone);
  phone.emit('send-message', { message: 'I feel anxious about tomorrow', sessionId });
  const { chunks, final } = await phoneReply;
  assert.ok(chunks.length >= 2, `expected a streamed reply, got ${chunks.length} chunks`);
  assert.equal(chunks.join('').trim(), final.aiResponse.content);
  assert.equal(final.message.content, 'I feel anxious about tomorrow');
  const { u, at: laptopAt } = await laptopUpdate;
  assert.equal(u.aiResponse.id, final.aiResponse.id);
  assert.equal(typeof u.serverSentAt, 'number');
  console.log(`delivery to the second device (other replica, long-polling): ${laptopAt - u.serverSentAt} ms after the server sent it`);

  // The stranger's own round trip finishes after A's update was fanned out; it saw none of it.
  const s2 = await api(A, '/api/conversations', { token: other.json.accessToken, body: {} });
  const strangerReply = reply(stranger);
  stranger.emit('send-message', { message: 'hello', sessionId: s2.json.sessionId });
  await strangerReply;
  assert.deepEqual(strangerUpdates, []);
  // The device the message came from has the turn as its final reply, not again as an update.
  assert.deepEqual(phoneUpdates, []);

  // Someone else's session is refused.
  const refused = once(stranger, 'error');
  stranger.emit('send-message', { message: 'let me in', sessionId });
  assert.equal((await refused).code, 'not_found');

  for (const s of [phone, laptop, stranger]) s.close();
});

test('a message sent over HTTP (typed or spoken) reaches the person\'s open devices on any replica', async () => {
  const email = `rt-http-${Date.now()}-${Math.random().toString(16).slice(2)}@example.org`;
  const reg = await api(A, '/api/auth/register', { body: { email, password: PASSWORD } });
  assert.equal(reg.status, 201);
  const laptop = connect(B, reg.json.accessToken, ['polling']);
  await once(laptop, 'connect');
  const started = await api(A, '/api/conversations', { token: reg.json.accessToken, body: {} });
  const update = once(laptop, 'conversation-update');
  const sent = await api(A, `/api/conversations/${reg.json.user.id}/messages`, {
    token: reg.json.accessToken,
    body: { message: 'I sent this from my phone without the app open', sessionId: started.json.sessionId },
  });
  assert.equal(sent.status, 200);
  const u = await update;
  assert.equal(u.aiResponse.id, sent.json.aiResponse.id);
  assert.equal(u.message.content, 'I sent this from my phone without the app open');
  assert.equal(typeof u.serverSentAt, 'number');
  laptop.close();
});

test('a crisis state raised by a questionnaire answer reaches the person\'s other devices on any replica', async () => {
  const email = `rt-crisis-${Date.now()}-${Math.random().toString(16).slice(2)}@example.org`;
  const reg = await api(A, '/api/auth/register', { body: { email, password: PASSWORD } });
  assert.equal(reg.status, 201);
  await api(A, '/api/me/profile', { token: reg.json.accessToken, method: 'PATCH', body: { country: 'GB' } });
  const phone = connect(B, reg.json.accessToken, ['websocket']);
  await once(phone, 'connect');
  const pushed = once(phone, 'crisis-state');
  const submitted = await api(A, '/api/me/questionnaires', {
    token: reg.json.accessToken,
    body: { instrument: 'phq9', answers: [1, 1, 1, 1, 1, 1, 1, 1, 2] },
  });
  assert.equal(submitted.status, 201);
  const state = await pushed;
  assert.equal(state.active, true);
  assert.equal(state.level, 'high');
  assert.equal(state.emergencyNumber, '999');
  assert.ok(state.resources.some((r) => r.contact.includes('116 123')), JSON.stringify(state));
  phone.close();
});

test('connections without a valid token are refused', async () => {
  for (const [token, code] of [[undefined, 'token_missing'], ['garbage', 'token_invalid']]) {
    const s = connect(A, token, ['websocket']);
    const err = await once(s, 'connect_error');
    assert.equal(err.message, code);
    s.close();
  }
});
