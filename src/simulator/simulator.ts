import { HistoryTurn } from '../scoring';

export type SessionEnd = 'converted' | 'left' | 'undecided';

export interface SessionOutcome {
  end: SessionEnd;
  converted: boolean;
  /** Deal value in the catalog currency: price per seat × seats × months committed (0 unless converted). */
  value: number;
  /** Why the session ended, for transcripts. */
  reason: string;
  /** The deal, when converted: plan bought, seats, and months committed (12 annual, 1 monthly). */
  planId?: string;
  seats?: number;
  months?: number;
  /**
   * The visitor concluded on its own that the agent sounds robotic (said so or asked "are you a
   * bot?"): the paper's identity detection. Set by every simulator in this folder.
   */
  identityDetected?: boolean;
}

/** The visitor's move after an agent reply: a next message, or the end of the session. */
export type VisitorStep = { kind: 'message'; text: string } | { kind: 'end'; text?: string; outcome: SessionOutcome };

/** One simulated visitor in one session. Deterministic for a seed where the backend allows. */
export interface SimulatedVisitor {
  opening(): Promise<string>;
  /** `history` holds every turn so far, ending with the agent reply to react to. */
  respond(history: HistoryTurn[]): Promise<VisitorStep>;
}

/** Creates visitors for sessions; rule-based by default, LLM-backed when configured. */
export interface UserSimulator {
  readonly name: string;
  visitor(personaId: string, seed: number): SimulatedVisitor;
}
