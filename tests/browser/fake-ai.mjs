#!/usr/bin/env node
// A fake OpenAI-compatible provider for the browser suite: POST …/chat/completions answers
// "Echo: <the last user message>" (with `stream: true` as server-sent events, one word every
// FAKE_AI_DELAY_MS, default 120, so a browser can watch the reply grow; without it, as one JSON
// completion). Listens on 127.0.0.1:$PORT (0: any free port) and prints the port on stdout.
//
//   PORT=0 node tests/browser/fake-ai.mjs   →   "41235"

import { createServer } from 'node:http';

const DELAY_MS = Number(process.env.FAKE_AI_DELAY_MS || 120);

function reply(messages) {
  const last = [...(messages || [])].reverse().find((m) => m.role === 'user');
  return `Echo: ${last?.content ?? ''}`;
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || !/\/chat\/completions$/.test(req.url)) {
    res.writeHead(404, { 'content-type': 'application/json' });
    return res.end('{"error":{"message":"not found"}}');
  }
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', async () => {
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end('{"error":{"message":"bad json"}}');
    }
    const text = reply(body.messages);
    const id = `chatcmpl-${Date.now()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model || 'fake';
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] }));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }));
    const words = text.split(/(?<= )/); // keep the spaces with the words
    for (const w of words) {
      if (res.destroyed) return;
      await new Promise((r) => setTimeout(r, DELAY_MS));
      res.write(chunk({ content: w }));
    }
    res.write(chunk({}, 'stop'));
    res.end('data: [DONE]\n\n');
  });
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => console.log(server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
