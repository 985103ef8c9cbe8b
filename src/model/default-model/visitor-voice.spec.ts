import { Rng } from '../../engine';
import { expand, joinQuestions, typo, visitorStyle } from './visitor-voice';

/** Every distinct expansion of a template over many draws. */
function expansions(template: string, draws = 400): Set<string> {
  const rng = new Rng(7);
  return new Set(Array.from({ length: draws }, () => expand(template, rng)));
}

describe('expand', () => {
  it('picks one alternative per choice, and an empty alternative drops the words and their space', () => {
    expect(expansions('[can|could] we cancel[ any time|]?')).toEqual(new Set(['can we cancel any time?', 'could we cancel any time?', 'can we cancel?', 'could we cancel?']));
  });

  it('nests choices and closes the space an empty choice leaves before punctuation', () => {
    expect(expansions('how [long [is|does] it|many days] [last|]?')).toEqual(
      new Set(['how long is it last?', 'how long is it?', 'how long does it last?', 'how long does it?', 'how many days last?', 'how many days?']),
    );
  });

  it('leaves text without brackets as it is', () => {
    expect(expand('Is single sign-on (SAML) on Growth?', new Rng(1))).toBe('Is single sign-on (SAML) on Growth?');
  });

  it('refuses a template whose brackets do not match', () => {
    expect(() => expand('[can|could we', new Rng(1))).toThrow('unclosed [');
    expect(() => expand('can] we', new Rng(1))).toThrow('unexpected ]');
  });
});

describe('typo', () => {
  it('changes one letter position of a long word and never its first letter', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 500; i++) {
      const slipped = typo('discount', rng);
      expect(slipped[0]).toBe('d');
      expect(Math.abs(slipped.length - 'discount'.length)).toBeLessThanOrEqual(1);
    }
  });

  it('leaves short words, numbers and amounts alone', () => {
    const rng = new Rng(3);
    for (const word of ['cat', '1200', '$59', 'SOC2']) expect(typo(word, rng)).toBe(word);
  });
});

describe('joinQuestions', () => {
  it('keeps both questions, the second continuing the sentence unless the join starts a new one', () => {
    const rng = new Rng(11);
    const joined = new Set(Array.from({ length: 300 }, () => joinQuestions('Is there a trial?', 'Do you have SSO?', rng)));
    for (const j of joined) {
      expect(j).toMatch(/Is there a trial/);
      expect(j).toMatch(/(do|Do) you have SSO\?$/);
    }
    expect(joined).toContain('Is there a trial? Also, do you have SSO?');
    expect(joined).toContain('Two things. Is there a trial? Do you have SSO?');
  });
});

describe('visitorStyle', () => {
  it('never changes a digit or an amount, so the facts asked about stay the same', () => {
    const rng = new Rng(5);
    const question = 'What would 37 seats on Growth cost at $59 billed monthly?';
    for (let i = 0; i < 2000; i++) {
      const styled = visitorStyle(question, rng);
      expect(styled.match(/\$?\d+/g)).toEqual(['37', '$59']);
    }
  });

  it('varies the message: some come with a lead-in, some in lower case, some with a slip of the finger', () => {
    const rng = new Rng(5);
    const question = 'Pricing pricing pricing pricing?';
    const styled = Array.from({ length: 2000 }, () => visitorStyle(question, rng));
    const share = (f: (s: string) => boolean) => styled.filter(f).length / styled.length;
    expect(share((s) => s === question)).toBeGreaterThan(0.25);
    expect(share((s) => s.length > question.length + 3)).toBeGreaterThan(0.2);
    expect(share((s) => s === s.toLowerCase())).toBeGreaterThan(0.08);
    // A slip changes one or two of the four words (lead-ins and asides never say "pricing").
    expect(share((s) => (s.match(/\bpricing\b/gi) ?? []).length < 4)).toBeGreaterThan(0.15);
  });
});
