import { defaultComplianceRules } from '../scoring';
import { ComplianceRulesRepository, RuleSet } from './compliance-rules.repository';
import { RulesInForce } from './rules-in-force';

/** A table whose revision the test moves; counts how often the rules are read. */
function fakeTable() {
  const table = { revision: 1, loads: 0, rules: defaultComplianceRules };
  const repository = {
    revision: async () => table.revision,
    inForce: async (): Promise<RuleSet> => {
      table.loads++;
      return { revision: table.revision, rules: table.rules };
    },
  };
  return { table, rulesInForce: new RulesInForce(repository as unknown as ComplianceRulesRepository) };
}

describe('RulesInForce', () => {
  it('reads the rules again only when the revision moved, and answers the same set until then', async () => {
    const { table, rulesInForce } = fakeTable();
    const first = await rulesInForce.current();
    expect(await rulesInForce.current()).toBe(first);
    expect(table.loads).toBe(1);

    table.revision = 2;
    table.rules = defaultComplianceRules.slice(1);
    const second = await rulesInForce.current();
    expect(second).not.toBe(first);
    expect(second.rules).toHaveLength(defaultComplianceRules.length - 1);
    expect(await rulesInForce.current()).toBe(second);
    expect(table.loads).toBe(2);
  });
});
