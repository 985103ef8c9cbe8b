import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { ChatMessage, ChatModel } from '../model';
import { loadCatalogFile, ProductCatalog, systemPrompt } from '../catalog';
import { loadConfig } from '../config';
import { validateTurnText } from '../scoring';
import { nonNegativeInt, positiveInt, SIMULATION_SAMPLING } from './options';

type SamplingFlags = { catalog?: string; model: string; maxTokens: number; temperature?: number; topP?: number; repetitionPenalty?: number; seed: number };

const samplingFlags = (command: Command) =>
  command
    .option('--model <dir>', 'model folder (config.json, model.safetensors, tokenizer.json)', 'models/default')
    .option('--max-tokens <n>', 'most new tokens per reply', positiveInt, 120)
    .option('--temperature <x>', "sampling temperature, 0 = greedy (default: the model's generation_config.json, else 0.7 as served)", Number)
    .option('--top-p <x>', 'nucleus sampling threshold (default: generation_config.json, else 0.95)', Number)
    .option('--repetition-penalty <x>', 'penalty for tokens already in the context (default: generation_config.json, else 1.1)', Number)
    .option('--seed <n>', 'sampling seed', nonNegativeInt, 1)
    .option('--catalog <file>', 'product catalog JSON for the system prompt (default: CATALOG_PATH, else the shipped one)');

const catalogOf = (o: SamplingFlags): ProductCatalog => (o.catalog ? loadCatalogFile(resolve(o.catalog)) : loadConfig().catalog);

/** A flag wins, then the model's generation_config.json, then what the server samples with. */
const generateOptions = (o: SamplingFlags, model: ChatModel, seed = o.seed) => ({
  maxNewTokens: o.maxTokens,
  temperature: o.temperature ?? model.samplingDefaults.temperature ?? SIMULATION_SAMPLING.temperature,
  topP: o.topP ?? model.samplingDefaults.topP ?? SIMULATION_SAMPLING.topP,
  repetitionPenalty: o.repetitionPenalty ?? model.samplingDefaults.repetitionPenalty ?? SIMULATION_SAMPLING.repetitionPenalty,
  seed,
});

/** `generate` (one reply) and `chat` (a terminal conversation) with a model folder. */
export function registerGenerate(program: Command): void {
  samplingFlags(program.command('generate').description('answer one visitor message with the model, streamed to stdout'))
    .requiredOption('--prompt <text>', 'the visitor message')
    .action(async (o: SamplingFlags & { prompt: string }) => {
      const model = await ChatModel.load(o.model);
      const messages: ChatMessage[] = [
        { role: 'system', content: systemPrompt(catalogOf(o)) },
        { role: 'user', content: validateTurnText(o.prompt, '--prompt') },
      ];
      for await (const e of model.reply(messages, generateOptions(o, model))) if (e.kind === 'token') process.stdout.write(e.delta);
      process.stdout.write('\n');
      await model.release();
    });

  samplingFlags(program.command('chat').description('chat with the model in the terminal (empty line or Ctrl-D ends)')).action(async (o: SamplingFlags) => {
    const model = await ChatModel.load(o.model);
    const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt(catalogOf(o)) }];
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ' });
    rl.prompt();
    let turn = 0;
    for await (const line of rl) {
      if (!line.trim()) break;
      messages.push({ role: 'user', content: validateTurnText(line) });
      process.stdout.write('agent> ');
      let reply = '';
      for await (const e of model.reply(messages, generateOptions(o, model, o.seed + turn++))) {
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
}
