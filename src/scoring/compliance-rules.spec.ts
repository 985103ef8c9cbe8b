import { z } from 'zod';
import { describeIssues } from '../http';
import { checkRuleFields, complianceRuleFields, defaultComplianceRules, parseComplianceRules } from './compliance';
import defaultRulesJson from './default-rules.json';

const schema = z.object(complianceRuleFields).strict().superRefine(checkRuleFields);
const issues = (rule: unknown) => {
  const parsed = schema.safeParse(rule);
  return parsed.success ? '' : describeIssues(parsed.error);
};
const phrase = { id: 'no-pizza', kind: 'phrase', severity: 'block', description: 'No pizza.', patterns: ['pizza'] };

describe('compliance rule definitions', () => {
  it('the shipped rules file parses, in its order', () => {
    expect(defaultComplianceRules.map((r) => r.id)).toEqual(defaultRulesJson.map((r) => r.id));
  });

  it('accepts a pattern rule and a built-in rule without patterns', () => {
    expect(issues(phrase)).toBe('');
    expect(issues({ id: 'catalog-price', kind: 'price', severity: 'warn', description: 'Prices.' })).toBe('');
  });

  it('names each pattern that does not compile, by its index and text', () => {
    expect(issues({ ...phrase, patterns: ['ok', '(open', '[z-a]'] })).toMatch(
      /^patterns\.1: "\(open" is not a valid regular expression \(.*\); patterns\.2: "\[z-a\]" is not a valid regular expression/,
    );
  });

  it('a pattern rule needs patterns; a built-in one takes none', () => {
    expect(issues({ ...phrase, patterns: undefined })).toBe('patterns: a phrase rule needs at least one pattern');
    expect(issues({ ...phrase, kind: 'credentials', patterns: [] })).toBe('patterns: a credentials rule needs at least one pattern');
    expect(issues({ ...phrase, kind: 'discount' })).toBe('patterns: a discount rule is checked by code and takes no patterns');
  });

  it('names an unknown kind, a bad severity, a bad id and an unknown field', () => {
    expect(issues({ ...phrase, kind: 'vibes' })).toBe('kind: kind must be one of phrase, credentials, price, discount, ai-denial, ai-question-evaded');
    expect(issues({ ...phrase, severity: 'loud' })).toBe('severity: severity must be block or warn');
    expect(issues({ ...phrase, id: 'Upper_Case' })).toBe('id: id must be lowercase letters, digits and dashes');
    expect(issues({ ...phrase, colour: 'red' })).toBe('colour: not a known field');
  });

  it('a set of rules may not repeat an id, and a bad pattern fails the set', () => {
    expect(() => parseComplianceRules([phrase, phrase])).toThrow('duplicate id no-pizza');
    expect(() => parseComplianceRules([{ ...phrase, patterns: ['(open'] }])).toThrow(/not a valid regular expression/);
  });
});
