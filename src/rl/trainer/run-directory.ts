import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A training run's folder: `config.json`, one JSON line of metrics per step (`metrics.jsonl`),
 * checkpoints (`checkpoints/step-000010/{params,optimizer}.safetensors`) and, at the end, the
 * candidate model folder (`model/`). A killed run resumes from its newest complete checkpoint.
 */
export class RunDirectory {
  constructor(readonly root: string) {}

  get configPath() {
    return join(this.root, 'config.json');
  }

  get metricsPath() {
    return join(this.root, 'metrics.jsonl');
  }

  get modelDir() {
    return join(this.root, 'model');
  }

  checkpointDir(step: number) {
    return join(this.root, 'checkpoints', `step-${String(step).padStart(6, '0')}`);
  }

  async create(config: unknown): Promise<void> {
    await mkdir(join(this.root, 'checkpoints'), { recursive: true });
    await writeFile(this.configPath, JSON.stringify(config, null, 2) + '\n');
  }

  async readConfig<T>(): Promise<T | undefined> {
    return existsSync(this.configPath) ? (JSON.parse(await readFile(this.configPath, 'utf8')) as T) : undefined;
  }

  async appendMetrics(line: object): Promise<void> {
    await appendFile(this.metricsPath, JSON.stringify(line) + '\n');
  }

  async readMetrics<T extends { step: number }>(): Promise<T[]> {
    if (!existsSync(this.metricsPath)) return [];
    return (await readFile(this.metricsPath, 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as T);
  }

  /** Keeps the metric lines of steps ≤ `step` (those after a checkpoint are replayed on resume). */
  async truncateMetrics(step: number): Promise<void> {
    const kept = (await this.readMetrics()).filter((m) => m.step <= step);
    await writeFile(this.metricsPath, kept.map((m) => JSON.stringify(m) + '\n').join(''));
  }

  /**
   * Writes a checkpoint through a temporary folder renamed into place, so a kill mid-write never
   * leaves a half checkpoint that resume would trust.
   */
  async writeCheckpoint(step: number, write: (dir: string) => Promise<void>): Promise<void> {
    const final = this.checkpointDir(step);
    const partial = `${final}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    await write(partial);
    await rm(final, { recursive: true, force: true });
    await rename(partial, final);
  }

  /** The newest complete checkpoint's step, if any. */
  async latestCheckpoint(): Promise<number | undefined> {
    const dir = join(this.root, 'checkpoints');
    if (!existsSync(dir)) return undefined;
    const steps = (await readdir(dir)).map((n) => /^step-(\d+)$/.exec(n)?.[1]).filter((s): s is string => s !== undefined).map(Number);
    return steps.length ? Math.max(...steps) : undefined;
  }
}
