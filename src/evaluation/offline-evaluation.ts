import { EVALUATION_SEED_BASE, mixSeeds, RolloutJob, RolloutSource, ScoredSession } from '../rl';
import type { VisitorKind } from '../simulator';
import { wilsonInterval } from '../simulator/simulation';
import { BootstrapOptions, defaultBootstrap, PairedDifference, pairedDifference } from './paired-statistics';

/** Which held-out sessions an evaluation plays: the same for every model it compares. */
export interface EvaluationPlan {
  personas: string[];
  sessions: number;
  seed: number;
  /** The visitor's kind; the source's own (strict unless set) when absent. */
  visitor?: VisitorKind;
}

/** What an evaluation keeps of each session (enough to recompute every figure, no transcript). */
export interface EvaluationRecord extends RolloutJob {
  converted: boolean;
  sessionReward: number;
  agentTurns: number;
  repetitiveTurns: number;
  identityDetected: boolean;
  violations: number;
  tacticViolations: number;
}

export interface EvaluationSummary {
  sessions: number;
  conversion_rate: number;
  conversion_ci95: [number, number];
  repetition_rate: number;
  identity_detection_rate: number;
  violations_per_turn: number;
  mean_agent_turns: number;
  mean_session_reward: number;
}

export interface EvaluationComparison {
  conversion: PairedDifference;
  repetition: PairedDifference;
  identity_detection: PairedDifference;
  violations: PairedDifference;
  session_reward: PairedDifference;
}

/**
 * Held-out sessions: personas in turn, visitors from the evaluation seed range (never used in
 * training), agent sampling seeds fixed, so two models meet exactly the same visitors.
 */
export function evaluationJobs(plan: EvaluationPlan): RolloutJob[] {
  if (plan.personas.length === 0) throw new Error('evaluation: no personas');
  return Array.from({ length: plan.sessions }, (_, i) => ({
    personaId: plan.personas[i % plan.personas.length],
    visitorSeed: EVALUATION_SEED_BASE + (mixSeeds(plan.seed, i) % EVALUATION_SEED_BASE),
    agentSeed: mixSeeds(plan.seed, i, 0xa9e7),
    ...(plan.visitor ? { visitor: plan.visitor } : {}),
  }));
}

/** Plays the plan with the source's current weights. */
export async function evaluate(source: RolloutSource, plan: EvaluationPlan): Promise<EvaluationRecord[]> {
  const jobs = evaluationJobs(plan);
  const played = await source.play(jobs);
  return played.map((s, i) => toRecord(jobs[i], s));
}

function toRecord(job: RolloutJob, s: ScoredSession): EvaluationRecord {
  return {
    ...job,
    converted: s.converted,
    sessionReward: s.episode.sessionReward,
    agentTurns: s.episode.agentTurns.length,
    repetitiveTurns: s.repetitiveTurns,
    identityDetected: s.identityDetected,
    violations: s.violations,
    tacticViolations: s.tacticViolations,
  };
}

export function summarize(records: readonly EvaluationRecord[]): EvaluationSummary {
  const converted = records.filter((r) => r.converted).length;
  const turns = records.reduce((a, r) => a + r.agentTurns, 0);
  const share = (f: (r: EvaluationRecord) => number) => records.reduce((a, r) => a + f(r), 0);
  return {
    sessions: records.length,
    conversion_rate: converted / Math.max(1, records.length),
    conversion_ci95: wilsonInterval(converted, records.length),
    repetition_rate: share((r) => r.repetitiveTurns) / Math.max(1, turns),
    identity_detection_rate: share((r) => Number(r.identityDetected)) / Math.max(1, records.length),
    violations_per_turn: share((r) => r.violations) / Math.max(1, turns),
    mean_agent_turns: turns / Math.max(1, records.length),
    mean_session_reward: share((r) => r.sessionReward) / Math.max(1, records.length),
  };
}

/** Candidate vs baseline on the same plan: paired differences with 95% intervals. */
export function compare(candidate: readonly EvaluationRecord[], baseline: readonly EvaluationRecord[], o: BootstrapOptions = defaultBootstrap): EvaluationComparison {
  candidate.forEach((r, i) => {
    const b = baseline[i];
    if (!b || b.personaId !== r.personaId || b.visitorSeed !== r.visitorSeed || b.agentSeed !== r.agentSeed) {
      throw new Error(`evaluation records are not paired at session ${i}: both models must play the same plan`);
    }
  });
  if (candidate.length !== baseline.length) throw new Error(`paired evaluations differ in length: ${candidate.length} vs ${baseline.length}`);
  const perTurn = (rs: readonly EvaluationRecord[], f: (r: EvaluationRecord) => number) => ({ numerators: rs.map(f), denominators: rs.map((r) => r.agentTurns) });
  return {
    conversion: pairedDifference(candidate.map((r) => Number(r.converted)), baseline.map((r) => Number(r.converted)), o),
    repetition: pairedDifference(perTurn(candidate, (r) => r.repetitiveTurns), perTurn(baseline, (r) => r.repetitiveTurns), o),
    identity_detection: pairedDifference(candidate.map((r) => Number(r.identityDetected)), baseline.map((r) => Number(r.identityDetected)), o),
    violations: pairedDifference(perTurn(candidate, (r) => r.violations), perTurn(baseline, (r) => r.violations), o),
    session_reward: pairedDifference(candidate.map((r) => r.sessionReward), baseline.map((r) => r.sessionReward), o),
  };
}
