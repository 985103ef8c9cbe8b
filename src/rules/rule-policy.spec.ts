import { ComplianceRule, defaultComplianceRules } from '../scoring';
import { refusedChange, refusedCreate, refusedDelete } from './rule-policy';

const shipped = (id: string) => defaultComplianceRules.find((r) => r.id === id)!;
const enabled = (rule: ComplianceRule, changes: Partial<ComplianceRule> & { enabled?: boolean } = {}) => ({ ...rule, enabled: true, ...changes });

describe('what may be done to a rule', () => {
  it('a pattern rule may change in every way but into a built-in kind', () => {
    const phrase = shipped('no-guaranteed-results');
    expect(refusedChange(phrase, enabled(phrase, { kind: 'credentials', severity: 'warn', enabled: false }))).toBeUndefined();
    expect(refusedChange(phrase, enabled(phrase, { kind: 'price', patterns: undefined }))).toMatch(/^kind: price is a built-in kind/);
    expect(refusedDelete(phrase)).toBeUndefined();
    expect(refusedCreate(phrase)).toBeUndefined();
  });

  it('a catalog rule may be downgraded or disabled, not re-kinded or deleted', () => {
    const price = shipped('catalog-price');
    expect(refusedChange(price, enabled(price, { severity: 'warn', enabled: false, description: 'Prices, loosely.' }))).toBeUndefined();
    expect(refusedChange(price, enabled(price, { kind: 'discount' }))).toMatch(/^kind: "catalog-price" is the built-in price rule/);
    expect(refusedDelete(price)).toMatch(/cannot be deleted; disable it instead/);
    expect(refusedCreate({ ...price, id: 'another-price' })).toMatch(/^kind: price rules are built in/);
  });

  it('the AI-disclosure rules stay enabled and blocking', () => {
    for (const id of ['ai-disclosure', 'ai-question-unanswered']) {
      const rule = shipped(id);
      expect(refusedChange(rule, enabled(rule, { description: 'Say you are an AI.' }))).toBeUndefined();
      expect(refusedChange(rule, enabled(rule, { severity: 'warn' }))).toMatch(/^severity: .*EU AI Act art\. 50/);
      expect(refusedChange(rule, enabled(rule, { enabled: false }))).toMatch(/^enabled: .*cannot be disabled/);
      expect(refusedDelete(rule)).toMatch(/cannot be deleted$/);
    }
  });
});
