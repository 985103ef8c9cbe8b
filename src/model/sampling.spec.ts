import { Rng } from '../engine';
import { defaultSampling, SampledToken, sampleToken, SamplingOptions } from './sampling';

const logits = Float32Array.from([2, 1, 0.5, -1]);

/**
 * The straightforward algorithm: sort the whole vocabulary, cut to the top k, then to the top-p nucleus,
 * and walk the kept tokens with the one uniform draw `u`. The arithmetic is sampleToken's (s · (1/T),
 * max-shifted log-sum-exp, running sums in kept order), so that ties at the top-p boundary resolve alike.
 */
function reference(logits: Float32Array, seen: number[], o: SamplingOptions, u: number): SampledToken {
  const scores = Array.from(logits);
  if (o.repetitionPenalty !== 1) for (const t of seen) scores[t] = scores[t] > 0 ? scores[t] / o.repetitionPenalty : scores[t] * o.repetitionPenalty;
  const logSumExp = (x: number[]) => {
    const max = Math.max(...x);
    return max + Math.log(x.reduce((a, v) => a + Math.exp(v - max), 0));
  };
  const rawLogZ = logSumExp(Array.from(logits));
  const sampled = (token: number, logprob: number) => ({ token, logprob, rawLogprob: logits[token] - rawLogZ });
  const ids = Array.from(scores.keys());
  if (o.temperature <= 0) return sampled(ids.reduce((best, t) => (scores[t] > scores[best] ? t : best)), 0);
  const inv = 1 / o.temperature;
  const logZ = logSumExp(scores.map((s) => s * inv));
  const p = (t: number) => Math.exp(scores[t] * inv - logZ);
  const draw = (kept: number[], keptLogZ: number) => {
    let target = u;
    const i = kept.findIndex((t) => (target -= Math.exp(scores[t] * inv - keptLogZ)) < 0);
    const t = i < 0 ? kept[kept.length - 1] : kept[i];
    return sampled(t, scores[t] * inv - keptLogZ);
  };
  if (o.topK <= 0 && o.topP >= 1) return draw(ids, logZ);
  let kept = ids.sort((a, b) => scores[b] - scores[a] || a - b);
  if (o.topK > 0) kept = kept.slice(0, Math.ceil(o.topK));
  let mass = kept.reduce((a, t) => a + p(t), 0);
  if (o.topP < 1) {
    const goal = o.topP * (o.topK > 0 ? mass : 1);
    let nucleus = 0;
    const last = kept.findIndex((t) => (nucleus += p(t)) >= goal);
    if (last >= 0) kept = kept.slice(0, last + 1);
    mass = nucleus;
  }
  return draw(kept, logZ + Math.log(mass));
}

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

  it("suppressed tokens are never drawn: the others share their mass, and the raw log-prob stays the model's", () => {
    const z = Math.log(Math.exp(2) + Math.exp(1) + Math.exp(0.5) + Math.exp(-1));
    const greedy = sampleToken(logits, [], { ...defaultSampling, temperature: 0 }, new Rng(1), undefined, [0]);
    expect(greedy.token).toBe(1);
    expect(greedy.rawLogprob).toBeCloseTo(1 - z, 12);
    const rest = Math.log(Math.exp(1) + Math.exp(0.5) + Math.exp(-1));
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const s = sampleToken(logits, [], defaultSampling, rng, undefined, [0]);
      expect(s.token).not.toBe(0);
      expect(s.logprob).toBeCloseTo(logits[s.token] - rest, 6);
      expect(s.rawLogprob).toBeCloseTo(logits[s.token] - z, 6);
    }
    const wide = Float32Array.from({ length: 2048 }, () => 3 * rng.normal());
    const top = Array.from(wide.keys()).sort((a, b) => wide[b] - wide[a]).slice(0, 3);
    for (const o of [{ ...defaultSampling, temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 }, { ...defaultSampling, topK: 5 }]) {
      for (let i = 0; i < 100; i++) expect(top).not.toContain(sampleToken(wide, top, o, rng, undefined, top).token);
    }
  });

  it("given the raw log-normalizer (as the step graph computes it), draws the same token with the same log-probs", () => {
    const rng = new Rng(7);
    for (let rep = 0; rep < 50; rep++) {
      const x = Float32Array.from({ length: 2048 }, () => 3 * rng.normal());
      const max = Math.max(...x);
      const logZ = max + Math.log(x.reduce((sum, v) => sum + Math.exp(v - max), 0));
      const seen = Array.from({ length: 40 }, () => rng.int(2048));
      for (const o of [{ ...defaultSampling, temperature: 0 }, { ...defaultSampling, temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 }, { ...defaultSampling, topK: 5 }]) {
        const seed = rng.int(2 ** 31);
        const computed = sampleToken(x, seen, o, new Rng(seed));
        const given = sampleToken(x, seen, o, new Rng(seed), logZ);
        expect([given.token, given.logprob]).toEqual([computed.token, computed.logprob]);
        expect(given.rawLogprob).toBeCloseTo(computed.rawLogprob, 9);
        expect(sampleToken(x, seen, o, new Rng(seed), logZ + 1).rawLogprob).toBeCloseTo(computed.rawLogprob - 1, 9); // it is used, not recomputed
      }
    }
  });

  it('matches the full-sort reference: same token for the same draw, same log-probs, over many logits and options', () => {
    const rng = new Rng(2024);
    const normals = (V: number, sd: number) => Float32Array.from({ length: V }, () => sd * rng.normal());
    const kinds: Record<string, (V: number) => Float32Array> = {
      peaked: (V) => {
        const x = normals(V, 2);
        x[rng.int(V)] = 12 + 6 * rng.next();
        return x;
      },
      fewLarge: (V) => {
        const x = normals(V, 2);
        for (let i = 0; i < 3; i++) x[rng.int(V)] = 6 + 4 * rng.next();
        return x;
      },
      flat: (V) => normals(V, 0.3),
      allEqual: (V) => new Float32Array(V).fill(1.5),
      // Few distinct values, so many ties, some across the top-k and top-p boundaries.
      ties: (V) => Float32Array.from(normals(V, 1), (x) => Math.round(2 * x) / 2),
      // Masked and far-below tokens (tempered probability under any top-p cutoff).
      masked: (V) => Float32Array.from(normals(V, 2), (x, i) => (i % 7 === 0 ? -Infinity : i % 11 === 0 ? -80 : x)),
    };
    const options: SamplingOptions[] = [];
    for (const temperature of [0, 0.5, 1, 1.5])
      for (const topK of [0, 1, 3, 40, 5000])
        for (const topP of [1, 0.5, 0.9, 1 - 2 ** -53])
          for (const repetitionPenalty of [1, 1.3]) options.push({ temperature, topK, topP, repetitionPenalty });
    const close = (a: number, b: number) => a === b || Math.abs(a - b) < 1e-9;
    const mismatches: string[] = [];
    for (const V of [5, 64, 2048])
      for (const [kind, make] of Object.entries(kinds))
        for (let rep = 0; rep < (V === 2048 ? 1 : 3); rep++) {
          const x = make(V);
          const seen = Array.from({ length: Math.min(60, V - 1) }, () => rng.int(V));
          // The full vocabulary size gets a third of the combinations, to keep the test quick.
          for (const o of V < 2048 ? options : options.filter((_, i) => i % 3 === 0)) {
            const seed = rng.int(2 ** 31);
            const got = sampleToken(x, seen, o, new Rng(seed));
            const want = reference(x, seen, o, new Rng(seed).next());
            if (got.token !== want.token || !close(got.logprob, want.logprob) || !close(got.rawLogprob, want.rawLogprob))
              mismatches.push(`${kind} V=${V} ${JSON.stringify(o)}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
          }
        }
    expect(mismatches).toEqual([]);
  });
});
