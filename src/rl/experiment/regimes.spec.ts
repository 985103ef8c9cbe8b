import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluationRecord } from '../../evaluation';
import { defaultAdvantageConfig } from '../advantages';
import { banditBackend } from '../testing/bandit';
import { metricOf, overSeeds } from './regimes-report';
import { RegimesConfig, regimesRuns, RESULTS_MARKER, runRegimesExperiment } from './regimes';

const root = mkdtempSync(join(tmpdir(), 'closer-regimes-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const init = join(root, 'init');
mkdirSync(init);
writeFileSync(join(init, 'model.safetensors'), 'weights v1');
const prereg = `# plan\n\nHypotheses that must not change.\n\n${RESULTS_MARKER}\n\nNo run has finished yet.\n`;

const plan = (visitor: 'strict' | 'persuadable') => ({ personas: ['a', 'b'], sessions: 16, seed: 9, visitor });
const config = (reportPath: string): RegimesConfig => ({
  runs: [
    { visitor: 'persuadable', estimator: 'hian', seed: 1, rewardScale: 1, sessionReward: 'value' },
    { visitor: 'persuadable', estimator: 'grpo', seed: 1, rewardScale: 1, sessionReward: 'value' },
    { visitor: 'persuadable', estimator: 'hian', seed: 2, rewardScale: 1, sessionReward: 'value' },
    { visitor: 'persuadable', estimator: 'grpo', seed: 2, rewardScale: 1, sessionReward: 'value' },
  ],
  loop: { advantage: defaultAdvantageConfig, steps: 3, contexts: 2, group: 4, personas: ['a', 'b'], checkpointEvery: 2 },
  evaluations: { E1: plan('strict'), E2: plan('persuadable'), E3: plan('strict') },
  root: join(root, 'runs'),
  reportPath,
  init,
  command: 'test',
  notes: [],
});

describe('regimes experiment', () => {
  it('trains every run, evaluates it on every set, writes results below the untouched plan, and resumes without retraining', async () => {
    const reportPath = join(root, 'docs', 'regimes.md');
    mkdirSync(join(root, 'docs'));
    writeFileSync(reportPath, prereg);
    const first = banditBackend();
    const results = await runRegimesExperiment(config(reportPath), first.backend);
    expect(first.opened).toEqual(['-/grpo/0', 'persuadable/hian/1', 'persuadable/grpo/1', 'persuadable/hian/2', 'persuadable/grpo/2']);
    const text = readFileSync(reportPath, 'utf8');
    expect(text.startsWith(prereg.slice(0, prereg.indexOf(RESULTS_MARKER) + RESULTS_MARKER.length))).toBe(true);
    expect(text).not.toContain('No run has finished yet.');
    expect(results).toContain('Progress: 4 of 4 runs finished');
    expect(results).toContain('**H1** (E2, violations per turn against the initial model) (interim: not all planned seeds have finished):');
    expect(results).toMatch(/- verdict: \*\*(supported|not supported)/);
    for (const set of ['E1', 'E2', 'E3']) expect(existsSync(join(root, 'runs', 'persuadable-hian-value-x1-s2', `evaluation-${set}.jsonl`))).toBe(true);
    expect(existsSync(join(root, 'docs', 'figures', 'duca-regimes', 'h1-violations-persuadable.svg'))).toBe(true);

    const again = banditBackend();
    expect(await runRegimesExperiment(config(reportPath), again.backend)).toEqual(results);
    expect(again.opened).toEqual([]);
  });

  it('refuses a report without the results marker, and a root of another design', async () => {
    const bare = join(root, 'bare.md');
    writeFileSync(bare, '# plan without marker\n');
    await expect(runRegimesExperiment(config(bare), banditBackend().backend)).rejects.toThrow('has no results marker line');
    const reportPath = join(root, 'docs', 'regimes.md');
    await expect(runRegimesExperiment({ ...config(reportPath), runs: config(reportPath).runs.slice(0, 2) }, banditBackend().backend)).rejects.toThrow('holds runs of another experiment');
  });

  it('the pre-registered run list: 5 seeds of HIAN and GRPO per regime, 3 of MT-GRPO and MAPO, the scale sweep', () => {
    const runs = regimesRuns();
    const count = (f: (r: (typeof runs)[number]) => boolean) => runs.filter(f).length;
    expect(count((r) => r.visitor === 'persuadable' && r.sessionReward === 'value' && ['hian', 'grpo'].includes(r.estimator))).toBe(10);
    expect(count((r) => r.visitor === 'strict')).toBe(10);
    expect(count((r) => ['mt-grpo', 'mapo'].includes(r.estimator))).toBe(6);
    expect(count((r) => r.sessionReward === 'conversion')).toBe(18);
    expect(runs.slice(0, 2).map((r) => `${r.visitor}/${r.estimator}/${r.seed}`)).toEqual(['persuadable/hian/1', 'persuadable/grpo/1']);
  });
});

describe('regimes statistics', () => {
  it('t-interval over seeds matches a hand-computed case', () => {
    // values 1, 2, 3: mean 2, s.d. 1, half-width t(0.975, 2) · 1/√3 = 4.303 · 0.57735 = 2.4843
    const s = overSeeds([1, 2, 3]);
    expect(s.mean).toBe(2);
    expect(s.ci95![0]).toBeCloseTo(2 - 2.4843, 3);
    expect(s.ci95![1]).toBeCloseTo(2 + 2.4843, 3);
    expect(overSeeds([5]).ci95).toBeUndefined();
  });

  it('per-turn metrics are ratios of sums over sessions', () => {
    const record = (agentTurns: number, violations: number, tacticViolations: number, converted: boolean): EvaluationRecord => ({
      personaId: 'p',
      visitorSeed: 1,
      agentSeed: 1,
      converted,
      sessionReward: 0,
      agentTurns,
      repetitiveTurns: 1,
      identityDetected: false,
      violations,
      tacticViolations,
    });
    const records = [record(2, 1, 1, true), record(6, 1, 0, false)];
    expect(metricOf(records, 'violations')).toBeCloseTo(2 / 8, 10);
    expect(metricOf(records, 'tactics')).toBeCloseTo(1 / 8, 10);
    expect(metricOf(records, 'repetition')).toBeCloseTo(2 / 8, 10);
    expect(metricOf(records, 'conversion')).toBe(0.5);
  });
});
