import { MAX_PATTERN_PROGRAM_SIZE, operatorPattern, PatternRefusedError, patternMatches, patternRefusal, wholePhraseMatcher } from './operator-patterns';

describe('operator patterns (RE2)', () => {
  it('match case-insensitively, every match with where it starts (UTF-16 offsets, as JavaScript counts)', () => {
    expect(patternMatches(operatorPattern('risk[- ]free'), '😀 RISK-FREE, risk free')).toEqual([
      { text: 'RISK-FREE', index: 3 },
      { text: 'risk free', index: 14 },
    ]);
    expect(patternMatches(operatorPattern('pizza'), 'no match here')).toEqual([]);
  });

  it('refuse what needs backtracking or is too large, saying why and naming the pattern', () => {
    expect(patternRefusal('(?<!never )guarantee')).toBe('"(?<!never )guarantee" uses a lookaround ((?<!…), which only a backtracking engine can run; patterns run in linear time (RE2 syntax)');
    expect(patternRefusal('guarantee(?=d)')).toMatch(/^"guarantee\(\?=d\)" uses a lookaround \(\(\?=…\)/);
    expect(patternRefusal('(deal) \\1')).toMatch(/^"\(deal\) \\\\1" uses a backreference \(\\1\), which only a backtracking engine can run/);
    expect(patternRefusal('(?<d>deal) \\k<d>')).toMatch(/uses a backreference \(\\k\)/);
    expect(patternRefusal('(open')).toBe('"(open" is not a valid regular expression (missing closing ): (open)');
    expect(patternRefusal('(.*){1000}')).toBe(`"(.*){1000}" is too large to run on every turn (4002 instructions compiled, at most ${MAX_PATTERN_PROGRAM_SIZE}): use fewer or smaller repetitions`);
    expect(() => operatorPattern('(a)\\1')).toThrow(PatternRefusedError);
    expect(patternRefusal('(a+)+$')).toBeUndefined();
  });

  it('a whole phrase: literal, any case, not inside a longer word', () => {
    const rep = wholePhraseMatcher('sales rep');
    expect(['speak to a Sales Rep', 'sales rep.', 'sales rep'].map((t) => rep.test(t))).toEqual([true, true, true]);
    expect(['our sales reps', 'presales rep', 'sales  rep'].map((t) => rep.test(t))).toEqual([false, false, false]);
    expect(wholePhraseMatcher('(a+)+$').test('I typed (a+)+$ here')).toBe(true);
    expect(wholePhraseMatcher('(a+)+$').test('aaaa')).toBe(false);
  });
});
