import { ProductCatalog } from '../catalog';
import { compare, evaluate, EvaluationPlan, summarize } from '../evaluation';
import { loadCheckpoint } from '../model';
import { ComplianceRule, defaultRewardConfig } from '../scoring';
import { Persona, VisitorKind } from '../simulator';
import { PoolRolloutSource } from '../rl/pool-rollouts';
import { openRolloutPool } from '../rl/pool-backend';
import { decideGate, GateReport, GateRules, GateVisitorReport } from './gate';

export interface GateEvaluationRequest {
  championDir: string;
  candidateDir: string;
  catalog: ProductCatalog;
  /** Held-out personas: the library only (never the run's derived ones), visitors from the evaluation seed range. */
  personas: Persona[];
  /** The compliance rules in force (the run's): violations are counted by them. */
  complianceRules: ComplianceRule[];
  sessions: number;
  seed: number;
  maxAgentTurns: number;
  workers: number;
  rules: GateRules;
  /** The visitors judged on; strict always, first (GATE_VISITORS). */
  visitors: VisitorKind[];
}

/**
 * Candidate vs champion on the same held-out sessions (same persona, visitor and agent seeds,
 * serving sampling), on the strict visitor and every other one asked for, paired differences with
 * 95% intervals, and the gate's decision.
 */
export async function evaluateForGate(r: GateEvaluationRequest): Promise<GateReport> {
  const [champion, candidate] = await Promise.all([loadCheckpoint(r.championDir), loadCheckpoint(r.candidateDir)]);
  if (JSON.stringify(champion.config) !== JSON.stringify(candidate.config)) {
    throw new Error(`the candidate (${r.candidateDir}) and the champion (${r.championDir}) have different architectures`);
  }
  const weights = (c: typeof champion) => new Map([...c.tensors].map(([n, t]) => [n, Float32Array.from(t.data)]));
  const pool = await openRolloutPool({ modelDir: r.championDir, catalog: r.catalog, personas: r.personas, workers: r.workers, maxAgentTurns: r.maxAgentTurns });
  try {
    const source = new PoolRolloutSource(
      pool,
      { sampling: 'serving', maxAgentTurns: r.maxAgentTurns, rewards: { ...defaultRewardConfig, rewardScale: 1 }, complianceRules: r.complianceRules },
      r.catalog,
    );
    const played = async (visitor: VisitorKind) => {
      const plan: EvaluationPlan = { personas: r.personas.map((p) => p.id), sessions: r.sessions, seed: r.seed, visitor };
      await source.setWeights(weights(champion));
      const baseline = await evaluate(source, plan);
      await source.setWeights(weights(candidate));
      const trial = await evaluate(source, plan);
      return { visitor, candidate: summarize(trial), champion: summarize(baseline), comparison: compare(trial, baseline) };
    };
    const strict = await played('strict');
    const otherVisitors: GateVisitorReport[] = [];
    for (const visitor of r.visitors.filter((v) => v !== 'strict')) otherVisitors.push(await played(visitor));
    return {
      ...decideGate(strict.comparison, r.rules, otherVisitors),
      rules: r.rules,
      sessions: r.sessions,
      personas: r.personas.map((p) => p.id),
      seed: r.seed,
      candidate: strict.candidate,
      champion: strict.champion,
      comparison: strict.comparison,
      otherVisitors,
    };
  } finally {
    await pool.close();
  }
}
