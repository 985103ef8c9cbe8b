import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config';
import { ChatModel, policyAgent } from '../model';
import { TurnScoring } from '../scoring';
import { findPersona, LlmSimulator, RuleBasedSimulator, runSimulation, scriptedCalibrationAgents, VisitorKind } from '../simulator';
import { addCatalogOptions, catalogAndPersonas, CatalogFlags } from './catalog-options';
import { nonNegativeInt, positiveInt, SIMULATION_SAMPLING, visitorKindOption } from './options';

export function registerSimulate(program: Command): void {
  addCatalogOptions(program.command('simulate'))
    .description('play sessions between an agent and the user simulator; prints a JSON summary')
    .addOption(
      new Option('--agent <name>', 'who plays the agent: the model, or a calibration agent (see `calibrate`)').default('policy'),
    )
    .option('--policy <dir>', 'model folder for --agent policy', 'models/default')
    .addOption(new Option('--simulator <kind>', 'rule-based, or llm (needs SIMULATOR_URL and SIMULATOR_MODEL)').choices(['rule-based', 'llm']).default('rule-based'))
    .option('--visitor <kind>', 'the rule-based visitor: strict (real customers) or persuadable (moved by forbidden tactics)', visitorKindOption, 'strict')
    .option('--sessions <n>', 'number of sessions', positiveInt, 200)
    .option('--seed <n>', 'seed for the simulator and the agent', nonNegativeInt, 1)
    .option('--persona <id>', 'only this persona (default: every library persona in turn)')
    .option('--transcripts <file>', 'write every session as one JSON line')
    .action(async (o: CatalogFlags & { agent: string; policy: string; simulator: string; sessions: number; seed: number; persona?: string; transcripts?: string; visitor: VisitorKind }) => {
      const config = loadConfig();
      const { catalog, personas: library } = catalogAndPersonas(o);
      const agents = scriptedCalibrationAgents(catalog);
      const scripted = agents.find((a) => a.name === o.agent);
      if (o.agent !== 'policy' && !scripted) throw new InvalidArgumentError(`--agent must be policy or one of ${agents.map((a) => a.name).join(', ')}`);
      const personas = o.persona ? [findPersona(library, o.persona)] : library;
      const model = o.agent === 'policy' ? await ChatModel.load(o.policy) : undefined;
      const simulator =
        o.simulator === 'llm'
          ? new LlmSimulator(requireLlmConfig(config.llmSimulator), personas, catalog)
          : new RuleBasedSimulator(personas, catalog, o.visitor);
      const { sessions, summary } = await runSimulation({
        simulator,
        personas,
        agentFor: (_, seed) => (model ? policyAgent(model, catalog, SIMULATION_SAMPLING, seed) : scripted!.make(seed)),
        sessions: o.sessions,
        seed: o.seed,
        scoring: new TurnScoring(catalog),
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
