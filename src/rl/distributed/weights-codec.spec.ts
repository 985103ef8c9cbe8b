import { decodeWeights, encodeWeights } from './weights-codec';

describe('weights codec', () => {
  it('round-trips names, order and float32 values', () => {
    const params = new Map([
      ['model.embed_tokens.weight', Float32Array.from([1.5, -2, 3.25])],
      ['model.norm.weight', Float32Array.from([0.1])],
    ]);
    const decoded = decodeWeights(encodeWeights(params));
    expect([...decoded.keys()]).toEqual([...params.keys()]);
    for (const [name, v] of params) expect(Array.from(decoded.get(name)!)).toEqual(Array.from(v));
  });

  it('refuses a blob with bytes left over', () => {
    const blob = encodeWeights(new Map([['w', Float32Array.from([1])]]));
    expect(() => decodeWeights(Buffer.concat([blob, Buffer.alloc(4)]))).toThrow('4 trailing bytes');
  });
});
