import { AdvantageConfig, AdvantageEstimatorName, computeAdvantages } from '../advantages';
import { mixSeeds, trainingContexts } from '../contexts';
import { PolicyOptimizer, Rehearsal, rehearsalRows } from '../policy';
import { RolloutSource, ScoredSession } from '../rollouts';
import { RunDirectory } from './run-directory';

export interface TrainingLoopConfig {
  estimator: AdvantageEstimatorName;
  advantage: AdvantageConfig;
  steps: number;
  /** Contexts per step (C). */
  contexts: number;
  /** Sessions per context (G). */
  group: number;
  seed: number;
  personas: string[];
  checkpointEvery: number;
}

export interface StepMetrics {
  step: number;
  estimator: string;
  session_reward: number;
  turn_reward: number;
  conversion_rate: number;
  repetition_rate: number;
  identity_detection_rate: number;
  violations_per_turn: number;
  mean_agent_turns: number;
  loss: number;
  kl: number;
  entropy: number;
  clip_fraction: number;
  grad_norm: number;
  rollout_seconds: number;
  update_seconds: number;
  agent_tokens: number;
  rollout_tokens_per_s: number;
  /** With rehearsal: the supervised windows' mean negative log-likelihood before the step's update. */
  rehearsal_nll?: number;
}

export interface TrainingProgress {
  step: number;
  steps: number;
  metrics: StepMetrics;
}

/**
 * The DuCA training loop: per step, C contexts × G sessions played by the current policy, turned
 * into per-turn advantages by the chosen estimator, one policy update, new weights to the
 * rollout workers, one metrics line; a checkpoint every K steps and at the end. Resumes from the
 * run folder's newest checkpoint: rollouts depend only on weights and seeds, so a resumed run
 * repeats the uninterrupted one. With `rehearsal`, every update also replays supervised windows
 * (drawn by step and seed, so a resumed run draws the same ones).
 */
export async function runTrainingLoop(
  run: RunDirectory,
  config: TrainingLoopConfig,
  optimizer: PolicyOptimizer,
  rollouts: RolloutSource,
  onStep: (p: TrainingProgress) => void = () => {},
  rehearsal?: Rehearsal,
): Promise<StepMetrics[]> {
  const resumeFrom = (await run.latestCheckpoint()) ?? 0;
  if (resumeFrom > 0) {
    const dir = run.checkpointDir(resumeFrom);
    await optimizer.restore(`${dir}/params.safetensors`, `${dir}/optimizer.safetensors`);
  }
  // Steps after the checkpoint are replayed; without one (killed before the first), every line is.
  await run.truncateMetrics(resumeFrom);
  await rollouts.setWeights(optimizer.params);
  for (let step = resumeFrom + 1; step <= config.steps; step++) {
    const metrics = await trainingStep(step, config, optimizer, rollouts, rehearsal);
    await run.appendMetrics(metrics);
    onStep({ step, steps: config.steps, metrics });
    if (step % config.checkpointEvery === 0 || step === config.steps) {
      await run.writeCheckpoint(step, (dir) => optimizer.save(`${dir}/params.safetensors`, `${dir}/optimizer.safetensors`));
    }
  }
  return run.readMetrics<StepMetrics>();
}

async function trainingStep(step: number, c: TrainingLoopConfig, optimizer: PolicyOptimizer, rollouts: RolloutSource, rehearsal?: Rehearsal): Promise<StepMetrics> {
  const contexts = trainingContexts(c.personas, c.contexts, c.seed, step);
  const jobs = contexts.flatMap((ctx, k) => Array.from({ length: c.group }, (_, g) => ({ ...ctx, agentSeed: mixSeeds(c.seed, step, k, g) })));
  const rolloutStart = performance.now();
  const sessions = await rollouts.play(jobs);
  const rolloutSeconds = (performance.now() - rolloutStart) / 1000;

  const groups = contexts.map((_, k) => sessions.slice(k * c.group, (k + 1) * c.group));
  const advantages = computeAdvantages(
    c.estimator,
    groups.map((g) => g.map((s) => ({ session: s.episode.sessionReward, turns: s.episode.turnRewards }))),
    c.advantage,
  ).flat();
  const updateStart = performance.now();
  const update = await optimizer.update(
    sessions.map((s) => s.episode),
    advantages,
    mixSeeds(c.seed, step, 0x5eed),
    rehearsal && { rows: rehearsalRows(rehearsal, mixSeeds(c.seed, step, 0x7e4), optimizer.config.sequenceLength), coef: rehearsal.coef },
  );
  await rollouts.setWeights(optimizer.params);
  const updateSeconds = (performance.now() - updateStart) / 1000;

  const turns = sessions.reduce((a, s) => a + s.episode.agentTurns.length, 0);
  const agentTokens = sessions.reduce((a, s) => a + s.episode.agentTurns.reduce((t, turn) => t + turn.end - turn.start, 0), 0);
  const mean = (f: (s: ScoredSession) => number) => sessions.reduce((a, s) => a + f(s), 0) / sessions.length;
  return {
    step,
    estimator: c.estimator,
    session_reward: mean((s) => s.episode.sessionReward),
    turn_reward: sessions.reduce((a, s) => a + s.episode.turnRewards.reduce((x, r) => x + r, 0), 0) / turns,
    conversion_rate: mean((s) => Number(s.converted)),
    repetition_rate: sessions.reduce((a, s) => a + s.repetitiveTurns, 0) / turns,
    identity_detection_rate: mean((s) => Number(s.identityDetected)),
    violations_per_turn: sessions.reduce((a, s) => a + s.violations, 0) / turns,
    mean_agent_turns: turns / sessions.length,
    loss: update.loss,
    kl: update.kl,
    entropy: update.entropy,
    clip_fraction: update.clipFraction,
    grad_norm: update.gradNorm,
    rollout_seconds: rolloutSeconds,
    update_seconds: updateSeconds,
    agent_tokens: agentTokens,
    rollout_tokens_per_s: agentTokens / rolloutSeconds,
    ...(update.rehearsalNll === undefined ? {} : { rehearsal_nll: update.rehearsalNll }),
  };
}
