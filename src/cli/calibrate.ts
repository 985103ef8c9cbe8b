import { Command } from 'commander';
import { defaultCatalog } from '../catalog';
import { ChatModel, policyAgent } from '../model';
import { defaultPersonas, runCalibrationCommand } from '../simulator';
import { nonNegativeInt, positiveInt, SIMULATION_SAMPLING } from './options';

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('play the reference agents, the exploit suite and the default model against the rule-based visitor; one JSON line per agent')
    .option('--sessions <n>', 'sessions per agent', positiveInt, 200)
    .option('--seed <n>', 'seed for the simulator and the agents', nonNegativeInt, 1)
    .option('--policy <dir>', 'model folder played as the policy', 'models/default')
    .option('--agents <names>', 'comma-separated agent names (default: all, the policy named "default-model")')
    .option('--reward-scales <G>', "also print the policy's reward scales over groups of G sessions", positiveInt)
    .action(async (o: { sessions: number; seed: number; policy: string; agents?: string; rewardScales?: number }) => {
      await runCalibrationCommand({
        catalog: defaultCatalog,
        personas: defaultPersonas,
        sessions: o.sessions,
        seed: o.seed,
        only: o.agents?.split(','),
        policy: {
          name: 'default-model',
          load: async () => {
            const model = await ChatModel.load(o.policy);
            return { make: (seed) => policyAgent(model, defaultCatalog, SIMULATION_SAMPLING, seed), release: () => model.release() };
          },
        },
        rewardScalesGroupSize: o.rewardScales,
        print: (line) => console.log(line),
      });
    });
}
