/** A rollout worker process serving the toy bandit over BullMQ (for the distributed-rollout e2e test). */
import { serveRollouts } from '../../src/rl/distributed/bullmq-rollouts';
import { BanditRollouts } from '../../src/rl/testing/bandit';

void (async () => {
  const local = await BanditRollouts.create();
  const server = serveRollouts({ redisUrl: process.env.REDIS_URL!, prefix: process.env.BULLMQ_PREFIX }, () => local);
  process.on('SIGTERM', () => {
    void server.close().then(() => local.release()).then(() => process.exit(0));
  });
  process.stdout.write('ready\n');
})();
