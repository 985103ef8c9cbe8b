import { Rng } from '../engine';

/**
 * A training context: who the visitor is and how it starts. The G sessions of a group share it
 * (same persona, same visitor seed, hence the same opening and hidden state) and differ only in
 * the agent's sampling seed, so the group baseline compares the agent's choices alone.
 */
export interface TrainingContext {
  personaId: string;
  visitorSeed: number;
}

/**
 * Visitor seeds are split in two ranges: training contexts draw from the lower half, offline
 * evaluation from the upper half, so evaluation always meets visitors the policy never trained on.
 */
export const TRAINING_SEED_LIMIT = 2 ** 30;
export const EVALUATION_SEED_BASE = 2 ** 30;

/** Contexts of one training step: personas in a seeded shuffled rotation, fresh visitor seeds. */
export function trainingContexts(personaIds: readonly string[], count: number, runSeed: number, step: number): TrainingContext[] {
  if (personaIds.length === 0) throw new Error('no personas to train on');
  const rng = new Rng(mixSeeds(runSeed, step));
  const order = [...personaIds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return Array.from({ length: count }, (_, c) => ({ personaId: order[c % order.length], visitorSeed: rng.int(TRAINING_SEED_LIMIT) }));
}

/** A well-spread 32-bit seed from several integers (so nearby steps do not get nearby streams). */
export function mixSeeds(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    h = (h ^ (h >>> 12)) >>> 0;
  }
  return h;
}
