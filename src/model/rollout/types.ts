import type { ProductCatalog } from '../../catalog';
import type { HistoryTurn } from '../../scoring';
import type { Persona, SessionOutcome, VisitorKind } from '../../simulator';
import type { WeightMode } from '../causal-lm';
import type { FinishReason } from '../generation-stream';
import type { SamplingOptions } from '../sampling';

export interface RolloutJob {
  personaId: string;
  /** Seeds the visitor (and the agent's replies unless `agentSeed` is given). */
  seed: number;
  /**
   * Seeds the agent's replies on their own, so sessions of one RL group meet the same visitor and
   * differ only in what the agent samples.
   */
  agentSeed?: number;
  sampling?: Partial<SamplingOptions>;
  maxAgentTurns?: number;
  /** The rule-based visitor's kind; `strict` when absent. */
  visitor?: VisitorKind;
}

/** One agent reply inside `RolloutSession.tokens`. */
export interface AgentTurn {
  /** [start, end) into the session's tokens: the sampled tokens, the end-of-reply token included when sampled. */
  start: number;
  end: number;
  /** Per sampled token: log-prob under the sampling distribution (the behaviour policy). */
  logprobs: number[];
  /** Per sampled token: log-prob under the raw model. */
  rawLogprobs: number[];
  /** The decoded reply (the visitor sees it trimmed, or "..." when empty). */
  text: string;
  /** 'eos': ended on the end-of-reply token; 'length': hit the reply or context limit (the template's end-of-turn text follows, not sampled). */
  finishReason: FinishReason;
}

/** Why a session ended: the visitor ended it, or a limit did (its outcome is then undecided, not converted). */
export type RolloutEnd = 'visitor' | 'max_agent_turns' | 'context_full';

export interface RolloutSession {
  personaId: string;
  seed: number;
  /** The conversation as text, as `runSession` returns it. */
  turns: HistoryTurn[];
  outcome: SessionOutcome;
  ended: RolloutEnd;
  /** Every token of the conversation exactly as the model saw it (chat template, system prompt included). */
  tokens: number[];
  agentTurns: AgentTurn[];
}

export interface RolloutPlayerOptions {
  modelDir: string;
  /** ORT intra-op threads of this player's model. */
  intraOpThreads?: number;
  /** 'fed' (default): new weights are a tensor swap; 'baked': faster steps, new weights recompile. */
  weights?: WeightMode;
  /** Replies generated together (continuous batching). */
  maxBatch?: number;
  /** Longest conversation in tokens (prompt + replies); a session that would exceed it ends with `context_full`. */
  contextTokens?: number;
  maxReplyTokens?: number;
  /** Default sampling for agent replies (a job's `sampling` overrides it). */
  sampling?: Partial<SamplingOptions>;
  maxAgentTurns?: number;
  /** The visitors the simulator plays (a job names one by id). */
  personas: Persona[];
  /** What the agent sells: its system prompt, the simulator's facts and the scorers'. */
  catalog: ProductCatalog;
}

/** Weights by Hugging Face name, or a checkpoint folder to read them from. */
export type PolicyWeights = ReadonlyMap<string, Float32Array> | Record<string, Float32Array> | string;
