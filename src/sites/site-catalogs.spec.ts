import { ConfigService } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import { RE2JS } from 're2js';
import { shippedCatalog } from '../catalog';
import { AppConfig } from '../config';
import { ComplianceRulesRepository, RuleSet, RulesInForce } from '../rules';
import { ComplianceRule, defaultComplianceRules, MAX_TURN_CHARS, parseComplianceRules } from '../scoring';
import { SiteCatalogs } from './site-catalogs';
import { SitesRepository } from './sites.repository';

/** A pattern that backtracks exponentially on 'aaa…b' in a backtracking engine. */
const stutter = { id: 'no-stutter', kind: 'phrase', severity: 'block', description: 'No stuttering.', patterns: ['(a+)+$'] } as const;

/**
 * The server's path from the rules table to a turn's scorers: RulesInForce loads the rows of a
 * revision (parsed, as the repository does) and SiteCatalogs builds the scorers from them.
 */
function server(rows: unknown[]) {
  const table = { revision: 1, rows };
  const repository = {
    revision: async () => table.revision,
    inForce: async (): Promise<RuleSet> => ({ revision: table.revision, rules: parseComplianceRules(table.rows) }),
  };
  const sites = { sessionSite: async () => ({ siteKey: 'demo', catalogText: null, rulesRevision: table.revision, handoffRulesRevision: 0 }) };
  const config = { get: () => shippedCatalog() };
  const catalogs = new SiteCatalogs(
    sites as unknown as SitesRepository,
    new RulesInForce(repository as unknown as ComplianceRulesRepository),
    config as unknown as ConfigService<AppConfig, true>,
  );
  return { table, turn: async (text: string) => (await catalogs.forSession('session')).scoring.violations(text, []) };
}

const patternCount = (rules: readonly { patterns?: readonly string[] }[]) => rules.reduce((n, r) => n + (r.patterns?.length ?? 0), 0);

describe('operator patterns on the scoring path', () => {
  afterEach(() => jest.restoreAllMocks());

  it('a catastrophically backtracking pattern runs in linear time on every turn', async () => {
    const { turn } = server([...defaultComplianceRules, stutter]);
    expect(await turn('I said aaaa')).toEqual([{ ruleId: 'no-stutter', severity: 'block', match: 'aaaa' }]);
    // A bound, not a benchmark: backtracking takes seconds on the first text and longer than the universe's age on the second; RE2 milliseconds.
    for (const text of ['a'.repeat(30) + 'b', 'a'.repeat(MAX_TURN_CHARS - 1) + 'b']) {
      const started = performance.now();
      expect(await turn(text)).toEqual([]);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it('compiles each pattern once per rules revision, not per turn', async () => {
    const rows: ComplianceRule[] = [...defaultComplianceRules, { ...stutter, patterns: [...stutter.patterns] }];
    const { table, turn } = server(rows);
    await turn('warm-up: the revision is loaded and its patterns checked');
    const compile = jest.spyOn(RE2JS, 'compile');
    for (const text of ['We guarantee results.', 'What is your password?', 'Plain text.']) await turn(text);
    expect(compile).not.toHaveBeenCalled();

    table.revision = 2;
    table.rows = [...rows, { id: 'no-pizza', kind: 'phrase', severity: 'warn', description: 'No pizza.', patterns: ['pizza'] }];
    await turn('Pizza for everyone.');
    await turn('More pizza.');
    // Checked once when the revision is read, compiled once for its scorers.
    expect(compile).toHaveBeenCalledTimes(2 * patternCount(table.rows as ComplianceRule[]));
  });
});
