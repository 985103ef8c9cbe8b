import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ChildProcess, spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { extname, join } from 'node:path';
import { AppConfig } from '../config';

const RESTART_MS = 5000;
/** Lower CPU priority than the server, so training never takes the cores replies need first. */
const WORKER_NICENESS = 10;

/**
 * TRAINING_WORKER=spawn: the server runs `closer worker` as its own process (training never
 * blocks the server's event loop) and restarts it if it dies; a run it held is resumed from its
 * checkpoint once its heartbeat goes stale. On the embedded database the worker reaches it through
 * the server, which owns it (Database.open's `shareEmbedded`).
 */
@Injectable()
export class WorkerSpawner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TrainingWorker');
  private child: ChildProcess | undefined;
  private stopping = false;

  constructor(@Inject(ConfigService) private readonly config: ConfigService<AppConfig, true>) {}

  onApplicationBootstrap(): void {
    if (this.config.get('nightly.worker', { infer: true }) !== 'spawn') return;
    this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  private start(): void {
    // The CLI entry next to this file (compiled .js, or .ts under a register hook passed through execArgv).
    const entry = join(__dirname, '..', 'cli', `index${extname(__filename)}`);
    const child = spawn(process.execPath, [...process.execArgv, entry, 'worker'], { env: process.env, stdio: ['ignore', 'inherit', 'inherit'] });
    this.child = child;
    if (child.pid) setPriority(child.pid, WORKER_NICENESS);
    this.logger.log(`started training worker (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      this.logger.error(`training worker exited (${signal ?? code}); restarting in ${RESTART_MS / 1000} s`);
      setTimeout(() => !this.stopping && this.start(), RESTART_MS).unref();
    });
  }
}
