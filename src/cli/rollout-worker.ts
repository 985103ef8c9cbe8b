import { Command, InvalidArgumentError } from 'commander';
import { serveRollouts } from '../rl/distributed/bullmq-rollouts';
import { openRolloutPool } from '../rl/pool-backend';
import { PoolRolloutSettings, PoolRolloutSource } from '../rl/pool-rollouts';
import { addCatalogOptions, catalogAndPersonas, CatalogFlags } from './catalog-options';
import { positiveInt } from './options';

export function registerRolloutWorker(program: Command): void {
  addCatalogOptions(program.command('rollout-worker'))
    .description('play rollouts for trainers on other machines: takes jobs from BullMQ on REDIS_URL until stopped (SIGTERM/SIGINT)')
    .option('--init <dir>', 'a model folder of the same architecture and tokenizer as the trainer’s (weights come from the trainer)', 'models/default')
    .option('--workers <n>', 'rollout worker threads', positiveInt, 2)
    .option('--context <n>', 'longest conversation in tokens', positiveInt, 513)
    .option('--max-agent-turns <n>', 'default longest session in agent turns', positiveInt, 12)
    .action(async (o: CatalogFlags & { init: string; workers: number; context: number; maxAgentTurns: number }) => {
      const redisUrl = process.env.REDIS_URL;
      if (!redisUrl) throw new InvalidArgumentError('rollout-worker needs REDIS_URL (e.g. redis://127.0.0.1:6379)');
      const { catalog, personas } = catalogAndPersonas(o);
      const pool = await openRolloutPool({ modelDir: o.init, catalog, personas, workers: o.workers, contextTokens: o.context, maxAgentTurns: o.maxAgentTurns });
      const server = serveRollouts({ redisUrl }, (settings) => new PoolRolloutSource(pool, settings as PoolRolloutSettings, catalog));
      process.stderr.write(`rollout-worker: ${o.workers} threads serving ${redisUrl.replace(/\/\/[^@]*@/, '//***@')}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      await server.close();
      await pool.close();
    });
}
