import { TurnScoring } from '../scoring';
import { Persona } from './persona';
import { Agent, runSession, SimulatedSession } from './session-runner';
import { UserSimulator } from './simulator';

export interface SimulationOptions {
  simulator: UserSimulator;
  personas: Persona[];
  /** The agent for session i (scripted agents take a per-session seed). */
  agentFor(sessionIndex: number, seed: number): Agent;
  sessions: number;
  seed: number;
  scoring: TurnScoring;
}

export interface ScoredSession extends SimulatedSession {
  personaId: string;
  seed: number;
  /** Per agent turn: the dense scores, the turn reward r_t and violated rule ids. */
  agentTurnScores: { repetition: number; botLikeness: number; compliance: number; reward: number; violations: string[] }[];
}

/** An agent turn counts as repetitive / bot-like at or above these scores (the summary's rates and the admin metrics). */
export const FLAGGED_TURN_SCORES = { repetition: 0.5, botLikeness: 0.5 } as const;

export interface SimulationSummary {
  sessions: number;
  simulator: string;
  conversionRate: number;
  /** Wilson 95% interval for the conversion rate. */
  conversionRateCi95: [number, number];
  outcomes: Record<string, number>;
  meanValue: number;
  meanAgentTurns: number;
  /** Share of agent turns whose repetition score is ≥ FLAGGED_TURN_SCORES.repetition (0.5). */
  repetitionRate: number;
  /** Share of agent turns a visitor would likely read as a bot (bot-likeness ≥ FLAGGED_TURN_SCORES.botLikeness, 0.5). */
  botLikeRate: number;
  /** Share of sessions in which the visitor concluded on its own that the agent sounds robotic. */
  identityDetectionRate: number;
  /** Violations per agent turn, all rules together and by rule id. */
  violationsPerTurn: number;
  violationRateByRule: Record<string, number>;
}

/** Runs `sessions` simulated sessions, personas in turn, each with its own derived seed. */
export async function runSimulation(o: SimulationOptions): Promise<{ sessions: ScoredSession[]; summary: SimulationSummary }> {
  const sessions: ScoredSession[] = [];
  for (let i = 0; i < o.sessions; i++) {
    const persona = o.personas[i % o.personas.length];
    const seed = (o.seed * 100_003 + i) >>> 0;
    const played = await runSession(o.agentFor(i, seed), o.simulator.visitor(persona.id, seed));
    const agentTurnScores = played.turns.flatMap((t, k) => {
      if (t.role !== 'agent') return [];
      const s = o.scoring.score(t.text, played.turns.slice(0, k));
      const get = (name: string) => s.results.find((r) => r.scorer === name)!.score;
      return [{ repetition: get('repetition'), botLikeness: get('bot_likeness'), compliance: get('compliance'), reward: s.total, violations: s.violations.map((v) => v.ruleId) }];
    });
    sessions.push({ ...played, personaId: persona.id, seed, agentTurnScores });
  }
  return { sessions, summary: summarize(sessions, o.simulator.name) };
}

export function summarize(sessions: ScoredSession[], simulator: string): SimulationSummary {
  const n = sessions.length;
  const converted = sessions.filter((s) => s.outcome.converted).length;
  const turns = sessions.flatMap((s) => s.agentTurnScores);
  const share = (pred: (t: (typeof turns)[number]) => boolean) => (turns.length ? turns.filter(pred).length / turns.length : 0);
  const outcomes: Record<string, number> = {};
  for (const s of sessions) outcomes[s.outcome.end] = (outcomes[s.outcome.end] ?? 0) + 1;
  const byRule: Record<string, number> = {};
  for (const t of turns) for (const r of t.violations) byRule[r] = (byRule[r] ?? 0) + 1;
  return {
    sessions: n,
    simulator,
    conversionRate: n ? converted / n : 0,
    conversionRateCi95: wilsonInterval(converted, n),
    outcomes,
    meanValue: n ? sessions.reduce((a, s) => a + s.outcome.value, 0) / n : 0,
    meanAgentTurns: n ? turns.length / n : 0,
    repetitionRate: share((t) => t.repetition >= FLAGGED_TURN_SCORES.repetition),
    botLikeRate: share((t) => t.botLikeness >= FLAGGED_TURN_SCORES.botLikeness),
    identityDetectionRate: n ? sessions.filter((s) => s.outcome.identityDetected).length / n : 0,
    violationsPerTurn: turns.reduce((a, t) => a + t.violations.length, 0) / Math.max(1, turns.length),
    violationRateByRule: Object.fromEntries(Object.entries(byRule).map(([k, v]) => [k, v / Math.max(1, turns.length)])),
  };
}

/** Wilson score interval for a binomial proportion (z = 1.96). */
export function wilsonInterval(successes: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
