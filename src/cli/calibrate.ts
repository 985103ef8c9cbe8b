import { Command, Option } from 'commander';
import { ON_POLICY_SAMPLING } from '../rl';
import { ChatModel, policyAgent } from '../model';
import { runCalibrationCommand, VisitorKind } from '../simulator';
import { addCatalogOptions, catalogAndPersonas, CatalogFlags } from './catalog-options';
import { nonNegativeInt, positiveInt, SIMULATION_SAMPLING, visitorKindOption } from './options';

export function registerCalibrate(program: Command): void {
  addCatalogOptions(program.command('calibrate'))
    .description('play the reference agents, the exploit suite and the default model against the rule-based visitor; one JSON line per agent')
    .option('--sessions <n>', 'sessions per agent', positiveInt, 200)
    .option('--seed <n>', 'seed for the simulator and the agents', nonNegativeInt, 1)
    .option('--policy <dir>', 'model folder played as the policy', 'models/default')
    .option('--agents <names>', 'comma-separated agent names (default: all, the policy named "default-model")')
    .option('--reward-scales <G>', "also print the policy's reward scales over groups of G sessions", positiveInt)
    .option('--visitor <kind>', 'the visitor: strict (real customers) or persuadable (moved by forbidden tactics)', visitorKindOption, 'strict')
    .addOption(new Option('--sampling <how>', "how the policy samples: as served, or as training rollouts do (temperature 1, no top-p, no penalty: what RL can find)").choices(['serving', 'training']).default('serving'))
    .action(async (o: CatalogFlags & { sessions: number; seed: number; policy: string; agents?: string; rewardScales?: number; visitor: VisitorKind; sampling: 'serving' | 'training' }) => {
      const { catalog, personas } = catalogAndPersonas(o);
      await runCalibrationCommand({
        catalog,
        personas,
        sessions: o.sessions,
        seed: o.seed,
        visitor: o.visitor,
        only: o.agents?.split(','),
        policy: {
          name: 'default-model',
          load: async () => {
            const model = await ChatModel.load(o.policy);
            return { make: (seed) => policyAgent(model, catalog, o.sampling === 'training' ? { ...SIMULATION_SAMPLING, ...ON_POLICY_SAMPLING } : SIMULATION_SAMPLING, seed), release: () => model.release() };
          },
        },
        rewardScalesGroupSize: o.rewardScales,
        print: (line) => console.log(line),
      });
    });
}
