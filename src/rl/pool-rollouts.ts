import { ProductCatalog } from '../catalog';
import { RolloutPool, RolloutSession } from '../model/rollout';
import { ComplianceRule, parseComplianceRules, SessionRewardKind, sessionReward, TurnRewardWeights, TurnScoring } from '../scoring';
import { isPersuasionTacticRule, VisitorKind } from '../simulator';
import { RolloutJob, RolloutSource, ScoredSession } from './rollouts';

/**
 * Training rollouts sample from the policy itself (temperature 1, no truncation, no penalty), so
 * the log-probs of the behaviour policy are exactly the model's and the PPO ratio is unbiased.
 */
export const ON_POLICY_SAMPLING = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };

/** How the served model samples for visitors (the chat defaults): what held-out evaluation measures. */
export const SERVING_SAMPLING = { temperature: 0.7, topK: 0, topP: 0.95, repetitionPenalty: 1.1 };

/** A repetition score at or above this marks a repetitive turn (the simulator's reporting threshold). */
const REPETITIVE_TURN = 0.5;

export interface RolloutRewards {
  turnWeights: TurnRewardWeights;
  sessionReward: SessionRewardKind;
  /** Multiplier on the session reward (the reward-scale sweep); 1 normally. */
  rewardScale: number;
}

/** How a source plays and scores sessions; plain JSON, so remote rollout workers receive it with each chunk. */
export interface PoolRolloutSettings {
  sampling: 'on-policy' | 'serving';
  maxAgentTurns?: number;
  rewards: RolloutRewards;
  /** The compliance rules the turns are scored with (the server's rules in force for a nightly run); the shipped ones when absent. */
  complianceRules?: ComplianceRule[];
  /** The visitor the sessions are played against (a job may name another); `strict` when absent. */
  visitor?: VisitorKind;
}

/** Scores a played session into the episode the trainer learns from and the figures it reports. */
export function scoreRollout(session: RolloutSession, rewards: RolloutRewards, scoring: TurnScoring): ScoredSession {
  const turnRewards: number[] = [];
  let repetitiveTurns = 0;
  let violations = 0;
  let tacticViolations = 0;
  session.turns.forEach((turn, k) => {
    if (turn.role !== 'agent') return;
    const scores = scoring.score(turn.text, session.turns.slice(0, k));
    turnRewards.push(scores.reward.reward);
    if (scores.results.find((r) => r.scorer === 'repetition')!.score >= REPETITIVE_TURN) repetitiveTurns++;
    violations += scores.violations.length;
    tacticViolations += scores.violations.filter((v) => isPersuasionTacticRule(v.ruleId)).length;
  });
  if (turnRewards.length !== session.agentTurns.length) {
    throw new Error(`session ${session.personaId}/${session.seed}: ${turnRewards.length} agent turns in the text, ${session.agentTurns.length} in the tokens`);
  }
  return {
    episode: {
      tokens: session.tokens,
      // π_old is the raw model: training samples on-policy (ON_POLICY_SAMPLING), so it is also the sampling distribution.
      agentTurns: session.agentTurns.map((t) => ({ start: t.start, end: t.end, logprobs: t.rawLogprobs })),
      turnRewards,
      sessionReward: sessionReward(session.outcome, rewards.sessionReward) * rewards.rewardScale,
    },
    converted: session.outcome.converted,
    identityDetected: session.outcome.identityDetected ?? false,
    repetitiveTurns,
    violations,
    tacticViolations,
  };
}

/** The rollout worker pool as the trainer's and the evaluation's rollout source. */
export class PoolRolloutSource implements RolloutSource {
  private readonly scoring: TurnScoring;

  constructor(
    private readonly pool: RolloutPool,
    private readonly settings: PoolRolloutSettings,
    catalog: ProductCatalog,
  ) {
    // Checked again: a remote worker receives the rules as JSON.
    this.scoring = new TurnScoring(catalog, settings.rewards.turnWeights, settings.complianceRules && parseComplianceRules(settings.complianceRules));
  }

  async play(jobs: RolloutJob[]): Promise<ScoredSession[]> {
    const played = await this.pool.play(
      jobs.map((j) => ({
        personaId: j.personaId,
        seed: j.visitorSeed,
        agentSeed: j.agentSeed,
        sampling: this.settings.sampling === 'on-policy' ? ON_POLICY_SAMPLING : SERVING_SAMPLING,
        maxAgentTurns: this.settings.maxAgentTurns,
        visitor: j.visitor ?? this.settings.visitor,
      })),
    );
    return played.map((s) => scoreRollout(s, this.settings.rewards, this.scoring));
  }

  setWeights(params: Map<string, Float32Array>): Promise<void> {
    return this.pool.setWeights(params);
  }
}
