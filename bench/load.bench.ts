/**
 * Load benchmark (issue #21): N concurrent widget visitors on loopback against real server
 * processes (the built `dist/src/main.js`, the default model, real Postgres), each running a
 * scripted multi-turn conversation over the `/chat` socket.io protocol with think pauses. Every
 * message sent is checked against the database afterwards: lost (acknowledged but not stored, or
 * never answered nor refused), duplicated, refused yet stored. Prints one JSON line per load:
 *   npm run bench:load [-- --sessions 200 --turns 5 --ramp 10 --think-ms 3000 --duration 120]
 *                      [--replicas N] [--sweep 10,25,50,100,200] [--max-batch N --max-queue N]
 *                      [--ack-timeout 60] [--warmup 16] [--profile]
 * `--ramp`: seconds over which the sessions open; `--duration`: seconds after the first one opens
 * when no new message is sent (those awaiting a reply still get it, within `--ack-timeout`), so a
 * run always ends. `--replicas N` starts N servers on one database (and REDIS_URL, default
 * redis://127.0.0.1:6379) and spreads the visitors over them. `--sweep` runs each load in turn on
 * the same servers and ends with a summary line. `--profile` records a CPU profile of the first
 * server's main thread during each load. Exits 1 when anything was lost, duplicated or refused yet stored.
 * Each line also gives what the engine itself decodes in this run (`engine`: greedy decode at
 * POLICY_MAX_BATCH rows, measured before the loads; a sweep's summary measures it again after them) and the server's generated tokens/s over it, the
 * same on a prompt as long as the load's replies had on average (`engine_at_load_context`),
 * the servers' event-loop lag (p99 per second, mean and worst) and the database statements per
 * visitor message.
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) gets a throw-away schema.
 * BENCH_SERVER_MAIN=<scratch copy>/dist/src/main.js runs the servers of another build (before/after).
 */
