import { advantageEstimatorNames, AdvantageInputError, computeAdvantages, monteCarloReturns, RewardGroup } from '.';

const r = Math.SQRT1_2; // ±1/√2: two standardized values with the unbiased std
const near = (actual: number[][][], expected: number[][][]) => {
  expect(actual.map((g) => g.map((s) => s.length))).toEqual(expected.map((g) => g.map((s) => s.length)));
  actual.flat(2).forEach((v, i) => expect(v).toBeCloseTo(expected.flat(2)[i], 5));
};

// Session 0 converted (R = 10) with a clean turn then a slightly repetitive one; session 1 left
// after one non-compliant turn. Every expected value below is worked out by hand in the comments.
const caseA: RewardGroup[] = [
  [
    { session: 10, turns: [0, -0.5] },
    { session: 0, turns: [-1] },
  ],
];

describe('advantage estimators, hand-computed', () => {
  it('grpo: merged s = [9.5, −1] → ±1/√2 on every token of each session', () => {
    near(computeAdvantages('grpo', caseA), [[[r, r], [-r]]]);
  });

  it('session-only: R = [10, 0] → ±1/√2', () => {
    near(computeAdvantages('session-only', caseA), [[[r, r], [-r]]]);
  });

  it('turn-only: all turns [0, −0.5, −1], mean −0.5, std 0.5 → [1, 0, −1]', () => {
    near(computeAdvantages('turn-only', caseA), [[[1, 0], [-1]]]);
  });

  it('hian: α·A_sess + β·A_turn, with default and custom weights', () => {
    near(computeAdvantages('hian', caseA), [[[r + 1, r], [-r - 1]]]);
    near(computeAdvantages('hian', caseA, { alpha: 2, beta: 0.5 }), [[[2 * r + 0.5, 2 * r], [-2 * r - 0.5]]]);
  });

  it('hian-position: turn index 0 holds [0, −1] → ±1/√2; index 1 has one session → 0', () => {
    near(computeAdvantages('hian-position', caseA), [[[r + r, r], [-r - r]]]);
  });

  it('mt-grpo: non-final turns get A_turn + λ·A_out, the final turn A_out alone', () => {
    near(computeAdvantages('mt-grpo', caseA), [[[r + r, r], [-r]]]);
    near(computeAdvantages('mt-grpo', caseA, { lambda: 0.5 }), [[[r + 0.5 * r, r], [-r]]]);
  });

  it('mapo: returns [[9.5, 9.5], [−1]] → per index [±1/√2], [0] → over the batch [1, 0], [−1]', () => {
    near(computeAdvantages('mapo', caseA), [[[1, 0], [-1]]]);
  });

  it('hian-batch: one baseline over both groups (R = 1, 0, 11, 10 → mean 5.5, std √(101/3))', () => {
    const batch: RewardGroup[] = [
      [
        { session: 1, turns: [0] },
        { session: 0, turns: [0] },
      ],
      [
        { session: 11, turns: [0] },
        { session: 10, turns: [0] },
      ],
    ];
    const std = Math.sqrt(101 / 3);
    near(computeAdvantages('hian-batch', batch), [
      [[-4.5 / std], [-5.5 / std]],
      [[5.5 / std], [4.5 / std]],
    ]);
    // Group statistics instead see each group on its own: ±1/√2 within both.
    near(computeAdvantages('hian', batch), [
      [[r], [-r]],
      [[r], [-r]],
    ]);
  });

  it('monte-carlo returns discount toward the terminal reward', () => {
    expect(monteCarloReturns([1, 2], 4, 0.5)).toEqual([3, 4]);
    expect(monteCarloReturns([0, -0.5], 10, 1)).toEqual([9.5, 9.5]);
  });
});

describe('degenerate groups', () => {
  it.each(advantageEstimatorNames)('%s: all rewards equal → every advantage is 0', (name) => {
    const same: RewardGroup[] = [[0, 1, 2].map(() => ({ session: 5, turns: [-0.25, -0.25] }))];
    for (const v of computeAdvantages(name, same).flat(2)) expect(v).toBeCloseTo(0, 9);
  });

  it.each(advantageEstimatorNames)('%s: G = 1 has no session baseline', (name) => {
    const single: RewardGroup[] = [[{ session: 3, turns: [0, -1] }]];
    const a = computeAdvantages(name, single);
    // Only estimators that normalize turns over all of a session's turns still see a spread.
    const expected = name === 'turn-only' || name === 'hian' || name === 'hian-batch' ? [[[r, -r]]] : [[[0, 0]]];
    near(a, expected);
  });

  it.each(advantageEstimatorNames)('%s: sessions of different lengths and one-turn sessions keep their shape and stay finite', (name) => {
    const batch: RewardGroup[] = [
      [
        { session: 0, turns: [-0.3] },
        { session: 1, turns: [0] },
      ],
      [
        { session: 1, turns: [-0.2] },
        { session: 0, turns: [0, 0, -1] },
        { session: 1, turns: [0, -0.1] },
      ],
    ];
    const a = computeAdvantages(name, batch);
    expect(a.map((g) => g.map((s) => s.length))).toEqual([[1, 1], [1, 3, 2]]);
    expect(a.flat(2).every(Number.isFinite)).toBe(true);
  });
});

describe('reward scale', () => {
  const batch: RewardGroup[] = [
    [
      { session: 100, turns: [0, -1] },
      { session: 0, turns: [-0.5] },
      { session: 100, turns: [-1, -1, 0] },
    ],
  ];
  const scaled = (k: number) => batch.map((g) => g.map((s) => ({ session: s.session * k, turns: s.turns })));

  it('hian is invariant to rescaling the session reward; grpo is not', () => {
    near(computeAdvantages('hian', scaled(10)), computeAdvantages('hian', scaled(0.1)));
    const grpoSmall = computeAdvantages('grpo', scaled(0.001)).flat(2);
    const grpoLarge = computeAdvantages('grpo', scaled(10)).flat(2);
    expect(Math.max(...grpoSmall.map((v, i) => Math.abs(v - grpoLarge[i])))).toBeGreaterThan(0.5);
  });
});

describe('input checks', () => {
  it('refuses unknown names, empty groups, sessions without turns and non-finite rewards', () => {
    expect(() => computeAdvantages('ppo', caseA)).toThrow(/unknown advantage estimator "ppo"; known: grpo, hian/);
    expect(() => computeAdvantages('hian', [[]])).toThrow(AdvantageInputError);
    expect(() => computeAdvantages('hian', [[{ session: 1, turns: [] }]])).toThrow(/no agent turns/);
    expect(() => computeAdvantages('hian', [[{ session: NaN, turns: [0] }]])).toThrow(/non-finite/);
  });
});
