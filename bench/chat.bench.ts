/**
 * Chat load benchmark: N concurrent visitors on loopback against a real server process (the
 * built `dist/src/main.js`, default model, real Postgres), each sending M messages over the
 * `/chat` socket.io protocol one after another. Prints one JSON line:
 *   npm run bench:chat [-- --sessions 50 --messages 3 --max-batch 8 --max-queue 64 --questions bench|paraphrase --non-answer on|off|both]
 * Reply latency is message:send → its acknowledgement (the reply stored); time to first delta is
 * message:send → its first `reply:delta` (the first checked sentence: replies stream sentence by
 * sentence); `first_delta_share_p95` is p95 first delta / p95 latency. `busy` counts replies
 * refused with the busy error. Each visitor sends from its own address (X-Forwarded-For, one trusted hop),
 * and the per-session event limit is lifted (visitors send back to back, faster than anyone types).
 * Visitor i asks questions i·M … i·M + M − 1 of the list (cycled). `--questions paraphrase` asks the
 * held-out paraphrase set's questions instead of the six
 * bench questions: wordings the model answers less often, where the guardrail's non-answer check
 * fires. `--non-answer off` runs the server with GUARDRAIL_NON_ANSWER=false; `both` runs off, on,
 * off, on (a fresh server and schema each) and ends with a line comparing on against off.
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) gets a throw-away schema.
 */
import { performance } from 'node:perf_hooks';
import { io, Socket } from 'socket.io-client';
import { QUESTION_SETS } from '../src/model/default-model/question-sets';
import { visitorIp } from './support/load-visitor';
import { defaultDatabaseUrl, dropSchema, machine, startServer, stopServer, throwAwaySchema, withClient } from './support/server';
import { parseArgs, percentile, round } from './support/stats';

const args = parseArgs(process.argv.slice(2));
const sessions = Number(args.get('sessions') ?? 50);
const messages = Number(args.get('messages') ?? 3);
const maxBatch = args.get('max-batch') ?? '8';
const maxQueue = args.get('max-queue') ?? '64';
const nonAnswer = args.get('non-answer') ?? 'on';
const databaseUrl = defaultDatabaseUrl();

const benchQuestions = [
  'Hi, how much is the Growth plan for 12 people?',
  'Does it sync with our email?',
  'Is there a discount if we pay annually?',
  'Can we try it before buying?',
  'Are you a bot?',
  'What does the Starter plan include?',
];
const questionSet = args.get('questions') ?? 'bench';
if (!['bench', 'paraphrase'].includes(questionSet)) throw new Error(`--questions: bench or paraphrase, not ${questionSet}`);
if (!['on', 'off', 'both'].includes(nonAnswer)) throw new Error(`--non-answer: on, off or both, not ${nonAnswer}`);
const questions = questionSet === 'paraphrase' ? QUESTION_SETS.paraphrase.map((i) => i.question) : benchQuestions;

type Ack = { ok: boolean; error?: { code: string } };

