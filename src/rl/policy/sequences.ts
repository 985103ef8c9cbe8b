import { Episode } from '../episode';

/** One episode laid out as a training row of fixed length: next-token targets on agent tokens. */
export interface SequenceRow {
  inputIds: BigInt64Array;
  targetIds: BigInt64Array;
  /** 1 where the target is a sampled agent token. */
  mask: Float32Array;
  oldLogProbs: Float32Array;
  advantages: Float32Array;
}

export class SequenceTooLongError extends Error {
  override readonly name = 'SequenceTooLongError';
}

/** A training row of `length` positions, all zero (padding, nothing trained). */
export function emptyRow(length: number): SequenceRow {
  return {
    inputIds: new BigInt64Array(length),
    targetIds: new BigInt64Array(length),
    mask: new Float32Array(length),
    oldLogProbs: new Float32Array(length),
    advantages: new Float32Array(length),
  };
}

/**
 * Position p predicts tokens[p + 1]; it is trained when that token was sampled by the agent, with
 * the advantage of the turn it belongs to. Rows are padded with token 0 after the episode's end
 * (causal attention never looks ahead, so padding changes nothing before it).
 */
export function sequenceRow(episode: Episode, advantages: readonly number[], length: number): SequenceRow {
  if (episode.tokens.length - 1 > length) {
    throw new SequenceTooLongError(`an episode of ${episode.tokens.length} tokens does not fit a ${length}-token training row`);
  }
  if (advantages.length !== episode.agentTurns.length) {
    throw new Error(`${advantages.length} advantages for ${episode.agentTurns.length} agent turns`);
  }
  const row = emptyRow(length);
  for (let p = 0; p + 1 < episode.tokens.length; p++) {
    row.inputIds[p] = BigInt(episode.tokens[p]);
    row.targetIds[p] = BigInt(episode.tokens[p + 1]);
  }
  episode.agentTurns.forEach((turn, t) => {
    if (turn.end - turn.start !== turn.logprobs.length || turn.start < 1 || turn.end > episode.tokens.length) {
      throw new Error(`agent turn ${t} spans [${turn.start}, ${turn.end}) with ${turn.logprobs.length} log-probs in ${episode.tokens.length} tokens`);
    }
    for (let k = turn.start; k < turn.end; k++) {
      row.mask[k - 1] = 1;
      row.oldLogProbs[k - 1] = turn.logprobs[k - turn.start];
      row.advantages[k - 1] = advantages[t];
    }
  });
  return row;
}
