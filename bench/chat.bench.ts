/**
 * Chat load benchmark: N concurrent visitors on loopback against a real server process (the
 * built `dist/src/main.js`, default model, real Postgres), each sending M messages over the
 * `/chat` socket.io protocol one after another. Prints one JSON line:
 *   npm run bench:chat [-- --sessions 50 --messages 3 --max-batch 8 --max-queue 64]
 * Reply latency is message:send → its acknowledgement (the reply stored); time to first delta is
 * message:send → its first `reply:delta` (the first checked sentence: replies stream sentence by
 * sentence); `first_delta_share_p95` is p95 first delta / p95 latency. `busy` counts replies
 * refused with the busy error.
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) gets a throw-away schema.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { io, Socket } from 'socket.io-client';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1]));
const sessions = Number(args.get('sessions') ?? 50);
const messages = Number(args.get('messages') ?? 3);
const maxBatch = args.get('max-batch') ?? '8';
const maxQueue = args.get('max-queue') ?? '64';
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const port = 30000 + Math.floor(Math.random() * 20000);
const schema = `bench_chat_${randomBytes(4).toString('hex')}`;
const round = (x: number) => Math.round(x * 10) / 10;

const questions = [
  'Hi, how much is the Growth plan for 12 people?',
  'Does it sync with our email?',
  'Is there a discount if we pay annually?',
  'Can we try it before buying?',
  'Are you a bot?',
  'What does the Starter plan include?',
];

type Ack = { ok: boolean; error?: { code: string } };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within 120 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function visitor(url: string, index: number, latencies: number[], firstDeltas: number[], counts: Record<string, number>) {
  const socket: Socket = io(`${url}/chat`, { transports: ['websocket'], forceNew: true });
  const request = (event: string, payload?: unknown) => socket.timeout(300_000).emitWithAck(event, payload) as Promise<Ack>;
  const firstDelta = new Map<string, number>();
  socket.on('reply:delta', (d: { clientMessageId: string }) => !firstDelta.has(d.clientMessageId) && firstDelta.set(d.clientMessageId, performance.now()));
  try {
    const started = await request('session:start', { siteKey: 'bench' });
    if (!started.ok) throw new Error(`session:start failed: ${JSON.stringify(started.error)}`);
    for (let m = 0; m < messages; m++) {
      const clientMessageId = `v${index}-m${m}`;
      const sent = performance.now();
      const ack = await request('message:send', { clientMessageId, text: questions[(index + m) % questions.length] });
      if (ack.ok) {
        latencies.push(performance.now() - sent);
        firstDeltas.push((firstDelta.get(clientMessageId) ?? performance.now()) - sent);
        counts.replies++;
      } else counts[ack.error?.code ?? 'unknown'] = (counts[ack.error?.code ?? 'unknown'] ?? 0) + 1;
    }
  } finally {
    socket.close();
  }
}

/**
 * What the server stored per agent turn: the tokens the model wrote (replies/s depends on how long
 * replies are) and the time to first delta (message received → first sentence sent), a check on the
 * client's figure; null from a build that stores none (to run this benchmark against an older server).
 */
async function stored(since: Date): Promise<{ completionTokens: number; timeToFirstDelta: { p50: number; p95: number } | null }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const agentTurns = `FROM "${schema}".turns t JOIN "${schema}".chat_sessions s ON s.id = t.session_id WHERE t.role = 'agent' AND s.site_key = 'bench' AND t.created_at >= $1`;
  try {
    const [{ tokens }] = (await client.query(`SELECT COALESCE(sum(t.completion_tokens), 0) AS tokens ${agentTurns}`, [since])).rows;
    const [{ column }] = (await client.query(`SELECT to_regclass($1) IS NOT NULL AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = $2 AND table_name = 'turns' AND column_name = 'time_to_first_delta_ms') AS column`, [`"${schema}".turns`, schema])).rows;
    if (!column) return { completionTokens: Number(tokens), timeToFirstDelta: null };
    const [q] = (
      await client.query(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t.time_to_first_delta_ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY t.time_to_first_delta_ms) AS p95 ${agentTurns}`,
        [since],
      )
    ).rows;
    return { completionTokens: Number(tokens), timeToFirstDelta: { p50: round(Number(q.p50)), p95: round(Number(q.p95)) } };
  } finally {
    await client.end();
  }
}

async function main() {
  const server = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn', POLICY_MAX_BATCH: maxBatch, POLICY_MAX_QUEUE: maxQueue },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(`${url}/health/ready`);
    // One warm-up conversation compiles the session shapes a first reply needs.
    await visitor(url, -1, [], [], { replies: 0 });
    const latencies: number[] = [];
    const firstDeltas: number[] = [];
    const counts: Record<string, number> = { replies: 0 };
    const since = new Date();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: sessions }, (_, i) => visitor(url, i, latencies, firstDeltas, counts)));
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    firstDeltas.sort((a, b) => a - b);
    const { replies, busy = 0, ...otherErrors } = counts;
    const fromServer = await stored(since);
    console.log(
      JSON.stringify({
        bench: 'chat',
        sessions,
        messages_per_session: messages,
        replies,
        busy,
        other_errors: otherErrors,
        seconds: round(seconds),
        replies_per_s: round(replies / seconds),
        latency_ms: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)) },
        time_to_first_delta_ms: { p50: round(percentile(firstDeltas, 50)), p95: round(percentile(firstDeltas, 95)), p99: round(percentile(firstDeltas, 99)) },
        stored_time_to_first_delta_ms: fromServer.timeToFirstDelta,
        agent_tokens_per_s: round(fromServer.completionTokens / seconds),
        mean_reply_tokens: round(fromServer.completionTokens / replies),
        first_delta_share_p95: Math.round((percentile(firstDeltas, 95) / percentile(latencies, 95)) * 1000) / 1000,
        server: { policy_max_batch: Number(maxBatch), policy_max_queue: Number(maxQueue) },
        machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version },
      }),
    );
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
