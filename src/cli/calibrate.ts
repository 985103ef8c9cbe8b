import { Command } from 'commander';
import { ChatModel, policyAgent } from '../model';
import { runCalibrationCommand } from '../simulator';
import { addCatalogOptions, catalogAndPersonas, CatalogFlags } from './catalog-options';
import { nonNegativeInt, positiveInt, SIMULATION_SAMPLING } from './options';

export function registerCalibrate(program: Command): void {
  addCatalogOptions(program.command('calibrate'))
    .description('play the reference agents, the exploit suite and the default model against the rule-based visitor; one JSON line per agent')
    .option('--sessions <n>', 'sessions per agent', positiveInt, 200)
    .option('--seed <n>', 'seed for the simulator and the agents', nonNegativeInt, 1)
    .option('--policy <dir>', 'model folder played as the policy', 'models/default')
    .option('--agents <names>', 'comma-separated agent names (default: all, the policy named "default-model")')
    .option('--reward-scales <G>', "also print the policy's reward scales over groups of G sessions", positiveInt)
    .action(async (o: CatalogFlags & { sessions: number; seed: number; policy: string; agents?: string; rewardScales?: number }) => {
      const { catalog, personas } = catalogAndPersonas(o);
      await runCalibrationCommand({
        catalog,
        personas,
        sessions: o.sessions,
        seed: o.seed,
        only: o.agents?.split(','),
        policy: {
          name: 'default-model',
          load: async () => {
            const model = await ChatModel.load(o.policy);
            return { make: (seed) => policyAgent(model, catalog, SIMULATION_SAMPLING, seed), release: () => model.release() };
          },
        },
        rewardScalesGroupSize: o.rewardScales,
        print: (line) => console.log(line),
      });
    });
}
