/** One agent reply inside an episode's token sequence. */
export interface AgentTurnSpan {
  /** [start, end) into the episode's tokens: the sampled tokens, end-of-reply token included. */
  start: number;
  end: number;
  /** log π_old of each sampled token under the policy that produced the rollout. */
  logprobs: number[];
}

/** One played session as the trainer learns from it: the exact token sequence and its rewards. */
export interface Episode {
  /** The whole conversation as the policy saw it (system prompt, visitor and agent turns). */
  tokens: number[];
  agentTurns: AgentTurnSpan[];
  /** r_{i,t}: one dense reward per agent turn. */
  turnRewards: number[];
  /** R_i: the session reward. */
  sessionReward: number;
}
