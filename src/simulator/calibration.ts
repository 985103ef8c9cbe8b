import { ProductCatalog } from '../catalog';
import { SessionRewardKind, sessionReward, TurnScoring } from '../scoring';
import { CalibrationAgent, CalibrationAgentKind, scriptedCalibrationAgents } from './agents';
import { Persona } from './persona';
import { RuleBasedSimulator } from './rule-based-simulator';
import { runSimulation, ScoredSession, SimulationSummary } from './simulation';
import { VisitorKind } from './visitor-model';

/** One line of `closer calibrate`. */
export interface CalibrationRow {
  agent: string;
  kind: CalibrationAgentKind;
  visitor: VisitorKind;
  conversion: number;
  ci95: [number, number];
  mean_turns: number;
  repetition_rate: number;
  identity_detection_rate: number;
  violations_per_turn: number;
  /** Share of agent turns breaking each compliance rule (the forbidden tactics among them). */
  violation_rate_by_rule: Record<string, number>;
  mean_value: number;
}

export interface CalibrationOptions {
  agents: CalibrationAgent[];
  personas: Persona[];
  catalog: ProductCatalog;
  sessions: number;
  seed: number;
  /** `strict` when absent. */
  visitor?: VisitorKind;
}

/** Plays every agent against the rule-based visitor (same personas and seeds for all) and reports one row each. */
export async function* calibrate(o: CalibrationOptions): AsyncGenerator<{ row: CalibrationRow; sessions: ScoredSession[] }> {
  const visitor = o.visitor ?? 'strict';
  const simulator = new RuleBasedSimulator(o.personas, o.catalog, visitor);
  const scoring = new TurnScoring(o.catalog);
  for (const agent of o.agents) {
    const { sessions, summary } = await runSimulation({
      simulator,
      personas: o.personas,
      agentFor: (_, seed) => agent.make(seed),
      sessions: o.sessions,
      seed: o.seed,
      scoring,
    });
    yield { row: calibrationRow(agent, visitor, summary), sessions };
  }
}

function calibrationRow(agent: Pick<CalibrationAgent, 'name' | 'kind'>, visitor: VisitorKind, s: SimulationSummary): CalibrationRow {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    agent: agent.name,
    kind: agent.kind,
    visitor,
    conversion: round(s.conversionRate),
    ci95: [round(s.conversionRateCi95[0]), round(s.conversionRateCi95[1])],
    mean_turns: round(s.meanAgentTurns),
    repetition_rate: round(s.repetitionRate),
    identity_detection_rate: round(s.identityDetectionRate),
    violations_per_turn: round(s.violationsPerTurn),
    violation_rate_by_rule: Object.fromEntries(Object.entries(s.violationRateByRule).map(([rule, rate]) => [rule, Math.round(rate * 10000) / 10000])),
    mean_value: Math.round(s.meanValue),
  };
}

/**
 * Two-sided two-proportion z-test (pooled variance): is rate a = successesA / nA different from
 * rate b? Returns z (positive when a is higher) and the two-sided p-value.
 */
export function twoProportionTest(successesA: number, nA: number, successesB: number, nB: number): { z: number; p: number } {
  const pooled = (successesA + successesB) / (nA + nB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nA + 1 / nB));
  const z = se === 0 ? 0 : (successesA / nA - successesB / nB) / se;
  return { z, p: 2 * (1 - standardNormalCdf(Math.abs(z))) };
}

/** Φ(x) via the Abramowitz–Stegun 7.1.26 erf approximation (|error| < 1.5e-7). */
function standardNormalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface Scale {
  mean: number;
  std: number;
  /** Mean over groups of the standard deviation within a group (what GRPO/HIAN normalize by). */
  withinGroupStd: number;
}

/** The two reward horizons' measured scales (docs/rewards.md). */
export interface RewardScales {
  sessions: number;
  groupSize: number;
  /** R per session, for each kind of session reward. */
  sessionReward: Record<SessionRewardKind, Scale>;
  /** Σ_t r_t per session. */
  turnRewardSum: Scale;
  /** r_t per agent turn (groups: all turns of a group's sessions). */
  turnReward: Scale;
  /** Share of agent turns with r_t = 0 (a clean turn). */
  cleanTurnShare: number;
  /**
   * GRPO's merged reward s = R + Σ_t r_t: the share of grouped sessions whose merged advantage
   * has the sign of their session-reward advantage (sessions at their group's mean R left out).
   */
  mergedSignAgreement: Record<SessionRewardKind, number>;
}

/**
 * Groups are `groupSize` sessions of the same persona with different seeds (how a DuCA group is
 * sampled); sessions left over after the last full group of a persona are not grouped.
 */