async function visitor(url: string, index: number, latencies: number[], firstDeltas: number[], counts: Record<string, number>) {
  const socket: Socket = io(`${url}/chat`, { transports: ['websocket'], forceNew: true, extraHeaders: { 'x-forwarded-for': visitorIp(Math.max(0, index), index < 0) } });
  const request = (event: string, payload?: unknown) => socket.timeout(300_000).emitWithAck(event, payload) as Promise<Ack>;
  const firstDelta = new Map<string, number>();
  socket.on('reply:delta', (d: { clientMessageId: string }) => !firstDelta.has(d.clientMessageId) && firstDelta.set(d.clientMessageId, performance.now()));
  try {
    const started = await request('session:start', { siteKey: 'bench' });
    if (!started.ok) throw new Error(`session:start failed: ${JSON.stringify(started.error)}`);
    for (let m = 0; m < messages; m++) {
      const clientMessageId = `v${index}-m${m}`;
      const sent = performance.now();
      const ack = await request('message:send', { clientMessageId, text: questions[(Math.max(0, index) * messages + m) % questions.length] });
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
async function stored(schema: string, since: Date): Promise<{ completionTokens: number; timeToFirstDelta: { p50: number; p95: number } | null }> {
  const agentTurns = `FROM "${schema}".turns t JOIN "${schema}".chat_sessions s ON s.id = t.session_id WHERE t.role = 'agent' AND s.site_key = 'bench' AND t.created_at >= $1`;
  return withClient(databaseUrl, async (client) => {
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
  });
}

/** One load against a fresh server (and schema) with the non-answer check on or off; prints and returns its JSON line. */
async function run(check: boolean): Promise<{ time_to_first_delta_ms: Record<string, number>; latency_ms: Record<string, number> }> {
  const schema = throwAwaySchema('chat');
  // Each visitor comes from its own address (visitorIp), as behind a proxy, so per-IP limits count visitors.
  // A visitor here sends its next message as soon as the last is answered, faster than a person
  // types: the per-session event limit (2/s, burst 10) would refuse some once replies are quick, so
  // it is lifted; the limiter has tests of its own (event-limiter, chat e2e).
  const server = await startServer({
    SOCKET_RATE_SESSION: '1000',
    SOCKET_BURST_SESSION: '1000',
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    POLICY_MAX_BATCH: maxBatch,
    POLICY_MAX_QUEUE: maxQueue,
    TRUST_PROXY_HOPS: '1',
    GUARDRAIL_NON_ANSWER: String(check),
  });
  const { url } = server;
  try {
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
    const fromServer = await stored(schema, since);
    const guardrail = await guardrailPerReply(schema, since, replies);
    const result = {
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
        regenerations_per_reply: guardrail.regenerations,
        catalog_answers_per_reply: guardrail.catalogAnswers,
        questions: questionSet,
        server: { policy_max_batch: Number(maxBatch), policy_max_queue: Number(maxQueue), guardrail_non_answer: check },
        machine: machine(),
      };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await stopServer(server);
    await dropSchema(databaseUrl, schema);
  }
}

/**
 * Per stored reply: the attempts the guardrail stopped (blocking rules and non-answers together), and
 * how often the catalog's answer went out because no attempt answered (docs/compliance.md).
 */
async function guardrailPerReply(schema: string, since: Date, replies: number): Promise<{ regenerations: number; catalogAnswers: number }> {
  return withClient(databaseUrl, async (client) => {
    const [{ stopped, catalog }] = (
      await client.query(
        `SELECT COALESCE(sum(sc.score), 0) AS stopped, count(*) FILTER (WHERE sc.evidence->>'catalogAnswer' = 'true') AS catalog
         FROM "${schema}".turn_scores sc JOIN "${schema}".turns t ON t.id = sc.turn_id JOIN "${schema}".chat_sessions s ON s.id = t.session_id
         WHERE sc.scorer = 'guardrail' AND s.site_key = 'bench' AND t.created_at >= $1`,
        [since],
      )
    ).rows;
    const perReply = (n: unknown) => Math.round((Number(n) / Math.max(1, replies)) * 1000) / 1000;
    return { regenerations: perReply(stopped), catalogAnswers: perReply(catalog) };
  });
}

async function main() {
  if (nonAnswer !== 'both') return void (await run(nonAnswer === 'on'));
  // Interleaved, so drift of a shared machine falls on both sides.
  const results = { on: [] as Awaited<ReturnType<typeof run>>[], off: [] as Awaited<ReturnType<typeof run>>[] };
  for (const check of [false, true, false, true]) results[check ? 'on' : 'off'].push(await run(check));
  const mean = (side: 'on' | 'off', field: 'time_to_first_delta_ms' | 'latency_ms', p: string) => results[side].reduce((s, r) => s + r[field][p], 0) / results[side].length;
  const ratio = (field: 'time_to_first_delta_ms' | 'latency_ms', p: string) => Math.round((mean('on', field, p) / mean('off', field, p)) * 1000) / 1000;
  console.log(
    JSON.stringify({
      bench: 'chat-non-answer',
      questions: questionSet,
      runs_per_side: 2,
      time_to_first_delta_ms: { on: { p50: round(mean('on', 'time_to_first_delta_ms', 'p50')), p95: round(mean('on', 'time_to_first_delta_ms', 'p95')) }, off: { p50: round(mean('off', 'time_to_first_delta_ms', 'p50')), p95: round(mean('off', 'time_to_first_delta_ms', 'p95')) } },
      ratio_on_over_off: { first_delta_p50: ratio('time_to_first_delta_ms', 'p50'), first_delta_p95: ratio('time_to_first_delta_ms', 'p95'), latency_p50: ratio('latency_ms', 'p50'), latency_p95: ratio('latency_ms', 'p95') },
      machine: machine(),
    }),
  );
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
