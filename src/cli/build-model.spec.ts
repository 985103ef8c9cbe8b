import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { shippedCatalog } from '../catalog';
import { buildDefaultModel } from '../model/default-model/build';
import { rehearsalWindows } from '../model/default-model/rehearsal-data';
import { FINISHING_TRAINING, finishWithRl } from '../rl/finish';
import { registerBuildModel } from './build-model';

jest.mock('../model/default-model/build', () => ({ buildDefaultModel: jest.fn(async () => ({ steps: 1 })) }));
const WINDOWS = [{ ids: [1, 2], trainable: [0, 1] }];
jest.mock('../model/default-model/rehearsal-data', () => ({ ...jest.requireActual('../model/default-model/rehearsal-data'), rehearsalWindows: jest.fn(async () => WINDOWS) }));
jest.mock('../rl/finish', () => ({ ...jest.requireActual('../rl/finish'), finishWithRl: jest.fn(async () => ({ ships: 'sft' })) }));

const tmp = mkdtempSync(join(tmpdir(), 'closer-build-model-cli-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** A folder that passes for a model folder, with a card. */
function modelFolder(name: string, card = '# SFT model\n'): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{}');
  writeFileSync(join(dir, 'README.md'), card);
  return dir;
}

describe('closer build-model', () => {
  let stdout: jest.SpyInstance;
  beforeEach(() => {
    jest.clearAllMocks();
    stdout = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => jest.restoreAllMocks());

  const run = async (...args: string[]) => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerBuildModel(program);
    await program.parseAsync(['build-model', ...args], { from: 'user' });
  };
  const finishConfig = () => jest.mocked(finishWithRl).mock.calls[0][0];

  it('builds the SFT model beside the run folder, then finishes with the [duca-regimes] settings', async () => {
    const out = join(tmp, 'fresh');
    await run('--out', out, '--rl-seed', '5', '--workers', '1');
    expect(jest.mocked(buildDefaultModel).mock.calls[0][0].outDir).toBe(join(tmp, 'fresh.rl-run', 'sft'));
    const config = finishConfig();
    expect(config).toMatchObject({ sft: join(tmp, 'fresh.rl-run', 'sft'), out, root: join(tmp, 'fresh.rl-run'), steps: FINISHING_TRAINING.steps, seed: 5 });
    expect(config.heldOut.library).toMatchObject({ sessions: 192, seed: 20261206, visitor: 'strict', personas: config.personas });
    expect(config.heldOut.unseen.personas).not.toEqual(expect.arrayContaining(config.personas));
    expect(JSON.parse(stdout.mock.calls[0][0])).toEqual({ build: { steps: 1 }, finish: { ships: 'sft' } });
  });

  it('--sft runs only the finishing step, from that folder', async () => {
    const sft = modelFolder('sft-only');
    await run('--sft', sft, '--out', join(tmp, 'from-sft'), '--rl-steps', '3');
    expect(buildDefaultModel).not.toHaveBeenCalled();
    expect(finishConfig()).toMatchObject({ sft, steps: 3, root: join(tmp, 'from-sft.rl-run'), rehearsalWindows: WINDOWS, rehearsal: FINISHING_TRAINING.rehearsal });
    expect(jest.mocked(rehearsalWindows).mock.calls[0][0]).toMatchObject({ modelDir: sft, seq: 512 });
  });

  it('--rehearsal-coef and --rehearsal-windows set how the finishing step replays supervised windows; a coef of 0 turns it off', async () => {
    const sft = modelFolder('sft-rehearsal');
    await run('--sft', sft, '--out', join(tmp, 'stronger'), '--rehearsal-coef', '2.5', '--rehearsal-windows', '16');
    expect(finishConfig()).toMatchObject({ rehearsalWindows: WINDOWS, rehearsal: { coef: 2.5, windowsPerStep: 16 } });
    jest.mocked(finishWithRl).mockClear();
    jest.mocked(rehearsalWindows).mockClear();
    await run('--sft', sft, '--out', join(tmp, 'without'), '--rehearsal-coef', '0');
    expect(finishConfig()).toMatchObject({ rehearsalWindows: [], rehearsal: { coef: 0 } });
    expect(rehearsalWindows).not.toHaveBeenCalled();
  });

  it('--rl-steps 0 builds the SFT model into --out and ships it without the finishing step', async () => {
    await run('--out', join(tmp, 'sft-shipped'), '--rl-steps', '0');
    expect(jest.mocked(buildDefaultModel).mock.calls[0][0].outDir).toBe(join(tmp, 'sft-shipped'));
    expect(finishWithRl).not.toHaveBeenCalled();
  });

  it('--kv-heads sets the key/value heads; without it every head has its own', async () => {
    await run('--out', join(tmp, 'gqa'), '--rl-steps', '0', '--heads', '4', '--kv-heads', '2');
    await run('--out', join(tmp, 'mha'), '--rl-steps', '0', '--heads', '4');
    expect(jest.mocked(buildDefaultModel).mock.calls.map(([o]) => [o.heads, o.kvHeads])).toEqual([[4, 2], [4, 4]]);
  });

  describe('refuses combinations that would not do what was asked', () => {
    const otherCatalog = join(tmp, 'acme.json');
    writeFileSync(otherCatalog, JSON.stringify({ ...shippedCatalog(), product: 'Acme CRM' }));
    const resumable = join(tmp, 'interrupted');
    mkdirSync(`${resumable}.rl-run`, { recursive: true });
    writeFileSync(join(`${resumable}.rl-run`, 'experiment.json'), '{}');
    const shippedRl = modelFolder('shipped-rl', `# SFT\n\n<!-- Everything below this line is written by the finishing step of \`closer build-model\`. -->\n\n## Shipped: the RL model\n`);

    it.each<[string, string[], string]>([
      ['key/value heads that do not divide the heads', ['--rl-steps', '0', '--heads', '4', '--kv-heads', '3'], '--kv-heads 3 must divide --heads 4'],
      ['finishing flags without the finishing step', ['--rl-steps', '0', '--workers', '2', '--rl-seed', '3'], '--rl-steps 0 skips the finishing step, so --rl-seed, --workers would change nothing'],
      ['rehearsal flags without the finishing step', ['--rl-steps', '0', '--rehearsal-coef', '2'], '--rl-steps 0 skips the finishing step, so --rehearsal-coef would change nothing'],
      ['SFT build flags with --sft', ['--sft', modelFolder('sft-a'), '--out', join(tmp, 'a'), '--steps', '100', '--seed', '2'], '--sft skips the SFT build, so --steps, --seed would change nothing'],
      ['--sft equal to --out', ['--sft', modelFolder('same'), '--out', join(tmp, 'same')], '--sft and --out must differ'],
      ['--sft that is not a model folder', ['--sft', tmp, '--out', join(tmp, 'b')], `--sft ${tmp} is not a model folder (no config.json)`],
      ['--sft holding a shipped RL model', ['--sft', shippedRl, '--out', join(tmp, 'c')], `--sft ${shippedRl} holds the RL model an earlier finishing step shipped`],
      ['--rl-root equal to --out', ['--out', join(tmp, 'd'), '--rl-root', join(tmp, 'd')], '--rl-root and --out must differ'],
      ['a rebuild over a finishing run to resume', ['--out', resumable], `${resumable}.rl-run holds a finishing run: resume it with --sft and the SFT folder it started from (${join(`${resumable}.rl-run`, 'sft')} if build-model built it`],
      ['the finishing step for another catalog', ['--catalog', otherCatalog, '--out', join(tmp, 'e')], 'the finishing step grades question sets written for the shipped Pipewise catalog'],
    ])('%s', async (_, args, message) => {
      await expect(run(...args)).rejects.toThrow(message);
      expect(buildDefaultModel).not.toHaveBeenCalled();
      expect(finishWithRl).not.toHaveBeenCalled();
    });
  });
});
