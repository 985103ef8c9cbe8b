import type { ChatMessage } from '../model';

export type ReplyEvent =
  | { kind: 'delta'; text: string }
  /** `version`: the model version that wrote the reply, when the policy serves more than one over time. */
  | { kind: 'done'; text: string; completionTokens: number; promptTokens: number; version?: string };

/** Writes the agent's reply to a conversation, streamed. The champion model in production. */
export interface ReplyPolicy {
  /** Name of the model version answering (stored on every agent turn). */
  versionName(): string | undefined;
  isLoaded(): boolean;
  /** Throws (e.g. ContextOverflowError) when the conversation cannot be answered at all. */
  assertFits(messages: ChatMessage[]): void;
  reply(messages: ChatMessage[], options: ReplyOptions): AsyncIterable<ReplyEvent>;
  /** Drops what is kept in memory for the conversation (an erased session); absent where nothing is kept. */
  forget?(conversationId: string): void;
  /** The running batch and its queue, read-only (for /metrics); absent where no generator runs (scripted policies). */
  batchLoad?(): PolicyLoad;
}

export interface PolicyLoad {
  /** Replies waiting to join the running batch. */
  queued: number;
  /** Rows of the running batch in use, and its capacity (POLICY_MAX_BATCH). */
  active: number;
  maxBatch: number;
}

export interface ReplyOptions {
  seed: number;
  signal?: AbortSignal;
  /** The chat session: its cache is kept between turns, so a turn prefills only the new messages. */
  conversationId?: string;
  /**
   * The start of the reply, already sent to the visitor: the policy continues it (its events carry
   * only the continuation), within the same reply length.
   */
  prefix?: string;
  /**
   * The model version id that wrote this conversation's earlier replies: it keeps writing them while
   * it is served (champion or canary), so a visitor's conversation stays on one version.
   */
  stickTo?: string;
  /**
   * Earlier attempts at this reply that were stopped for not answering the visitor: the reply may
   * not start the way any of them did (no token any of them could begin with: `replyRequest`). With a new seed alone the model mostly
   * writes the same non-answer again (docs/compliance.md, "Non-answers").
   */
  avoidOpenings?: string[];
}

export const REPLY_POLICY = Symbol('REPLY_POLICY');

/** The policy is saturated: the caller should retry later. */
export class PolicyBusyError extends Error {
  readonly code = 'busy';
  constructor(queued: number) {
    super(`the agent is busy (${queued} replies waiting); please retry in a moment`);
    this.name = 'PolicyBusyError';
  }
}
