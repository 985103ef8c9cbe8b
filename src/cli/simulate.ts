import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { defaultCatalog } from '../catalog';
import { loadConfig } from '../config';
import { ChatModel, policyAgent } from '../model';
import { TurnScoring } from '../scoring';
import { defaultPersonas, findPersona, LlmSimulator, RuleBasedSimulator, runSimulation, scriptedCalibrationAgents } from '../simulator';
import { nonNegativeInt, positiveInt, SIMULATION_SAMPLING } from './options';

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('play sessions between an agent and the user simulator; prints a JSON summary')
    .addOption(
      new Option('--agent <name>', 'who plays the agent: the model, or a calibration agent')
        .choices(['policy', ...scriptedCalibrationAgents(defaultCatalog).map((a) => a.name)])
        .default('policy'),
    )
    .option('--policy <dir>', 'model folder for --agent policy', 'models/default')
    .addOption(new Option('--simulator <kind>', 'rule-based, or llm (needs SIMULATOR_URL and SIMULATOR_MODEL)').choices(['rule-based', 'llm']).default('rule-based'))
    .option('--sessions <n>', 'number of sessions', positiveInt, 200)
    .option('--seed <n>', 'seed for the simulator and the agent', nonNegativeInt, 1)
    .option('--persona <id>', 'only this persona (default: every library persona in turn)')
    .option('--transcripts <file>', 'write every session as one JSON line')
    .action(async (o: { agent: string; policy: string; simulator: string; sessions: number; seed: number; persona?: string; transcripts?: string }) => {
      const config = loadConfig();
      const model = o.agent === 'policy' ? await ChatModel.load(o.policy) : undefined;
      const scripted = scriptedCalibrationAgents(defaultCatalog).find((a) => a.name === o.agent);
      const personas = o.persona ? [findPersona(defaultPersonas, o.persona)] : defaultPersonas;
      const simulator =
        o.simulator === 'llm'
          ? new LlmSimulator(requireLlmConfig(config.llmSimulator), personas, defaultCatalog)
          : new RuleBasedSimulator(personas, defaultCatalog);
      const { sessions, summary } = await runSimulation({
        simulator,
        personas,
        agentFor: (_, seed) => (model ? policyAgent(model, defaultCatalog, SIMULATION_SAMPLING, seed) : scripted!.make(seed)),
        sessions: o.sessions,
        seed: o.seed,
        scoring: new TurnScoring(defaultCatalog),
      });
      await model?.release();
      if (o.transcripts) writeFileSync(o.transcripts, sessions.map((s) => JSON.stringify(s)).join('\n') + '\n');
      console.log(JSON.stringify({ agent: o.agent === 'policy' ? o.policy : o.agent, seed: o.seed, ...summary }, null, 2));
    });
}

function requireLlmConfig<T>(config: T | undefined): T {
  if (!config) throw new Error('--simulator llm needs SIMULATOR_URL and SIMULATOR_MODEL');
  return config;
}
