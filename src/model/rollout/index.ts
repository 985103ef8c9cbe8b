/**
 * Rollouts: simulated sessions played by the policy model against the user simulator, for the
 * RL trainer and the offline evaluation. No framework imports.
 *
 *   const pool = await RolloutPool.create({ modelDir: 'models/default', catalog, personas, workers: 2, intraOpThreads: 1, maxBatchPerWorker: 32 });
 *   const sessions = await pool.play([{ personaId: 'smb-owner', seed: 1 }, ...]);   // job order
 *   await pool.setWeights(params);   // Map/Record of Float32Array by HF name, or a checkpoint folder
 *   await pool.close();
 *
 * - `RolloutPool.create(options)`: `workers` threads (0 = play in the calling thread), each with its
 *   own ORT session at `intraOpThreads` (default 1) and a continuously batched generator of
 *   `maxBatchPerWorker` rows (default 32); `contextTokens` (512), `maxReplyTokens` (120),
 *   `maxAgentTurns` (16), default `sampling` (temperature 0.7, top-p 0.95, repetition penalty 1.1),
 *   and the `catalog` and `personas` the sessions are played with (required).
 * - `pool.play(jobs)`: RolloutJob = { personaId, seed, agentSeed?, sampling?, maxAgentTurns? } → RolloutSession
 *   = { personaId, seed, turns, outcome, ended, tokens, agentTurns }. `tokens` is the conversation
 *   exactly as the model saw it (ChatML, system prompt included), built by appending, never by
 *   re-tokenizing; each agent turn's [start, end) covers its sampled tokens, the end-of-reply token
 *   included, with per-token `logprobs` (sampling distribution) and `rawLogprobs` (raw model).
 *   A reply cut by `maxReplyTokens` is closed by the template's end-of-turn text, which lies
 *   outside the span (not sampled). A session that would overflow `contextTokens` ends
 *   (`ended: 'context_full'`, outcome undecided) instead of dropping history; `maxAgentTurns`
 *   ends it as `max_agent_turns`. `tokens` always ends with the last agent reply (a final visitor
 *   message is in `turns` only: the model never read it).
 * - `pool.setWeights(weights)`: between `play` calls; weights are graph inputs, so no recompilation.
 * - Deterministic per job (persona, seeds, sampling, weights) whatever the worker count or batch
 *   (tokens exactly; log-probs to float rounding, see docs/performance.md).
 */
export { RolloutPool, RolloutPoolOptions } from './rollout-pool';
export { RolloutPlayer } from './rollout-player';
export { AgentTurn, PolicyWeights, RolloutEnd, RolloutJob, RolloutPlayerOptions, RolloutSession } from './types';
