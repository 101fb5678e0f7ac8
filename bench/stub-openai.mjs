// An OpenAI-compatible Chat Completions stub (the streaming wire format) that
// answers after a fixed latency, for load tests that measure the server's own
// overhead: the time it spent answering each request is kept by marker
// (`msg-<marker>` in the latest message), so callers can subtract it.
import http from 'node:http';

export function startStub(port, { firstMs = 150, chunkMs = 20 } = {}) {
  const pieces = ['I hear ', 'how heavy ', 'this week ', 'has been. ', 'What would ', 'help most ', 'right now?'];
  const providerMs = new Map();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const started = performance.now();
      // The latest message is the last marker in the request (earlier turns come first).
      const markers = [...body.matchAll(/msg-([\w-]+)\)/g)];
      const marker = markers.length ? markers[markers.length - 1][1] : undefined;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (o) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      await new Promise((r) => setTimeout(r, firstMs));
      for (const p of pieces) {
        send({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'stub', choices: [{ index: 0, delta: { content: p }, finish_reason: null }] });
        await new Promise((r) => setTimeout(r, chunkMs));
      }
      send({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'stub', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      res.end('data: [DONE]\n\n');
      if (marker) providerMs.set(marker, performance.now() - started);
    });
  });
  server.listen(port, '127.0.0.1');
  return { providerMs, close: () => server.close() };
}
