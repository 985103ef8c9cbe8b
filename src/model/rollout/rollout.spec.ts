import { join } from 'node:path';
import { shippedCatalog } from '../../catalog';
import { createSession, exportOnnx, tensor } from '../../engine';
import { loadPersonaLibrary } from '../../simulator';
import { loadCheckpoint } from '../checkpoint';
import { buildCausalLmGraph } from '../llama';
import { ChatTokenizer } from '../tokenizer';
import { RolloutPool } from './rollout-pool';
import { RolloutJob, RolloutSession } from './types';

const defaultCatalog = shippedCatalog();
const defaultPersonas = loadPersonaLibrary(defaultCatalog);
const modelDir = join(__dirname, '..', '..', '..', 'models', 'default');
const jobs: RolloutJob[] = [0, 1, 2, 3, 4].map((i) => ({ personaId: defaultPersonas[i % defaultPersonas.length].id, seed: 100 + i, maxAgentTurns: 4 }));

/** Same tokens, turns and outcome; log-probs equal up to float rounding (another batch shape sums in another order). */
function expectSameSession(a: RolloutSession, b: RolloutSession) {
  const strip = (s: RolloutSession) => ({ ...s, agentTurns: s.agentTurns.map((t) => ({ ...t, logprobs: [], rawLogprobs: [] })) });
  expect(strip(a)).toEqual(strip(b));
  a.agentTurns.forEach((t, i) => t.logprobs.forEach((lp, k) => expect(Math.abs(lp - b.agentTurns[i].logprobs[k])).toBeLessThan(1e-4)));
}

describe('RolloutPool (default model, rule-based visitor)', () => {
  let sequential: RolloutSession[];
  let tokenizer: ChatTokenizer;
  beforeAll(async () => {
    tokenizer = await ChatTokenizer.load(modelDir);
    const pool = await RolloutPool.create({ modelDir, catalog: defaultCatalog, personas: defaultPersonas, workers: 0, maxBatchPerWorker: 1 });
    sequential = await pool.play(jobs);
    await pool.close();
  });

  it('records each session token-exactly: agent spans, end-of-reply token, log-probs', () => {
    for (const [i, s] of sequential.entries()) {
      expect(s.personaId).toBe(jobs[i].personaId);
      expect(s.agentTurns.length).toBeGreaterThan(0);
      expect(s.turns.filter((t) => t.role === 'agent')).toHaveLength(s.agentTurns.length);
      expect(tokenizer.decode(s.tokens, false).startsWith('<|im_start|>system\n')).toBe(true);
      let previousEnd = 0;
      for (const turn of s.agentTurns) {
        expect(turn.start).toBeGreaterThan(previousEnd);
        previousEnd = turn.end;
        expect(turn.logprobs).toHaveLength(turn.end - turn.start);
        expect(turn.rawLogprobs).toHaveLength(turn.end - turn.start);
        const sampled = s.tokens.slice(turn.start, turn.end);
        expect(tokenizer.decode(s.tokens.slice(turn.start - 3, turn.start), false)).toBe('<|im_start|>assistant\n');
        if (turn.finishReason === 'eos') expect(tokenizer.decode(sampled.slice(-1), false)).toBe('<|im_end|>');
        expect(tokenizer.decode(sampled)).toBe(turn.text);
      }
      expect(s.ended === 'visitor' || s.agentTurns.length === 4).toBe(true);
      expect(s.tokens).toHaveLength(s.agentTurns.at(-1)!.end); // nothing the model did not read
    }
  });

  it("raw log-probs equal a full forward pass over the session's tokens (what the trainer recomputes)", async () => {
    const session = sequential.reduce((a, b) => (b.agentTurns.length > a.agentTurns.length ? b : a));
    expect(session.agentTurns.length).toBeGreaterThan(1); // several turns: cache reuse and template appends in between
    const checkpoint = await loadCheckpoint(modelDir);
    const n = session.tokens.length - 1;
    const graph = buildCausalLmGraph(checkpoint.config, 1, n);
    const baked = new Map([...checkpoint.tensors].map(([name, t]) => [name, t.data]));
    const run = await createSession(exportOnnx(graph.graph, { outputs: { lp: graph.tokenLogProbs }, bakedParams: baked }));
    const ids = (from: number) => tensor('int64', BigInt64Array.from(session.tokens.slice(from, from + n).map(BigInt)), [1, n]);
    const lp = (await run.run({ input_ids: ids(0), target_ids: ids(1) })).lp.data as Float32Array;
    await run.release();
    let worst = 0;
    for (const turn of session.agentTurns) turn.rawLogprobs.forEach((raw, k) => (worst = Math.max(worst, Math.abs(raw - lp[turn.start + k - 1]))));
    expect(worst).toBeLessThan(1e-4);
  });

  it('is deterministic per job whatever the worker count and batching', async () => {
    const pool = await RolloutPool.create({ modelDir, catalog: defaultCatalog, personas: defaultPersonas, workers: 2, maxBatchPerWorker: 4 });
    try {
      const batched = await pool.play(jobs);
      batched.forEach((s, i) => expectSameSession(s, sequential[i]));
      // new weights reach every worker: perturbed weights change the sessions' log-probs (a confident
      // model may still pick the same tokens), the originals restore them
      const original = await loadCheckpoint(modelDir);
      const perturbed = new Map([...original.tensors].map(([name, t]) => [name, Float32Array.from(t.data, (x) => x * 0.9)]));
      await pool.setWeights(perturbed);
      const changed = await pool.play(jobs.slice(0, 2));
      const rawLogprobs = (sessions: typeof changed) => sessions.map((s) => s.agentTurns.flatMap((t) => t.rawLogprobs));
      expect(rawLogprobs(changed)).not.toEqual(rawLogprobs(sequential.slice(0, 2)));
      await pool.setWeights(modelDir);
      (await pool.play(jobs.slice(0, 2))).forEach((s, i) => expectSameSession(s, sequential[i]));
    } finally {
      await pool.close();
    }
  });

  it('ends a session that would overflow the context instead of dropping history', async () => {
    const pool = await RolloutPool.create({ modelDir, catalog: defaultCatalog, personas: defaultPersonas, workers: 0, contextTokens: 128 });
    try {
      const [s] = await pool.play([{ ...jobs[0], maxAgentTurns: 10 }]);
      expect(s.ended).toBe('context_full');
      expect(s.outcome).toMatchObject({ end: 'undecided', converted: false });
      expect(s.tokens.length).toBeLessThanOrEqual(128);
    } finally {
      await pool.close();
    }
  });
});
