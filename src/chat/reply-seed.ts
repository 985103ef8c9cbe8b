import { createHash } from 'node:crypto';

/**
 * The sampling seed of one attempt at one reply: a hash of the session, the visitor turn and the
 * attempt, so replies are reproducible yet two sessions asking the same first question draw
 * different samples (a seed from the turn index alone gave every visitor the same reply).
 */
export function replySeed(sessionId: string, turnIndex: number, attempt: number): number {
  return createHash('sha256').update(`${sessionId}\n${turnIndex}\n${attempt}`).digest().readUInt32BE(0);
}
