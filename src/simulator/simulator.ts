import { HistoryTurn } from '../scoring';

export type SessionEnd = 'converted' | 'left' | 'undecided';

export interface SessionOutcome {
  end: SessionEnd;
  converted: boolean;
  /** Annual contract value in the catalog currency (0 unless converted). */
  value: number;
  /** Why the session ended, for transcripts. */
  reason: string;
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
