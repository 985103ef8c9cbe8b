import type { WeightMode } from '../causal-lm';
import type { FinishReason } from '../generation-stream';
import type { SamplingOptions } from '../sampling';

/** Messages between a served model's handle (main thread) and its inference thread. */

export interface ServingInit {
  dir: string;
  /** Longest sequence (prompt + reply) a row may hold. */
  capacity: number;
  maxBatch: number;
  /** Compile every step shape before reporting ready. */
  precompile: boolean;
  /** How the step graphs hold the weights; default: CausalLm's by model size. */
  weights?: WeightMode;
  /** Memory for conversations' key/value caches kept between their turns. */
  cacheBytes: number;
  /** ORT threads for batched steps; default: ORT's choice (every core). */
  intraOpThreads?: number;
}

export interface ServingRequest extends Partial<SamplingOptions> {
  prompt: number[];
  maxNewTokens: number;
  seed: number;
  /** The conversation whose cache is reused and kept (only its new tokens are prefilled). */
  conversationId?: string;
  /** Token ids the reply may not start with. */
  beginSuppressTokens?: number[];
}

export interface ServedResult {
  text: string;
  completionTokens: number;
  promptTokens: number;
  /** Prompt tokens whose keys/values came from the conversation's cache. */
  reusedTokens: number;
  finishReason: FinishReason;
}

export interface Warmup {
  shapes: number;
  seconds: number;
}

export type ToServing =
  /** `cancelled`: the caller gave up before it was sent (it ends cancelled without a token). */
  | { type: 'submit'; id: number; request: ServingRequest; cancelled?: boolean }
  | { type: 'cancel'; id: number }
  | { type: 'forget'; conversationId: string }
  | { type: 'close' };

/** A request's news: visible text (consecutive deltas of a step merged), its result, or its failure. */
export type ServingEvent = { id: number; delta: string } | { id: number; done: ServedResult } | { id: number; failed: string };

export interface ServingReady {
  maxContext: number;
  /** Absent when the shapes compile on first use. */
  warmup?: Warmup;
}

export type FromServing = { type: 'events'; events: ServingEvent[] };
