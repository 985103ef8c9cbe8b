import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAdvantageConfig } from '../advantages';
import { banditBackend } from '../testing/bandit';
import { ExperimentConfig, runExperiment } from './experiment';

const root = mkdtempSync(join(tmpdir(), 'closer-experiment-'));
afterAll(() => rm(root, { recursive: true, force: true }));
// Only the initial weights' bytes matter to the experiment itself (the backend loads the bandit).
const init = join(root, 'init');
mkdirSync(init);
writeFileSync(join(init, 'model.safetensors'), 'weights v1');

const config: ExperimentConfig = {
  runs: [
    { estimator: 'grpo', seed: 1, rewardScale: 1 },
    { estimator: 'hian', seed: 1, rewardScale: 1 },
  ],
  loop: { advantage: defaultAdvantageConfig, steps: 4, contexts: 2, group: 4, personas: ['a', 'b'], checkpointEvery: 2 },
  evaluation: { personas: ['a', 'b'], sessions: 32, seed: 9 },
  root: join(root, 'runs'),
  reportPath: join(root, 'docs', 'result.md'),
  baseline: 'grpo',
  init,
  command: 'test',
  notes: [],
};

describe('experiment', () => {
  it('trains and evaluates every run, writes the report and its figures, and reuses finished runs', async () => {
    const first = banditBackend();
    const report = await runExperiment(config, first.backend);
    expect(first.opened).toEqual(['-/grpo/0', '-/grpo/1', '-/hian/1']); // the initial model, then each run
    expect(report).toContain('| hian − grpo (1 seed) |');
    expect(readFileSync(config.reportPath, 'utf8')).toContain('![conversion_rate](figures/conversion_rate.svg)');
    expect(existsSync(join(root, 'docs', 'figures', 'kl.svg'))).toBe(true);

    const again = banditBackend();
    expect(await runExperiment(config, again.backend)).toEqual(report);
    expect(again.opened).toEqual([]);
  });

  it('refuses to reuse the runs of another initial model or other settings', async () => {
    writeFileSync(join(init, 'model.safetensors'), 'weights v2');
    await expect(runExperiment(config, banditBackend().backend)).rejects.toThrow(`${config.root} holds runs of another experiment`);
    writeFileSync(join(init, 'model.safetensors'), 'weights v1');
    await expect(runExperiment({ ...config, evaluation: { ...config.evaluation, sessions: 64 } }, banditBackend().backend)).rejects.toThrow('holds runs of another experiment');
  });
});
