import { ChildProcess } from 'node:child_process';
import IORedis from 'ioredis';
import { PolicyOptimizer } from '../src/rl';
import { BullMqRolloutSource } from '../src/rl/distributed/bullmq-rollouts';
import { banditInitialParams, banditModel, banditOptimizerConfig, BanditRollouts } from '../src/rl/testing/bandit';
import { evaluationJobs } from '../src/evaluation';
import { spawnEntry, waitForExit } from './support/spawn-server';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `closer-test-${process.pid}-${Date.now()}`;

function startWorker(): Promise<ChildProcess> {
  const child = spawnEntry('test/support/bandit-rollout-worker.ts', [], { REDIS_URL, BULLMQ_PREFIX: prefix });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

describe('rollouts over BullMQ with two worker processes', () => {
  let workers: ChildProcess[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => (w.kill('SIGTERM'), waitForExit(w, 20000))));
    const redis = new IORedis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('returns in job order exactly what local rollouts give, for the initial and for updated weights', async () => {
    workers = await Promise.all([startWorker(), startWorker()]);
    // A completion the queue's events miss fails the play within the test's time, with BullMQ's reason.
    const remote = new BullMqRolloutSource({ redisUrl: REDIS_URL, prefix, runId: 'e2e', chunkSize: 4, jobTimeoutMs: 60_000 });
    const local = await BanditRollouts.create();
    const jobs = evaluationJobs({ personas: ['a', 'b'], sessions: 24, seed: 5 });

    const initial = banditInitialParams(3);
    await remote.setWeights(initial);
    expect(await remote.play(jobs)).toEqual(await local.play(jobs));
    // The weights live under the deployment's prefix.
    const redis = new IORedis(REDIS_URL);
    expect(await redis.keys(`${prefix}:rollouts:e2e:weights:*`)).toHaveLength(1);
    redis.disconnect();

    // New weights (a few updates away from the initial ones) reach every worker before the next play.
    const policy = await PolicyOptimizer.create(banditModel, initial, banditOptimizerConfig, { intraOpThreads: 1 });
    const played = await local.play(jobs);
    await policy.update(played.map((s) => s.episode), played.map((s) => [s.episode.sessionReward - 0.5]), 1);
    await Promise.all([remote.setWeights(policy.params), local.setWeights(policy.params)]);
    const [remoteAfter, localAfter] = [await remote.play(jobs), await local.play(jobs)];
    expect(remoteAfter).toEqual(localAfter);
    expect(remoteAfter).not.toEqual(played);

    await Promise.all([remote.close(), local.release(), policy.release()]);
  }, 120000);
});
