import { Rng } from '../../engine';
import { emptyRow, SequenceRow } from './sequences';

/** A packed supervised window of `length + 1` tokens, scored where the target token is trainable (an assistant reply). */
export interface RehearsalWindow {
  ids: number[];
  trainable: number[];
}

/**
 * Supervised data replayed in every RL update (InstructGPT's PPO-ptx): the loss gains
 * `coef` × the mean negative log-likelihood of the windows' assistant tokens, so training on the
 * simulator does not wear away answers the simulator never asks for.
 */
export interface RehearsalSettings {
  /** Weight of the supervised term against the policy-gradient term (each a mean over its own tokens). */
  coef: number;
  /** Windows drawn, without replacement within a step, for each update. */
  windowsPerStep: number;
}

export interface Rehearsal extends RehearsalSettings {
  windows: RehearsalWindow[];
}

/**
 * The windows of one update as training rows. The policy term −r·A with A = 1 on the window's
 * assistant tokens has the gradient −∇log π at r = 1, i.e. the supervised loss's; `oldLogProbs`
 * are filled with the current policy's log-probs before the update (see `PolicyOptimizer.update`).
 */
export function rehearsalRows(r: Rehearsal, seed: number, length: number): SequenceRow[] {
  if (r.windows.length === 0) throw new Error('rehearsal needs at least one supervised window');
  const rng = new Rng(seed);
  const picked = new Set<number>();
  const count = Math.min(r.windowsPerStep, r.windows.length);
  while (picked.size < count) picked.add(rng.int(r.windows.length));
  return [...picked].map((i) => windowRow(r.windows[i], length));
}

function windowRow(w: RehearsalWindow, length: number): SequenceRow {
  if (w.ids.length !== length + 1 || w.trainable.length !== length + 1) {
    throw new Error(`a rehearsal window of ${w.ids.length} tokens does not make a ${length}-token training row`);
  }
  const row = emptyRow(length);
  for (let p = 0; p < length; p++) {
    row.inputIds[p] = BigInt(w.ids[p]);
    row.targetIds[p] = BigInt(w.ids[p + 1]);
    row.mask[p] = w.trainable[p + 1];
    row.advantages[p] = w.trainable[p + 1];
  }
  return row;
}
