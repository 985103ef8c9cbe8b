import { mkdtempSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedParameters, saveCheckpoint } from '../../model';
import { defaultAdvantageConfig } from '../advantages';
import { banditBackend, banditInitialParams, banditModel, banditOptimizerConfig } from '../testing/bandit';
import { FinishConfig, FINISHING_TRAINING, finishWithRl } from './finish';
import { QuestionScores } from './report';

const tmp = mkdtempSync(join(tmpdir(), 'closer-finish-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

const SFT_CARD = '# Bandit SFT model\n\n| parameters | 1 |';

/** An SFT model folder holding bandit weights (seed 3: those the backend trains from). */
async function sftFolder(dir: string, seed = 3): Promise<string> {
  const shapes = expectedParameters(banditModel);
  const tensors = new Map([...banditInitialParams(seed)].map(([name, data]) => [name, { name, shape: [...shapes.get(name)!], data }]));
  await saveCheckpoint(dir, { config: banditModel, tensors });
  await writeFile(join(dir, 'README.md'), `${SFT_CARD}\n`);
  return dir;
}

const scores = (paraphrase: number, intent: number): QuestionScores => ({
  paraphrase: { questions: 20, greedy: paraphrase, sampled: paraphrase - 0.05, samplesPerQuestion: 4 },
  intent: { questions: 10, greedy: intent, sampled: intent - 0.05, samplesPerQuestion: 4 },
});

/** Question-set grades by folder: the SFT folder gets `sft`, any other (the RL candidate) `rl`. */
function grader(sftDir: string, sft: QuestionScores, rl: QuestionScores) {
  const graded: string[] = [];
  const gradeQuestionSets = async (dir: string) => (graded.push(dir), dir === sftDir ? sft : rl);
  return { gradeQuestionSets, graded };
}

const plan = (personas: string[], sessions: number) => ({ personas, sessions, seed: 9, visitor: 'strict' as const });

describe('the finishing step of build-model (bandit backend, graded question sets)', () => {
  let config: FinishConfig;
  const bytes = (dir: string) => readFileSync(join(dir, 'model.safetensors'));
  beforeAll(async () => {
    config = {
      sft: await sftFolder(join(tmp, 'sft')),
      out: join(tmp, 'shipped'),
      root: join(tmp, 'shipped.rl-run'),
      steps: 6,
      seed: 1,
      advantage: defaultAdvantageConfig,
      personas: ['a', 'b'],
      heldOut: { library: plan(['a', 'b'], 96), unseen: plan(['c'], 32) },
      settings: { optimizer: banditOptimizerConfig },
      rehearsalWindows: [],
    };
  });

  it('trains the SFT model, writes the RL candidate, and ships it when it wins every comparison', async () => {
    const { backend, opened } = banditBackend();
    const grades = grader(config.sft, scores(0.8, 0.9), scores(0.85, 0.95));
    const report = await finishWithRl(config, { backend, gradeQuestionSets: grades.gradeQuestionSets });
    expect(opened).toEqual(['-/hian/0', 'strict/hian/1']); // the SFT model's evaluation, then the training run
    expect(report.rl).toBe(join(config.root, 'strict-hian-value-x1-s1', 'model'));
    expect(grades.graded).toEqual([config.sft, report.rl]);
    expect(report.heldOut.library.difference.conversion.ci95[0]).toBeGreaterThan(0);
    expect([report.ships, report.reasons]).toEqual(['rl', []]);
    expect(bytes(config.out)).toEqual(bytes(report.rl));
    expect(bytes(config.out)).not.toEqual(bytes(config.sft));
    const card = readFileSync(join(config.out, 'README.md'), 'utf8');
    expect(card.startsWith(SFT_CARD)).toBe(true);
    expect(card).toContain('## Shipped: the RL model');
    expect(readFileSync(join(report.rl, 'README.md'), 'utf8')).toContain('## RL candidate of the finishing step');
    expect(JSON.parse(readFileSync(join(config.root, 'finish-report.json'), 'utf8')).ships).toBe('rl');
  });

  it('resumes without retraining, and ships the SFT model when the RL model only ties on the intent set', async () => {
    const { backend, opened } = banditBackend();
    const report = await finishWithRl(config, { backend, gradeQuestionSets: grader(config.sft, scores(0.8, 0.9), scores(0.85, 0.9)).gradeQuestionSets });
    expect(opened).toEqual([]);
    expect(report.ships).toBe('sft');
    expect(report.reasons).toEqual([expect.stringMatching(/^intent set: RL's greedy accuracy 90\.0 % is not above SFT's 90\.0 %/)]);
    expect(bytes(config.out)).toEqual(bytes(config.sft));
    const card = readFileSync(join(config.out, 'README.md'), 'utf8');
    expect(card).toContain('## Shipped: the SFT model');
    expect(card).not.toContain('## Shipped: the RL model');
  });

  it('with supervised windows, every update replays them: the metrics, the report and the card say so; a run without them is not resumed', async () => {
    const rehearsalWindows = [{ ids: [1, 2, 6, 0, 0], trainable: [0, 0, 1, 0, 0] }];
    const replayed = { ...config, root: join(tmp, 'replayed.rl-run'), out: join(tmp, 'replayed'), rehearsalWindows };
    const report = await finishWithRl(replayed, { backend: banditBackend().backend, gradeQuestionSets: grader(config.sft, scores(0.8, 0.9), scores(0.85, 0.95)).gradeQuestionSets });
    expect(report.training.rehearsal).toEqual({ ...FINISHING_TRAINING.rehearsal, windows: 1 });
    const metrics = readFileSync(join(replayed.root, 'strict-hian-value-x1-s1', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics).toHaveLength(config.steps);
    for (const m of metrics) expect(m.rehearsal_nll).toBeGreaterThan(0);
    expect(readFileSync(join(replayed.out, 'README.md'), 'utf8')).toContain(`replaying ${FINISHING_TRAINING.rehearsal.windowsPerStep} supervised windows per update (of 1, weight ${FINISHING_TRAINING.rehearsal.coef})`);
    // Nor by a run replaying them otherwise (its settings are recorded with the root), or not at all (coef 0).
    for (const other of [{ rehearsalWindows: [] }, { rehearsal: { coef: 2, windowsPerStep: 3 } }, { rehearsal: { ...FINISHING_TRAINING.rehearsal, coef: 0 } }]) {
      await expect(finishWithRl({ ...replayed, ...other }, { backend: banditBackend().backend, gradeQuestionSets: grader(config.sft, scores(0, 0), scores(0, 0)).gradeQuestionSets })).rejects.toThrow(
        `${replayed.root} holds runs of another experiment`,
      );
    }
  });

  it('refuses a run folder trained from other SFT weights', async () => {
    const other = await sftFolder(join(tmp, 'other-sft'), 4);
    await expect(finishWithRl({ ...config, sft: other }, { backend: banditBackend().backend, gradeQuestionSets: grader(other, scores(0, 0), scores(0, 0)).gradeQuestionSets })).rejects.toThrow(
      `${config.root} holds runs of another experiment`,
    );
  });
});
