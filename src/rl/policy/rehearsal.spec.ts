import { rehearsalRows } from './rehearsal';

const window = (base: number) => ({ ids: [base, base + 1, base + 2, base + 3, base + 4], trainable: [0, 0, 1, 1, 0] });
const rehearsal = { coef: 0.5, windowsPerStep: 3, windows: [window(10), window(20), window(30), window(40)] };

describe('rehearsalRows', () => {
  it('lays a window out as a training row: targets one token ahead, trained with advantage 1 where the target is trainable', () => {
    const [row] = rehearsalRows({ ...rehearsal, windowsPerStep: 1, windows: [window(10)] }, 1, 4);
    expect([...row.inputIds]).toEqual([10n, 11n, 12n, 13n]);
    expect([...row.targetIds]).toEqual([11n, 12n, 13n, 14n]);
    expect([...row.mask]).toEqual([0, 1, 1, 0]);
    expect([...row.advantages]).toEqual([0, 1, 1, 0]);
    expect([...row.oldLogProbs]).toEqual([0, 0, 0, 0]);
  });

  it('draws distinct windows, the same ones for a seed, and no more than there are', () => {
    const firsts = (seed: number, r = rehearsal) => rehearsalRows(r, seed, 4).map((row) => Number(row.inputIds[0]));
    expect(new Set(firsts(7)).size).toBe(3);
    expect(firsts(7)).toEqual(firsts(7));
    expect([1, 2, 3, 4, 5].map((s) => firsts(s).join()).some((d) => d !== firsts(7).join())).toBe(true);
    expect(firsts(7, { ...rehearsal, windowsPerStep: 9 }).sort()).toEqual([10, 20, 30, 40]);
  });

  it('refuses windows that do not fit the training row, and an empty set', () => {
    expect(() => rehearsalRows(rehearsal, 1, 5)).toThrow('a rehearsal window of 5 tokens does not make a 5-token training row');
    expect(() => rehearsalRows({ ...rehearsal, windows: [] }, 1, 4)).toThrow('rehearsal needs at least one supervised window');
  });
});