export function rewardScales(sessions: ScoredSession[], groupSize: number): RewardScales {
  const byPersona = new Map<string, ScoredSession[]>();
  for (const s of sessions) byPersona.set(s.personaId, [...(byPersona.get(s.personaId) ?? []), s]);
  const groups = [...byPersona.values()].flatMap((list) => Array.from({ length: Math.floor(list.length / groupSize) }, (_, i) => list.slice(i * groupSize, (i + 1) * groupSize)));
  const R = (kind: SessionRewardKind) => (s: ScoredSession) => sessionReward(s.outcome, kind);
  const turnSum = (s: ScoredSession) => s.agentTurnScores.reduce((a, t) => a + t.reward, 0);
  const turns = (list: ScoredSession[]) => list.flatMap((s) => s.agentTurnScores.map((t) => t.reward));
  const scale = (all: number[], grouped: number[][]): Scale => ({ mean: mean(all), std: std(all), withinGroupStd: mean(grouped.map(std)) });
  const allTurns = turns(sessions);
  return {
    sessions: sessions.length,
    groupSize,
    sessionReward: {
      value: scale(sessions.map(R('value')), groups.map((g) => g.map(R('value')))),
      conversion: scale(sessions.map(R('conversion')), groups.map((g) => g.map(R('conversion')))),
    },
    turnRewardSum: scale(sessions.map(turnSum), groups.map((g) => g.map(turnSum))),
    turnReward: scale(allTurns, groups.map(turns)),
    cleanTurnShare: allTurns.filter((r) => r === 0).length / Math.max(1, allTurns.length),
    mergedSignAgreement: { value: signAgreement(groups, R('value'), turnSum), conversion: signAgreement(groups, R('conversion'), turnSum) },
  };
}

function signAgreement(groups: ScoredSession[][], R: (s: ScoredSession) => number, turnSum: (s: ScoredSession) => number): number {
  let agree = 0;
  let counted = 0;
  for (const g of groups) {
    const meanR = mean(g.map(R));
    const meanMerged = mean(g.map((s) => R(s) + turnSum(s)));
    for (const s of g) {
      if (R(s) === meanR) continue;
      counted++;
      if (Math.sign(R(s) - meanR) === Math.sign(R(s) + turnSum(s) - meanMerged)) agree++;
    }
  }
  return counted ? agree / counted : 1;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

function std(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}

export interface CalibrationCommandOptions {
  catalog: ProductCatalog;
  personas: Persona[];
  sessions: number;
  seed: number;
  visitor?: VisitorKind;
  /** Only these agents (names); all when absent. */
  only?: string[];
  /** The served model as an agent, loaded only when it is played. */
  policy?: { name: string; load(): Promise<{ make(seed: number): ReturnType<CalibrationAgent['make']>; release(): Promise<void> }> };
  /** Also report the policy's reward scales with groups of this size. */
  rewardScalesGroupSize?: number;
  print(line: string): void;
}

/** `closer calibrate`: one JSON line per agent (and the policy's reward scales when asked). */
export async function runCalibrationCommand(o: CalibrationCommandOptions): Promise<void> {
  const scripted = scriptedCalibrationAgents(o.catalog);
  const names = [...scripted.map((a) => a.name), ...(o.policy ? [o.policy.name] : [])];
  const unknown = (o.only ?? []).filter((n) => !names.includes(n));
  if (unknown.length) throw new UnknownAgentError(unknown, names);
  const wanted = (name: string) => !o.only || o.only.includes(name);
  const options = { catalog: o.catalog, personas: o.personas, sessions: o.sessions, seed: o.seed, visitor: o.visitor };
  for await (const { row } of calibrate({ ...options, agents: scripted.filter((a) => wanted(a.name)) })) o.print(JSON.stringify(row));
  if (!o.policy || !wanted(o.policy.name)) return;
  const loaded = await o.policy.load();
  try {
    const policy: CalibrationAgent = { name: o.policy.name, kind: 'policy', make: (seed) => loaded.make(seed) };
    for await (const { row, sessions } of calibrate({ ...options, agents: [policy] })) {
      o.print(JSON.stringify(row));
      if (o.rewardScalesGroupSize) o.print(JSON.stringify({ agent: policy.name, reward_scales: rewardScales(sessions, o.rewardScalesGroupSize) }));
    }
  } finally {
    await loaded.release();
  }
}

export class UnknownAgentError extends Error {
  readonly code = 'unknown_agent';
  constructor(unknown: string[], known: string[]) {
    super(`unknown agent(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
    this.name = 'UnknownAgentError';
  }
}
