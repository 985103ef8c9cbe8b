import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultCatalog } from './catalog';
import { ChatMessage, ChatModel, policyAgent } from './model';
import { buildDefaultModel } from './model/default-model/build';
import { systemPrompt } from './model/default-model/corpus';
import { loadConfig } from './config';
import { SitesRepository } from './conversions';
import { Database } from './database';
import { TextInputError, TurnScoring, validateTurnText } from './scoring';
import {
  defaultPersonas,
  findPersona,
  LlmSimulator,
  LlmSimulatorError,
  RuleBasedSimulator,
  runCalibrationCommand,
  runSimulation,
  scriptedCalibrationAgents,
  UnknownAgentError,
  UnknownPersonaError,
} from './simulator';
import { describeStartupError } from './startup-error';

/** How the model samples when it plays the agent against the simulator. */
const SIMULATION_SAMPLING = { maxNewTokens: 80, temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 };

/**
 * `closer` command line (`npm run closer -- <command>`). Later features add their commands
 * (build-model, train, eval, compare, bench) here.
 */
export function buildCli(): Command {
  const program = new Command('closer')
    .description('Closer: a sales-chat agent server that learns online with DuCA')
    .showHelpAfterError();

  program
    .command('migrate')
    .description('apply pending database migrations (DATABASE_URL, or the embedded database under DATA_DIR)')
    .option('--revert', 'undo the most recent migration instead')
    .action(async (options: { revert?: boolean }) => {
      const config = loadConfig();
      const database = await Database.open(config.database, { runMigrations: !options.revert });
      try {
        if (options.revert) {
          await database.dataSource.undoLastMigration({ transaction: 'each' });
          console.log('reverted the most recent migration');
        } else if (database.appliedMigrations.length === 0) {
          console.log('schema is up to date');
        } else {
          for (const name of database.appliedMigrations) console.log(`applied ${name}`);
        }
      } finally {
        await database.close();
      }
    });

  program
    .command('site:add')
    .description('register a customer site; prints its webhook secret once (sign POST /api/v1/conversions with it)')
    .requiredOption('--key <siteKey>', 'the site key the widget sends (1-64 letters, digits, _ or -)')
    .requiredOption('--name <name>', 'a name for admins')
    .action(async (o: { key: string; name: string }) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.key)) throw new InvalidArgumentError('--key must be 1-64 letters, digits, _ or -');
      const database = await Database.open(loadConfig().database);
      try {
        const site = await new SitesRepository(database.dataSource).create(o.key, o.name);
        console.log(JSON.stringify(site, null, 2));
      } finally {
        await database.close();
      }
    });

  program
    .command('simulate')
    .description('play sessions between an agent and the user simulator; prints a JSON summary')
    .addOption(new Option('--agent <name>', 'who plays the agent: the model, or a calibration agent').choices(['policy', ...scriptedCalibrationAgents(defaultCatalog).map((a) => a.name)]).default('policy'))
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

  program
    .command('build-model')
    .description('build the default model: synthetic corpus, BPE tokenizer, SFT; writes a Hugging Face-layout folder')
    .option('--out <dir>', 'output folder', 'models/default')
    .option('--dialogues <n>', 'corpus size', positiveInt, 3000)
    .option('--vocab <n>', 'tokenizer vocabulary size', positiveInt, 2048)
    .option('--hidden <n>', 'hidden size', positiveInt, 192)
    .option('--layers <n>', 'decoder layers', positiveInt, 4)
    .option('--heads <n>', 'attention heads', positiveInt, 4)
    .option('--seq <n>', 'training sequence length', positiveInt, 256)
    .option('--batch <n>', 'sequences per step', positiveInt, 8)
    .option('--steps <n>', 'training steps', positiveInt, 3000)
    .option('--lr <x>', 'peak learning rate', Number, 3e-3)
    .option('--seed <n>', 'seed for corpus, tokenizer and training', nonNegativeInt, 1)
    .option('--threads <n>', 'ORT intra-op threads', positiveInt)
    .action(async (o) => {
      const report = await buildDefaultModel({
        outDir: o.out,
        catalog: defaultCatalog,
        personas: defaultPersonas,
        dialogues: o.dialogues,
        vocabSize: o.vocab,
        hiddenSize: o.hidden,
        layers: o.layers,
        heads: o.heads,
        seq: o.seq,
        batch: o.batch,
        steps: o.steps,
        lr: o.lr,
        seed: o.seed,
        threads: o.threads,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      console.log(JSON.stringify(report, null, 2));
    });

  const sampling = (command: Command) =>
    command
      .option('--model <dir>', 'model folder (config.json, model.safetensors, tokenizer.json)', 'models/default')
      .option('--max-tokens <n>', 'most new tokens per reply', positiveInt, 120)
      .option('--temperature <x>', 'sampling temperature (0 = greedy)', Number, 0.7)
      .option('--top-p <x>', 'nucleus sampling threshold', Number, 0.95)
      .option('--repetition-penalty <x>', 'penalty for tokens already in the context', Number, 1.1)
      .option('--seed <n>', 'sampling seed', nonNegativeInt, 1);
  type SamplingFlags = { model: string; maxTokens: number; temperature: number; topP: number; repetitionPenalty: number; seed: number };
  const generateOptions = (o: SamplingFlags, seed = o.seed) => ({
    maxNewTokens: o.maxTokens,
    temperature: o.temperature,
    topP: o.topP,
    repetitionPenalty: o.repetitionPenalty,
    seed,
  });

  sampling(program.command('generate').description('answer one visitor message with the model, streamed to stdout'))
    .requiredOption('--prompt <text>', 'the visitor message')
    .action(async (o: SamplingFlags & { prompt: string }) => {
      const model = await ChatModel.load(o.model);
      const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt(defaultCatalog) }, { role: 'user', content: validateTurnText(o.prompt, '--prompt') }];
      for await (const e of model.reply(messages, generateOptions(o))) if (e.kind === 'token') process.stdout.write(e.delta);
      process.stdout.write('\n');
      await model.release();
    });

  sampling(program.command('chat').description('chat with the model in the terminal (empty line or Ctrl-D ends)')).action(async (o: SamplingFlags) => {
    const model = await ChatModel.load(o.model);
    const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt(defaultCatalog) }];
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ' });
    rl.prompt();
    let turn = 0;
    for await (const line of rl) {
      if (!line.trim()) break;
      messages.push({ role: 'user', content: validateTurnText(line) });
      process.stdout.write('agent> ');
      let reply = '';
      for await (const e of model.reply(messages, generateOptions(o, o.seed + turn++))) {
        if (e.kind === 'token') {
          process.stdout.write(e.delta);
          reply += e.delta;
        }
      }
      messages.push({ role: 'assistant', content: reply });
      process.stdout.write('\n');
      rl.prompt();
    }
    rl.close();
    await model.release();
  });

  return program;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

function requireLlmConfig<T>(config: T | undefined): T {
  if (!config) throw new Error('--simulator llm needs SIMULATOR_URL and SIMULATOR_MODEL');
  return config;
}

if (require.main === module) {
  if (existsSync('.env')) process.loadEnvFile('.env');
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      const userError = err instanceof UnknownPersonaError || err instanceof UnknownAgentError || err instanceof LlmSimulatorError || err instanceof TextInputError || err instanceof InvalidArgumentError;
      const message = userError ? err.message : describeStartupError(err, { databaseUrl: process.env.DATABASE_URL });
      process.stderr.write(`closer: ${message}\n`);
      process.exit(1);
    });
}
