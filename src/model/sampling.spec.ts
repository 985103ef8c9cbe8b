import { Rng } from '../engine';
import { defaultSampling, logSoftmax, sampleToken } from './sampling';

const logits = Float32Array.from([2, 1, 0.5, -1]);

describe('sampling', () => {
  it('temperature 0 is greedy and reports the raw log-prob', () => {
    const s = sampleToken(logits, [], { ...defaultSampling, temperature: 0 }, new Rng(1));
    expect(s.token).toBe(0);
    const z = Math.log(Math.exp(2) + Math.exp(1) + Math.exp(0.5) + Math.exp(-1));
    expect(s.logprob).toBeCloseTo(2 - z, 12);
  });

  it('the repetition penalty divides positive logits of seen tokens', () => {
    // token 0: 2 / 4 = 0.5 < token 1's 1, so greedy moves to token 1
    expect(sampleToken(logits, [0], { ...defaultSampling, temperature: 0, repetitionPenalty: 4 }, new Rng(1)).token).toBe(1);
  });

  it('top-k 1 and a tiny top-p both reduce to the argmax', () => {
    for (let seed = 0; seed < 20; seed++) {
      expect(sampleToken(logits, [], { ...defaultSampling, topK: 1 }, new Rng(seed)).token).toBe(0);
      expect(sampleToken(logits, [], { ...defaultSampling, topP: 0.01 }, new Rng(seed)).token).toBe(0);
    }
  });

  it('top-k 2 never draws outside the two most likely tokens', () => {
    const rng = new Rng(4);
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) seen.add(sampleToken(logits, [], { ...defaultSampling, topK: 2 }, rng).token);
    expect([...seen].sort()).toEqual([0, 1]);
  });

  it('draws follow the softmax at temperature 1 and are reproducible for a seed', () => {
    const rng = new Rng(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[sampleToken(logits, [], defaultSampling, rng).token]++;
    const p = Array.from(logSoftmax(logits), Math.exp);
    counts.forEach((c, i) => expect(c / 20000).toBeCloseTo(p[i], 1));
    const draw = (seed: number) => Array.from({ length: 10 }, ((r) => () => sampleToken(logits, [], defaultSampling, r).token)(new Rng(seed)));
    expect(draw(3)).toEqual(draw(3));
  });
});
