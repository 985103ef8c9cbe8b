import { FloatDType, Value, ops as T } from '../../engine';
import { buildCausalLmGraph, LoraConfig, ModelConfig } from '../../model';

export interface PolicyLossConfig {
  /** The ratio is clipped to [1 − epsilon, 1 + epsilonHigh] (TRL's epsilon / epsilon_high). */
  epsilon: number;
  epsilonHigh: number;
  /** Weight of the k3 KL estimate to the reference model (TRL's beta). 0 turns it off. */
  klCoef: number;
}

export const defaultPolicyLossConfig: PolicyLossConfig = { epsilon: 0.2, epsilonHigh: 0.2, klCoef: 0.04 };

/** Per-token inputs of the policy loss, all [B, S]. */
export interface PolicyLossInputs {
  /** log π_θ(token) from the graph being trained. */
  logProbs: Value;
  /** log π_old(token): the policy that sampled the rollout. */
  oldLogProbs: Value;
  /** log π_ref(token): the frozen reference model. */
  refLogProbs: Value;
  advantages: Value;
  /** The aggregation's weight per token (0 off agent tokens); the loss is Σ weight·ℓ. */
  tokenWeights: Value;
  /** 1 on agent tokens, for the reported means. */
  mask: Value;
}

export interface PolicyLossTerms {
  loss: Value;
  /** Scalars, each a mean over the masked tokens. */
  metrics: { clip_fraction: Value; kl: Value; ratio: Value };
}

/**
 * Token-level clipped policy gradient with a k3 KL penalty (PPO/GRPO as TRL and verl write it):
 * ℓ = −min(r·A, clip(r, 1−ε, 1+ε_high)·A) + β·(e^{ref−logp} − (ref−logp) − 1), r = e^{logp−old}.
 * How tokens are averaged lives in `tokenWeights`, so token-mean, sequence-mean and Dr. GRPO's
 * constant normalizer are one graph.
 */
export function clippedPolicyLoss(x: PolicyLossInputs, c: PolicyLossConfig): PolicyLossTerms {
  const ratio = T.exp(T.sub(x.logProbs, x.oldLogProbs));
  const unclipped = T.mul(ratio, x.advantages);
  const clipped = T.mul(T.clip(ratio, 1 - c.epsilon, 1 + c.epsilonHigh), x.advantages);
  const policyTerm = T.neg(T.minimum(unclipped, clipped));
  const refGap = T.sub(x.refLogProbs, x.logProbs);
  const kl = T.sub(T.sub(T.exp(refGap), refGap), 1);
  const perToken = c.klCoef === 0 ? policyTerm : T.add(policyTerm, T.mul(kl, c.klCoef));
  const maskedMean = (v: Value) => T.div(T.sumAll(T.mul(v, x.mask)), T.maximum(T.sumAll(x.mask), 1));
  const clippedChosen = T.cast(T.less(clipped, unclipped), x.mask.dtype);
  return {
    loss: T.sumAll(T.mul(perToken, x.tokenWeights)),
    metrics: { clip_fraction: maskedMean(clippedChosen), kl: maskedMean(kl), ratio: maskedMean(ratio) },
  };
}

export const policyInputNames = {
  inputIds: 'input_ids',
  targetIds: 'target_ids',
  mask: 'loss_mask',
  advantages: 'advantages',
  oldLogProbs: 'old_logprobs',
  refLogProbs: 'ref_logprobs',
  tokenWeights: 'token_weights',
} as const;

/**
 * The RL training graph for a decoder: whole sessions as [B, S] sequences, the policy loss on
 * agent tokens, and the mean entropy of the policy there. `tokenLogProbs` is also the output the
 * reference pass reads.
 */
export function buildPolicyGraph(model: ModelConfig, batch: number, seq: number, c: PolicyLossConfig, dtype: FloatDType = 'float32', lora?: LoraConfig) {
  const lm = buildCausalLmGraph(model, batch, seq, dtype, { lora });
  const g = lm.graph;
  const mask = g.inputs.find((v) => v.name === policyInputNames.mask)!;
  const input = (name: string) => g.input(name, [batch, seq]);
  const terms = clippedPolicyLoss(
    {
      logProbs: lm.tokenLogProbs,
      oldLogProbs: input(policyInputNames.oldLogProbs),
      refLogProbs: input(policyInputNames.refLogProbs),
      advantages: input(policyInputNames.advantages),
      tokenWeights: input(policyInputNames.tokenWeights),
      mask,
    },
    c,
  );
  const logProbs = T.logSoftmax(lm.logits, -1);
  const entropy = T.neg(T.reduceSum(T.mul(T.exp(logProbs), logProbs), [-1]));
  const meanEntropy = T.div(T.sumAll(T.mul(entropy, mask)), T.maximum(T.sumAll(mask), 1));
  return { graph: g, loss: terms.loss, tokenLogProbs: lm.tokenLogProbs, metrics: { ...terms.metrics, entropy: meanEntropy } };
}
