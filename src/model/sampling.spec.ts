import { Rng } from '../engine';
import { defaultSampling, sampleToken } from './sampling';

const logits = Float32Array.from([2, 1, 0.5, -1]);

describe('sampling', () => {
  it('temperature 0 is greedy: sampled log-prob 0 (a point mass), raw log-prob from the logits', () => {
    const s = sampleToken(logits, [], { ...defaultSampling, temperature: 0 }, new Rng(1));
    expect(s.token).toBe(0);
    const z = Math.log(Math.exp(2) + Math.exp(1) + Math.exp(0.5) + Math.exp(-1));
    expect(s.rawLogprob).toBeCloseTo(2 - z, 12);
    expect(s.logprob).toBe(0);
  });

  it('the sampled-distribution log-prob matches a direct computation on a hand-made logits vector', () => {
    const handMade = Float32Array.from([2, 1, 0.5, -1, 1.5, 0.25]);
    const o = { temperature: 0.7, topK: 4, topP: 0.8, repetitionPenalty: 1.3 };
    // By hand: penalty on seen tokens 0 and 3 → [2/1.3, 1, 0.5, -1·1.3, 1.5, 0.25]; top-4 by score:
    // 0 (1.538), 4 (1.5), 1 (1), 2 (0.5). Softmax at T = 0.7 over those four, then the smallest
    // prefix reaching 0.8 of that mass, renormalized.
    const penalized = [2 / 1.3, 1, 0.5, -1.3, 1.5, 0.25];
    const top4 = [0, 4, 1, 2];
    const w = top4.map((t) => Math.exp(penalized[t] / 0.7));
    const total = w.reduce((a, b) => a + b, 0);
    let cumulative = 0;
    const nucleus = top4.filter((_, i) => (cumulative += w[i] / total) - w[i] / total < 0.8);
    expect(nucleus).toEqual([0, 4, 1]);
    const nucleusMass = nucleus.reduce((a, t) => a + Math.exp(penalized[t] / 0.7), 0);
    const q = (t: number) => Math.exp(penalized[t] / 0.7) / nucleusMass;
    const rawZ = Math.log(Array.from(handMade).reduce((a, x) => a + Math.exp(x), 0));

    const rng = new Rng(11);
    const counts = new Map<number, number>();
    let worst = 0;
    for (let i = 0; i < 10000; i++) {
      const s = sampleToken(handMade, [0, 3], o, rng);
      worst = Math.max(worst, Math.abs(s.logprob - Math.log(q(s.token))), Math.abs(s.rawLogprob - (handMade[s.token] - rawZ)));
      counts.set(s.token, (counts.get(s.token) ?? 0) + 1);
    }
    expect(worst).toBeLessThan(1e-6);
    expect([...counts.keys()].sort()).toEqual([...nucleus].sort());
    for (const t of nucleus) expect(counts.get(t)! / 10000).toBeCloseTo(q(t), 1);
  });

  it('without top-k/top-p the sampled log-prob is the tempered softmax over the whole vocabulary', () => {
    const s = sampleToken(logits, [], { ...defaultSampling, temperature: 2 }, new Rng(3));
    const z = Math.log(Array.from(logits).reduce((a, x) => a + Math.exp(x / 2), 0));
    expect(s.logprob).toBeCloseTo(logits[s.token] / 2 - z, 10);
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
    const z = Array.from(logits).reduce((a, x) => a + Math.exp(x), 0);
    const p = Array.from(logits, (x) => Math.exp(x) / z);
    counts.forEach((c, i) => expect(c / 20000).toBeCloseTo(p[i], 1));
    const draw = (seed: number) => Array.from({ length: 10 }, ((r) => () => sampleToken(logits, [], defaultSampling, r).token)(new Rng(seed)));
    expect(draw(3)).toEqual(draw(3));
  });
});
