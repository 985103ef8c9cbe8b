import { Turn } from '../sessions';

/** Who wrote a turn, as every client sees it: the AI is never shown as a person, nor a person as the AI. */
export type TurnAuthor = { kind: 'visitor' } | { kind: 'ai' } | { kind: 'person'; name: string } | { kind: 'system' };

export function turnAuthor(turn: Turn): TurnAuthor {
  switch (turn.role) {
    case 'visitor':
      return { kind: 'visitor' };
    case 'agent':
      return { kind: 'ai' };
    case 'person':
      return { kind: 'person', name: turn.authorName ?? 'a person from our team' };
    case 'system':
      return { kind: 'system' };
  }
}

/** A stored turn as the `/admin` sockets stream it (`session:turn`). */
export const liveTurnView = (sessionId: string, t: Turn) => ({ sessionId, turnId: t.id, index: t.index, role: t.role, author: turnAuthor(t), text: t.text, createdAt: t.createdAt });