import { setMaxListeners } from 'node:events';
import { readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { shippedCatalog, systemPrompt } from '../src/catalog';
import { loadConfig } from '../src/config';
import { ChatModel } from '../src/model';
import { EVENT_LOOP_SAMPLE_MS, SCRAPE_STATEMENTS } from '../src/metrics';
import { snapshot, utilisation } from './support/cpu';
import { summariseProfile } from './support/cpu-profile';
import { account, SentTurn, storedTurns } from './support/load-accounting';
import { engineDecode } from './support/engine-decode';
import { conversations, visit, visitorIp } from './support/load-visitor';
import { BenchServer, defaultDatabaseUrl, dropSchema, machine, startServer, stopServer, throwAwaySchema, withClient } from './support/server';
import { parseArgs, quantiles, round } from './support/stats';

const args = parseArgs(process.argv.slice(2));
const number = (name: string, fallback: number) => {
  const value = Number(args.get(name) ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
};
const o = {
  sessions: number('sessions', 200),
  turns: number('turns', 5),
  rampS: number('ramp', 10),
  thinkMs: number('think-ms', 3000),
  durationS: number('duration', 120),
  replicas: Math.max(1, number('replicas', 1)),
  ackTimeoutS: number('ack-timeout', 60),
  sweep: args.get('sweep')?.split(',').map(Number),
  profile: args.has('profile'),
};
const databaseUrl = defaultDatabaseUrl();
const schema = throwAwaySchema('load');
const siteKey = 'bench-load';
const serverEnv: Record<string, string> = {
  DATABASE_URL: databaseUrl,
  DATABASE_SCHEMA: schema,
  // The benchmark stands in for a proxy: each visitor comes from its own address (visitorIp), so the
  // per-IP socket limits count visitors as they would in production, not all of them as 127.0.0.1.
  TRUST_PROXY_HOPS: '1',
  ...(args.has('max-batch') ? { POLICY_MAX_BATCH: args.get('max-batch')! } : {}),
  ...(args.has('max-queue') ? { POLICY_MAX_QUEUE: args.get('max-queue')! } : {}),
  ...(o.replicas > 1 ? { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' } : {}),
};
/** The policy settings the servers run with (the same environment, parsed as they parse it). */
const serverPolicy = loadConfig({ ...process.env, ...serverEnv }).policy;
const profileHook = join(__dirname, 'support', 'cpu-profile-hook.js');
/** Where the first server writes its profile at the end of each load (renamed per load afterwards). */
const profileFile = join(tmpdir(), `${schema}.cpuprofile`);

/** Queue depth, batch occupancy and event-loop lag of every server, scraped from /metrics once a second; statements per turn from the first and last scrape. */
function sampleMetrics(servers: BenchServer[]) {
  const names = ['closer_policy_queue_depth', 'closer_policy_batch_occupancy', 'nodejs_eventloop_lag_p99_seconds'] as const;
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  /** Per server: statements and visitor turns at its first and latest scrape, and how many scrapes there were. */
  const counts = servers.map(() => ({ scrapes: 0, first: { statements: 0, turns: 0 }, last: { statements: 0, turns: 0 } }));
  const read = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const scrape = () =>
    Promise.all(
      servers.map(async ({ url }, i) => {
        try {
          const text = await (await fetch(`${url}/metrics`)).text();
          for (const name of names) {
            const value = read(text, name);
            if (value !== undefined) samples.get(name)!.push(value);
          }
          const now = { statements: read(text, 'closer_db_statements_total') ?? NaN, turns: read(text, 'closer_turns_total{role="visitor"}') ?? 0 };
          if (counts[i].scrapes++ === 0) counts[i].first = now;
          counts[i].last = now;
        } catch {
          // a scrape that fails under load is skipped, not fatal
        }
      }),
    );
  void scrape();
  const timer = setInterval(() => void scrape(), 1000);
  const stat = (xs: number[], scale = 1) => (xs.length ? { mean: round((xs.reduce((s, x) => s + x, 0) / xs.length) * scale), max: round(Math.max(...xs) * scale) } : null);
  return {
    async stop() {
      clearInterval(timer);
      await scrape();
      // Each scrape after the first sent its own statements (the /metrics collectors'): not the turns'.
      const statements = counts.reduce((n, c) => n + c.last.statements - c.first.statements - SCRAPE_STATEMENTS * Math.max(0, c.scrapes - 1), 0);
      const turns = counts.reduce((n, c) => n + c.last.turns - c.first.turns, 0);
      return {
        policy_queue_depth: stat(samples.get('closer_policy_queue_depth')!),
        policy_batch_occupancy: stat(samples.get('closer_policy_batch_occupancy')!, 100),
        // Each scrape's p99 covers the second since the previous one (prom-client resets the histogram);
        // a sample is the timer period plus the delay, so the period is taken off (both builds sample every 10 ms).
        event_loop_lag_p99_ms: stat(samples.get('nodejs_eventloop_lag_p99_seconds')!.map((s) => s - EVENT_LOOP_SAMPLE_MS / 1000), 1000),
        // NaN (null in JSON) from a build without the counter.
        db_statements_per_visitor_turn: turns > 0 && Number.isFinite(statements) ? round(statements / turns) : null,
      };
    },
  };
}

const ratio = (x: number, of: number) => Math.round((x / of) * 1000) / 1000;

/** Time to first token, to first delta and the full latency as the server stored them (message received → …). */
async function serverTimings(sessionIds: string[]) {
  const rows = await withClient(databaseUrl, async (c) => {
    const { rows } = await c.query(
      `SELECT time_to_first_token_ms AS ttft, time_to_first_delta_ms AS ttfd, latency_ms AS latency FROM "${schema}".turns WHERE role = 'agent' AND session_id = ANY($1::uuid[])`,
      [sessionIds],
    );
    return rows as { ttft: number | null; ttfd: number | null; latency: number | null }[];
  });
  const of = (k: 'ttft' | 'ttfd' | 'latency') => quantiles(rows.flatMap((r) => (r[k] === null ? [] : [r[k]!])));
  return { time_to_first_token_ms: of('ttft'), time_to_first_delta_ms: of('ttfd'), full_reply_ms: of('latency') };
}

/** Runs one load with the first server's CPU profiler on (`--profile`); the profile is kept as `<schema>-<sessions>.cpuprofile`. */
async function profiled<T>(server: BenchServer, sessions: number, run: () => Promise<T>): Promise<{ result: T; profile: ({ file: string } & ReturnType<typeof summariseProfile>) | null }> {
  if (!o.profile) return { result: await run(), profile: null };
  server.process.send('profile:start');
  const result = await run();
  const answer = new Promise<unknown>((resolve) => server.process.once('message', resolve));
  server.process.send('profile:stop');
  if ((await answer) !== 'profile:written') throw new Error(`the server wrote no CPU profile: ${String(await answer)}`);
  const file = profileFile.replace(/\.cpuprofile$/, `-${sessions}.cpuprofile`);
  renameSync(profileFile, file);
  return { result, profile: { file, ...summariseProfile(JSON.parse(readFileSync(file, 'utf8'))) } };
}

/**
 * The engine's own rate on this machine, in this run: `bench:generate`'s greedy decode at
 * POLICY_MAX_BATCH rows with the servers' model, context and weights, best of three after a warm-up
 * (servers idle meanwhile). `at()`: on bench:generate's prompt (a system prompt and a question);
 * `at(n)`: on an n-token prompt, n the mean prompt length the servers' replies had in a load (a
 * decode step reads every cached position, so a longer context decodes slower).
 */
async function openEngine() {
  const model = await ChatModel.load(serverPolicy.modelDir, { capacity: serverPolicy.contextTokens, maxBatch: serverPolicy.maxBatch, weights: serverPolicy.weights });
  const question = model.promptIds([{ role: 'system', content: systemPrompt(shippedCatalog()) }, { role: 'user', content: 'Hi, how much is the Growth plan for 12 people?' }], serverPolicy.replyMaxTokens);
  const filler = model.tokenizer.encode(conversations.flat().join(' ').repeat(8));
  const at = async (promptTokens?: number) => {
    const room = serverPolicy.contextTokens - serverPolicy.replyMaxTokens - 1;
    const prompt = promptTokens === undefined ? question : filler.slice(0, Math.max(1, Math.min(room, Math.round(promptTokens))));
    const run = () => engineDecode(model.generator.lm, prompt, serverPolicy.maxBatch, serverPolicy.replyMaxTokens);
    await run();
    const best = Math.max(...[await run(), await run(), await run()].map((r) => r.decodeTokensPerS));
    return { batch: serverPolicy.maxBatch, prompt_tokens: prompt.length, new_tokens: serverPolicy.replyMaxTokens, tokens_per_s: round(best) };
  };
  return { at, release: () => model.release() };
}

type Engine = Awaited<ReturnType<typeof openEngine>>;
type EngineRate = Awaited<ReturnType<Engine['at']>>;

/** Mean prompt tokens of the agent replies stored for these sessions (what the servers decoded after). */
async function meanPromptTokens(sessionIds: string[]): Promise<number | undefined> {
  const [row] = await withClient(databaseUrl, async (c) => (await c.query(`SELECT avg(prompt_tokens) AS mean FROM "${schema}".turns WHERE role = 'agent' AND session_id = ANY($1::uuid[])`, [sessionIds])).rows);
  return row?.mean === null || row?.mean === undefined ? undefined : Number(row.mean);
}



async function runLoad(servers: BenchServer[], sessions: number, engine: Engine, yardstick: EngineRate) {
  const sent: SentTurn[] = [];
  const abort = new AbortController();
  // Every visitor listens for the end of the load on this one signal.
  setMaxListeners(sessions + 10, abort.signal);
  const pids = servers.map((s) => s.process.pid!);
  const t0 = performance.now();
  const cpu0 = snapshot(pids);
  const metrics = sampleMetrics(servers);
  // Bounded in time whatever the server does: past this, sockets close and what is unanswered stays so.
  const watchdog = setTimeout(() => abort.abort(), (o.rampS + o.durationS + o.ackTimeoutS + 30) * 1000);
  // A server that dies ends the load at once: its visitors' messages count as unanswered.
  let exited = 0;
  const onExit = () => {
    exited++;
    abort.abort();
  };
  servers.forEach((s) => s.process.once('exit', onExit));
  const { result: visitors, profile } = await profiled(servers[0], sessions, () =>
    Promise.all(
      Array.from({ length: sessions }, async (_, i) => {
        await new Promise((r) => setTimeout(r, (i * o.rampS * 1000) / sessions));
        const plan = { url: servers[i % servers.length].url, siteKey, index: i, turns: o.turns, thinkMs: o.thinkMs, stopSendingAt: t0 + o.durationS * 1000, ackTimeoutMs: o.ackTimeoutS * 1000, ip: visitorIp(i) };
        return visit(plan, sent, abort.signal);
      }),
    ),
  );
  clearTimeout(watchdog);
  servers.forEach((s) => s.process.off('exit', onExit));
  const cpu = utilisation(cpu0, snapshot(pids));
  const sampled = await metrics.stop();
  const seconds = (performance.now() - t0) / 1000;

  const sessionIds = visitors.flatMap((v) => (v.sessionId ? [v.sessionId] : []));
  const stored = await withClient(databaseUrl, (c) => storedTurns(c, schema, sessionIds));
  const accounting = account(sent, stored);
  const replied = sent.flatMap((s) => (s.outcome.kind === 'replied' ? [{ s, at: s.outcome.at }] : []));
  const tokens = stored.reduce((sum, t) => sum + (t.role === 'agent' ? (t.completionTokens ?? 0) : 0), 0);
  const loadContext = await meanPromptTokens(sessionIds);
  const atContext = loadContext === undefined ? null : await engine.at(loadContext);
  return {
    bench: 'load',
    sessions: { requested: sessions, started: sessionIds.length, failed_to_start: visitors.filter((v) => !v.sessionId).length },
    replicas: servers.length,
    servers_exited: exited,
    turns_per_session: o.turns,
    think_ms: o.thinkMs,
    ramp_s: o.rampS,
    duration_s: o.durationS,
    seconds: round(seconds),
    ...accounting,
    busy_refusals: accounting.refused.busy ?? 0,
    visitor_turns_per_s: round(sent.length / seconds),
    agent_turns_per_s: round(replied.length / seconds),
    // As the visitor saw it: message:send → first reply:delta, → the acknowledgement (reply stored).
    time_to_first_delta_ms: quantiles(replied.map(({ s, at }) => (s.firstDeltaAt ?? at) - s.sentAt)),
    full_reply_ms: quantiles(replied.map(({ s, at }) => at - s.sentAt)),
    refusal_ms: quantiles(sent.flatMap((s) => (s.outcome.kind === 'refused' ? [s.outcome.at - s.sentAt] : []))),
    server_stored: await serverTimings(sessionIds),
    generation: { tokens, tokens_per_s: round(tokens / seconds), tokens_per_server_cpu_s: round(tokens / cpu.server_cpu_seconds), mean_reply_tokens: round(tokens / Math.max(1, accounting.stored.agent)) },
    engine: yardstick,
    server_tokens_per_s_over_engine: ratio(tokens / seconds, yardstick.tokens_per_s),
    engine_at_load_context: atContext,
    server_tokens_per_s_over_engine_at_load_context: atContext ? ratio(tokens / seconds, atContext.tokens_per_s) : null,
    cpu,
    server_metrics: sampled,
    profile,
    server: { policy: serverPolicy },
    machine: machine(),
  };
}

/**
 * Not measured: each server answers `--warmup` whole conversations at once (default two batches'
 * worth), so JIT, conversation caches and connections are warm; the step shapes themselves were
 * compiled when the model loaded (POLICY_PRECOMPILE; set it false to see first-use compiles).
 */
async function warmUp(servers: BenchServer[]): Promise<void> {
  const visitors = number('warmup', 2 * serverPolicy.maxBatch);
  const longest = Math.max(...conversations.map((c) => c.length));
  await Promise.all(
    servers.flatMap(({ url }) =>
      Array.from({ length: visitors }, (_, i) =>
        visit({ url, siteKey, index: i, turns: longest, thinkMs: 0, stopSendingAt: Infinity, ackTimeoutMs: 300_000, ip: visitorIp(i, true) }, [], new AbortController().signal),
      ),
    ),
  );
}

type LoadResult = Awaited<ReturnType<typeof runLoad>>;

const failures = (r: LoadResult) => r.servers_exited + r.lost.total + r.duplicates.total + r.refused_but_stored + r.unexpected_stored + r.mismatched;

/** Where the CPU and the server saturate, the peak generation rate, and up to which load the p95 time to first delta stays under 100 ms. */
function sweepSummary(results: LoadResult[], engineAfter: EngineRate) {
  const underTarget = results.findIndex((r) => !(r.time_to_first_delta_ms.p95 < 100));
  return {
    bench: 'load-sweep',
    loads: results.map((r) => ({
      sessions: r.sessions.requested,
      visitor_turns_per_s: r.visitor_turns_per_s,
      agent_turns_per_s: r.agent_turns_per_s,
      busy: r.busy_refusals,
      lost: r.lost.total,
      duplicates: r.duplicates.total,
      time_to_first_delta_p95_ms: r.time_to_first_delta_ms.p95,
      full_reply_p95_ms: r.full_reply_ms.p95,
      tokens_per_s: r.generation.tokens_per_s,
      server_tokens_per_s_over_engine: r.server_tokens_per_s_over_engine,
      server_tokens_per_s_over_engine_at_load_context: r.server_tokens_per_s_over_engine_at_load_context,
      event_loop_lag_p99_ms_max: r.server_metrics.event_loop_lag_p99_ms?.max ?? null,
      db_statements_per_visitor_turn: r.server_metrics.db_statements_per_visitor_turn,
      machine_busy_share: r.cpu.machine_busy_share,
      server_cores: r.cpu.server_cores,
    })),
    peak_tokens_per_s: Math.max(...results.map((r) => r.generation.tokens_per_s)),
    engine_tokens_per_s: results[0]?.engine.tokens_per_s,
    // The yardstick again after the loads: on a shared machine it drifts, and a ratio holds only as far as the two agree.
    engine_tokens_per_s_after_loads: engineAfter.tokens_per_s,
    peak_server_tokens_per_s_over_engine: Math.max(...results.map((r) => r.server_tokens_per_s_over_engine)),
    peak_server_tokens_per_s_over_engine_at_load_context: Math.max(...results.map((r) => r.server_tokens_per_s_over_engine_at_load_context ?? 0)),
    // The machine's CPU (other jobs on a shared machine count too: see cpu.other_cores per load).
    machine_cpu_saturated_at_sessions: results.find((r) => (r.cpu.machine_busy_share ?? 0) >= 0.9)?.sessions.requested ?? null,
    // The server's: its main thread (JS and the ORT runs it waits on) busy 90 % of the time, or replies waiting for a batch row on average, or refusals.
    server_saturated_at_sessions: results.find((r) => (r.cpu.server_threads_cores.main ?? 0) / r.replicas >= 0.9 || (r.server_metrics.policy_queue_depth?.mean ?? 0) >= 1 || r.busy_refusals > 0)?.sessions.requested ?? null,
    ttfd_p95_under_100ms_up_to_sessions: underTarget === 0 ? null : results[(underTarget === -1 ? results.length : underTarget) - 1].sessions.requested,
  };
}

async function main() {
  const servers: BenchServer[] = [];
  try {
    // The first server applies the migrations; the others start on the migrated schema.
    servers.push(await (o.profile ? startServer({ ...serverEnv, BENCH_CPU_PROFILE: profileFile }, { argv: ['-r', profileHook], ipc: true }) : startServer(serverEnv)));
    servers.push(...(await Promise.all(Array.from({ length: o.replicas - 1 }, () => startServer(serverEnv)))));
    const engine = await openEngine();
    const yardstick = await engine.at();
    await warmUp(servers);
    const results: LoadResult[] = [];
    for (const sessions of o.sweep ?? [o.sessions]) {
      const result = await runLoad(servers, sessions, engine, yardstick);
      console.log(JSON.stringify(result));
      results.push(result);
      if (failures(result) > 0) process.exitCode = 1;
    }
    if (o.sweep) console.log(JSON.stringify(sweepSummary(results, await engine.at())));
    await engine.release();
    if (process.exitCode) console.error('bench:load: a server exited, or messages were lost, duplicated or refused yet stored (see servers_exited, lost, duplicates, refused_but_stored, unexpected_stored, mismatched)');
  } finally {
    await Promise.all(servers.map(stopServer));
    await dropSchema(databaseUrl, schema);
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
