// A stand-in for an OpenAI-compatible chat-completions endpoint (the one thing at the
// edge of the world these tests cannot reach), started by global-setup.ts when
// scripts/test sets POSTROOM_E2E_AI_PORT and serves the app with POSTROOM_AI_URL
// pointing here. It streams a fixed draft as server-sent events with its token usage
// (1,200 tokens: 2 credits); a brief that mentions "slow" streams 200 words, one
// every 100 ms, for the Stop button to interrupt.
import * as http from 'node:http';

export const DRAFT = 'Fresh bread at dawn, from our oven to your table.';

function event(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

export function startFakeAi(port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      let brief = '';
      try {
        const messages = JSON.parse(body).messages as { content: string }[];
        brief = messages[messages.length - 1]?.content ?? '';
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const slow = brief.includes('slow');
      const pieces = slow ? Array.from({ length: 200 }, (_, i) => `word${i} `) : DRAFT.split(/(?<= )/);
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed) {
          clearInterval(timer);
          return;
        }
        if (i < pieces.length) {
          res.write(event({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: pieces[i] } }] }));
          i += 1;
          return;
        }
        clearInterval(timer);
        res.write(event({ object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 } }));
        res.end('data: [DONE]\n\n');
      }, slow ? 100 : 20);
      res.on('close', () => clearInterval(timer));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
