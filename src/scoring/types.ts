import { ProductCatalog } from '../catalog';

export type Speaker = 'visitor' | 'agent';

export interface HistoryTurn {
  role: Speaker;
  text: string;
}

/** What a scorer sees: the agent turn, everything said before it, and the product facts. */
export interface TurnInput {
  text: string;
  /** Earlier turns of the session, oldest first (not including `text`). */
  history: HistoryTurn[];
  catalog: ProductCatalog;
}

export interface ScoreResult {
  scorer: string;
  version: string;
  /** In the scorer's documented range (see each scorer). */
  score: number;
  evidence: Record<string, unknown>;
}

export interface TurnScorer {
  readonly name: string;
  readonly version: string;
  score(input: TurnInput): ScoreResult;
}
